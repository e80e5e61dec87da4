import EVM
import Testing

@Suite("ABI signatures")
struct ABISignatureTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var signature: String
        var selector: String?
        var names: [String] = []
        var testDescription: String { text }
    }

    // Selectors of well-known functions (ERC-20, the Solidity ABI spec's examples).
    static let cases: [Case] = [
        Case(text: "transfer(address,uint256)", signature: "transfer(address,uint256)", selector: "0xa9059cbb", names: ["", ""]),
        Case(text: "function transfer(address to, uint256 amount) external returns (bool)", signature: "transfer(address,uint256)", selector: "0xa9059cbb", names: ["to", "amount"]),
        Case(text: "approve(address,uint)", signature: "approve(address,uint256)", selector: "0x095ea7b3", names: ["", ""]),
        Case(text: "function balanceOf(address owner) external view returns (uint256 balance)", signature: "balanceOf(address)", selector: "0x70a08231", names: ["owner"]),
        Case(text: "transferFrom(address from, address to, uint256 value)", signature: "transferFrom(address,address,uint256)", selector: "0x23b872dd", names: ["from", "to", "value"]),
        Case(text: "baz(uint32,bool)", signature: "baz(uint32,bool)", selector: "0xcdcd77c0", names: ["", ""]),
        Case(text: "sam(bytes,bool,uint256[])", signature: "sam(bytes,bool,uint256[])", selector: "0xa5643bf2", names: ["", "", ""]),
        Case(text: "  function resolve( uint256 marketId ,bool outcome ) ; ", signature: "resolve(uint256,bool)", selector: nil, names: ["marketId", "outcome"]),
        Case(text: "protect(address,(address,uint256)[],uint256)", signature: "protect(address,(address,uint256)[],uint256)", selector: nil, names: ["", "", ""]),
        Case(text: "protect(address vault, (address token, uint256 amount)[] limits, uint256 deadline)", signature: "protect(address,(address,uint256)[],uint256)", selector: nil, names: ["vault", "limits", "deadline"]),
        Case(text: "foo(uint, int[], tuple(uint a, bytes b)[2], byte)", signature: "foo(uint256,int256[],(uint256,bytes)[2],bytes1)", selector: nil, names: ["", "", "", ""]),
        Case(text: "function send(address payable to, bytes calldata data, string memory note) public payable", signature: "send(address,bytes,string)", selector: nil, names: ["to", "data", "note"]),
        Case(text: "noArgs()", signature: "noArgs()", selector: nil, names: []),
        Case(text: "function f(uint256 x) public virtual override(A, B) returns (uint256)", signature: "f(uint256)", selector: nil, names: ["x"]),
        Case(text: "balanceOf(address)(uint256)", signature: "balanceOf(address)", selector: "0x70a08231", names: [""]),
    ]

    @Test("parses and hashes", arguments: cases)
    func parses(_ c: Case) throws {
        let function = try ABIFunction(parsing: c.text)
        #expect(function.signature == c.signature)
        #expect(function.selector == Array(Keccak256.hash(c.signature).prefix(4)))
        if let selector = c.selector { #expect(Hex.encode(function.selector) == selector) }
        #expect(function.inputs.map(\.name) == c.names)
    }

    @Test func outputsAndMutability() throws {
        let view = try ABIFunction(parsing: "function balanceOf(address owner) external view returns (uint256 balance)")
        #expect(view.stateMutability == .view)
        #expect(view.outputs == [ABIParameter(name: "balance", type: .uint256)])
        let cast = try ABIFunction(parsing: "balanceOf(address)(uint256)")
        #expect(cast.outputs.map(\.type) == [.uint256])
        let payable = try ABIFunction(parsing: "function deposit() payable")
        #expect(payable.stateMutability == .payable)
        #expect(try ABIFunction(parsing: "f()").stateMutability == .nonpayable)
    }

    @Test func tupleComponentNamesAreKept() throws {
        let function = try ABIFunction(parsing: "protect(address vault, (address token, uint256 amount)[] limits, uint256 deadline)")
        guard case .array(.tuple(let components)) = function.inputs[1].type else {
            Issue.record("limits is not a tuple array: \(function.inputs[1].type)")
            return
        }
        #expect(components.map(\.name) == ["token", "amount"])
        #expect(function.description == "function protect(address vault, (address,uint256)[] limits, uint256 deadline)")
    }

    static let invalid: [(String, ABIError.Kind)] = [
        ("transfer(address,uint256", .invalidSignature),
        ("transfer(address,,uint256)", .invalidSignature),
        ("foo(uint7)", .invalidSignature),
        ("foo(uint264)", .invalidSignature),
        ("foo(bytes33)", .invalidSignature),
        ("foo(bytes0)", .invalidSignature),
        ("foo(fixed128x18)", .invalidSignature),
        ("foo(uint256[0])", .invalidSignature),
        ("foo(())", .invalidSignature),
        ("foo(addres)", .invalidSignature),
        ("function f(uint256 indexed a)", .invalidSignature),
        ("foo(uint256 a b)", .invalidSignature),
        ("foo(uint256) trailing", .invalidSignature),
        ("event Transfer(address,address,uint256)", .invalidSignature),
        ("(uint256)", .invalidSignature),
        ("", .invalidSignature),
    ]

    @Test("rejects", arguments: invalid)
    func rejects(_ text: String, _ kind: ABIError.Kind) {
        #expect {
            _ = try ABIFunction(parsing: text)
        } throws: { error in
            (error as? ABIError)?.kind == kind
        }
    }

    @Test func errorMessagePointsAtTheProblem() {
        do {
            _ = try ABIFunction(parsing: "foo(uint256,uint7)")
            Issue.record("uint7 parsed")
        } catch {
            #expect(error.description.contains("uint7"))
            #expect(error.description.contains("column 13"))
        }
    }

    @Test func types() throws {
        #expect(try ABIType(parsing: "uint").canonicalName == "uint256")
        #expect(try ABIType(parsing: "(address a,uint256[2] b)[]").canonicalName == "(address,uint256[2])[]")
        let staticTuple = try ABIType(parsing: "(address,uint256[2])")
        #expect(!staticTuple.isDynamic)
        #expect(staticTuple.headSize == 96)
        #expect(try ABIType(parsing: "(address,bytes)").isDynamic)
        #expect(try ABIType(parsing: "(address,bytes)[3]").headSize == 32)
        #expect(try ABIType(parsing: "bool[3][2]").headSize == 192)
        #expect(try ABIType(parsing: "string[2]").isDynamic)
        #expect(ABIType.tuple(types: [.bool, .string]).canonicalName == "(bool,string)")
    }

    @Test func customError() throws {
        let error = try ABICustomError(parsing: "error InsufficientBalance(uint256 available, uint256 required)")
        #expect(error.signature == "InsufficientBalance(uint256,uint256)")
        #expect(error.selector == Array(Keccak256.hash("InsufficientBalance(uint256,uint256)").prefix(4)))
        #expect(error.inputs.map(\.name) == ["available", "required"])
        let data = try error.encode([.uint(1), .uint(2)])
        #expect(try error.decode(data) == [.uint(1), .uint(2)])
        #expect(throws: ABIError.self) { try ABICustomError(parsing: "function f()") }
    }
}

@Suite("ABI events")
struct ABIEventTests {
    @Test func transferTopicAndLog() throws {
        let event = try ABIEvent(parsing: "event Transfer(address indexed from, address indexed to, uint256 value)")
        #expect(event.signature == "Transfer(address,address,uint256)")
        #expect(Hex.encode(event.topic0) == "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
        #expect(event.indexed == [true, true, false])

        let from = try Address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
        let to = try Address("0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359")
        let topics = try [
            event.topic0,
            [UInt8](hex: "0x0000000000000000000000005aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
            [UInt8](hex: "0x000000000000000000000000fb6916095ca1df60bb79ce92ce3ea74c37c5d359"),
        ]
        let data = U256(1000).bigEndianBytes
        let fields = try event.decodeLog(topics: topics, data: data)
        #expect(fields.map(\.value) == [.address(from), .address(to), .uint(1000)])
        #expect(fields.map(\.name) == ["from", "to", "value"])
        #expect(fields.map(\.indexed) == [true, true, false])

        let encoded = try event.encodeLog([.address(from), .address(to), .uint(1000)])
        #expect(encoded.topics == topics)
        #expect(encoded.data == data)
    }

    @Test func approvalTopic() throws {
        let event = try ABIEvent(parsing: "Approval(address indexed owner, address indexed spender, uint256 value)")
        #expect(Hex.encode(event.topic0) == "0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925")
    }

    @Test func indexedDynamicValuesAreHashes() throws {
        let event = try ABIEvent(parsing: "event Named(string indexed name, uint256[] indexed ids, bytes note)")
        let values: [ABIValue] = [.string("alice"), .array([.uint(1), .uint(2)]), .bytes([1, 2, 3])]
        let log = try event.encodeLog(values)
        #expect(log.topics[1] == Keccak256.hash("alice"))
        #expect(log.topics[2] == Keccak256.hash(U256(1).bigEndianBytes + U256(2).bigEndianBytes))
        let fields = try event.decodeLog(topics: log.topics, data: log.data)
        #expect(fields[0].isHash && fields[1].isHash && !fields[2].isHash)
        #expect(fields[0].value == .fixedBytes(Keccak256.hash("alice")))
        #expect(fields[2].value == .bytes([1, 2, 3]))
    }

    @Test func wrongTopicsAreRejected() throws {
        let event = try ABIEvent(parsing: "event Transfer(address indexed from, address indexed to, uint256 value)")
        let other = try ABIEvent(parsing: "event Approval(address indexed owner, address indexed spender, uint256 value)")
        let log = try other.encodeLog([.address(.zero), .address(.zero), .uint(1)])
        #expect(throws: ABIError.self) { try event.decodeLog(topics: log.topics, data: log.data) }
        #expect(throws: ABIError.self) { try event.decodeLog(topics: Array(log.topics.prefix(2)), data: log.data) }
        // A dirty indexed address topic.
        var topics = try event.encodeLog([.address(.zero), .address(.zero), .uint(1)]).topics
        topics[1][0] = 1
        #expect(throws: ABIError.self) { try event.decodeLog(topics: topics, data: U256(1).bigEndianBytes) }
    }

    @Test func dataErrorsNameTheEventParameter() throws {
        let event = try ABIEvent(parsing: "event Swap(address indexed pool, bool zeroForOne, uint8 fee)")
        let log = try event.encodeLog([.address(.zero), .bool(true), .uint(5)])
        var data = log.data
        data[63 - 1] = 1  // dirty high byte of the uint8 `fee`
        do {
            _ = try event.decodeLog(topics: log.topics, data: data)
            Issue.record("dirty fee decoded")
        } catch {
            #expect(error.path.description == "argument 3 (fee)")
        }
    }

    @Test func anonymousEvents() throws {
        let event = try ABIEvent(parsing: "event Ping(uint256 indexed a, uint256 indexed b, uint256 indexed c, uint256 indexed d) anonymous")
        #expect(event.anonymous)
        let log = try event.encodeLog([.uint(1), .uint(2), .uint(3), .uint(4)])
        #expect(log.topics.count == 4)
        #expect(try event.decodeLog(topics: log.topics, data: log.data).map(\.value) == [.uint(1), .uint(2), .uint(3), .uint(4)])
        #expect(throws: ABIError.self) {
            try ABIEvent(parsing: "event Ping(uint256 indexed a, uint256 indexed b, uint256 indexed c, uint256 indexed d)")
        }
    }
}
