import EVM
import Testing

@Suite("ABI cast-style argument parsing")
struct ABIArgumentParsingTests {
    struct Good: Sendable, CustomTestStringConvertible {
        var text: String
        var type: String
        var value: ABIValue
        var testDescription: String { "\(type) \(text)" }
    }

    static let address = (try? Address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")) ?? .zero

    static let good: [Good] = [
        Good(text: "69", type: "uint32", value: .uint(69)),
        Good(text: "0x45", type: "uint32", value: .uint(69)),
        Good(text: " 1e18 ", type: "uint256", value: .uint(U256(1_000_000_000_000_000_000))),
        Good(text: "1.5e6", type: "uint256", value: .uint(1_500_000)),
        Good(text: "1ether", type: "uint256", value: .uint(U256(1_000_000_000_000_000_000))),
        Good(text: "2.5 gwei", type: "uint256", value: .uint(2_500_000_000)),
        Good(text: "7wei", type: "uint256", value: .uint(7)),
        Good(text: "255", type: "uint8", value: .uint(255)),
        Good(text: "-128", type: "int8", value: .int(I256(-128))),
        Good(text: "-0x10", type: "int256", value: .int(I256(-16))),
        Good(text: "-1e3", type: "int16", value: .int(I256(-1000))),
        Good(text: "true", type: "bool", value: .bool(true)),
        Good(text: "false", type: "bool", value: .bool(false)),
        Good(text: "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", type: "address", value: .address(address)),
        Good(text: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", type: "address", value: .address(address)),
        Good(text: "0x", type: "bytes", value: .bytes([])),
        Good(text: "0xdeadBEEF", type: "bytes", value: .bytes([0xde, 0xad, 0xbe, 0xef])),
        Good(text: "0x12345678", type: "bytes4", value: .fixedBytes([0x12, 0x34, 0x56, 0x78])),
        Good(text: "hello, world", type: "string", value: .string("hello, world")),
        Good(text: "\"quoted \\\"x\\\"\"", type: "string", value: .string("quoted \"x\"")),
        Good(text: "", type: "string", value: .string("")),
        Good(text: "[1, 2, 0x3]", type: "uint8[]", value: .array([.uint(1), .uint(2), .uint(3)])),
        Good(text: "[]", type: "uint8[]", value: .array([])),
        Good(text: "[[1],[2,3]]", type: "uint256[][]", value: .array([.array([.uint(1)]), .array([.uint(2), .uint(3)])])),
        Good(text: "[\"a,b\", \"c]\", d]", type: "string[3]", value: .array([.string("a,b"), .string("c]"), .string("d")])),
        Good(
            text: "[(0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed, 1e6), (0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed,2)]",
            type: "(address,uint256)[]",
            value: .array([.tuple([.address(address), .uint(1_000_000)]), .tuple([.address(address), .uint(2)])])
        ),
        Good(text: "(true, (\"x\", [0x01]))", type: "(bool,(string,bytes1[]))", value: .tuple([.bool(true), .tuple([.string("x"), .array([.fixedBytes([1])])])])),
    ]

    @Test("parses", arguments: good)
    func parses(_ c: Good) throws {
        let type = try ABIType(parsing: c.type)
        #expect(try ABIValue.parse(c.text, as: type) == c.value)
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        var text: String
        var type: String
        var message: String
        var testDescription: String { "\(type) \(text)" }
    }

    static let bad: [Bad] = [
        Bad(text: "tru", type: "bool", message: "('tru') is not a bool: expected true or false"),
        Bad(text: "256", type: "uint8", message: "('256') does not fit in uint8 (at most 255)"),
        Bad(text: "-1", type: "uint256", message: "('-1') is not a uint256: it is negative"),
        Bad(text: "128", type: "int8", message: "('128') does not fit in int8"),
        Bad(text: "1.5", type: "uint256", message: "is not a whole number"),
        Bad(text: "12x", type: "uint256", message: "('12x') is not a uint256: expected a decimal or 0x number"),
        Bad(text: "1e100", type: "uint256", message: "is too large for a 256-bit number"),
        Bad(text: "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeD", type: "address", message: "fails its EIP-55 checksum"),
        Bad(text: "0x1234", type: "address", message: "is not an address"),
        Bad(text: "0x1234", type: "bytes4", message: "it has 2 bytes, expected exactly 4"),
        Bad(text: "0x123", type: "bytes", message: "is not bytes"),
        Bad(text: "1,2", type: "uint256[]", message: "expected [a, b]"),
        Bad(text: "[1,2", type: "uint256[]", message: "expected [a, b]"),
        Bad(text: "[1,,2]", type: "uint256[]", message: "element 1 is empty"),
        Bad(text: "[(1]", type: "uint256[]", message: "unclosed '('"),
        Bad(text: "[1)]", type: "uint256[]", message: "unbalanced ')'"),
        Bad(text: "[1,2]", type: "uint256[3]", message: "it has 2 elements, expected 3"),
        Bad(text: "(1)", type: "(uint256,bool)", message: "it has 1 component, expected 2"),
        Bad(text: "[(0x01, 1)]", type: "(address token,uint256 amount)[]", message: "[0].token ('0x01') is not an address"),
    ]

    @Test("rejects with a message", arguments: bad)
    func rejects(_ c: Bad) throws {
        let type = try ABIType(parsing: c.type)
        do {
            let value = try ABIValue.parse(c.text, as: type)
            Issue.record("parsed as \(value)")
        } catch {
            #expect(error.kind == .invalidArgument)
            #expect(error.description.contains(c.message), "\(error.description)")
        }
    }

    @Test func functionArgumentsNameTheArgument() throws {
        let function = try ABIFunction(parsing: "baz(uint32,bool)")
        do {
            _ = try function.parseArguments(["69", "tru"])
            Issue.record("tru parsed")
        } catch {
            #expect(error.description == "argument 2 ('tru') is not a bool: expected true or false")
        }
        #expect(throws: ABIError.self) { try function.parseArguments(["69"]) }
        let calldata = try function.encodeCall(arguments: ["69", "true"])
        #expect(
            Hex.encode(calldata)
                == "0xcdcd77c000000000000000000000000000000000000000000000000000000000000000450000000000000000000000000000000000000000000000000000000000000001"
        )
    }
}
