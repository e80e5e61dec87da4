import EVM
import EVMTestKit
import Testing

/// A JSON value as the vector file writes it.
enum VectorJSON: Decodable, Sendable, CustomStringConvertible {
    case string(String)
    case number(Int64)
    case bool(Bool)
    case array([VectorJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? container.decode(Int64.self) {
            self = .number(n)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else {
            self = .array(try container.decode([VectorJSON].self))
        }
    }

    var description: String {
        switch self {
        case .string(let s): "\"\(s)\""
        case .number(let n): "\(n)"
        case .bool(let b): "\(b)"
        case .array(let a): "[\(a.map(\.description).joined(separator: ","))]"
        }
    }
}

struct VectorConversionError: Error, CustomStringConvertible {
    var description: String
}

extension VectorJSON {
    /// The ABI value this JSON stands for. `asciiBytes`: bytes/bytesN strings are ASCII text
    /// (ethereum/tests' convention) rather than 0x-hex.
    func value(as type: ABIType, asciiBytes: Bool = false) throws -> ABIValue {
        switch (type, self) {
        case (.uint, .number(let n)) where n >= 0:
            return .uint(U256(UInt64(n)))
        case (.uint, .string(let s)):
            guard let v = U256(parsing: s) else { throw VectorConversionError(description: "bad uint \(s)") }
            return .uint(v)
        case (.int, .string(let s)):
            guard let v = I256(parsing: s) else { throw VectorConversionError(description: "bad int \(s)") }
            return .int(v)
        case (.int, .number(let n)):
            return .int(I256(n))
        case (.address, .string(let s)):
            return .address(try Address(s))
        case (.bool, .bool(let b)):
            return .bool(b)
        case (.fixedBytes, .string(let s)):
            return .fixedBytes(asciiBytes ? Array(s.utf8) : try [UInt8](hex: s))
        case (.bytes, .string(let s)):
            return .bytes(asciiBytes ? Array(s.utf8) : try [UInt8](hex: s))
        case (.string, .string(let s)):
            return .string(s)
        case (.array(let element), .array(let items)), (.fixedArray(let element, _), .array(let items)):
            return .array(try items.map { try $0.value(as: element, asciiBytes: asciiBytes) })
        case (.tuple(let components), .array(let items)):
            guard components.count == items.count else { throw VectorConversionError(description: "tuple arity") }
            return .tuple(try zip(components, items).map { try $1.value(as: $0.type, asciiBytes: asciiBytes) })
        default:
            throw VectorConversionError(description: "cannot read \(self) as \(type)")
        }
    }
}

/// abi.json, loaded once.
struct ABIVectorFile: Decodable, Sendable {
    struct FunctionCall: Decodable, Sendable, CustomTestStringConvertible {
        var signature: String
        var args: [VectorJSON]
        var calldata: String
        var selector: String
        var testDescription: String { signature }
    }

    struct Packed: Decodable, Sendable, CustomTestStringConvertible {
        var name: String
        var types: [String]
        var values: [String]
        var encoded: String
        var testDescription: String { name }
    }

    struct EthereumTest: Decodable, Sendable, CustomTestStringConvertible {
        var name: String
        var types: [String]
        var args_verbatim: [VectorJSON]
        var encoded: String
        var testDescription: String { name }
    }

    struct SingleValue: Decodable, Sendable, CustomTestStringConvertible {
        var name: String
        var type: String
        var value: VectorJSON
        var encoded: String
        var testDescription: String { name }
    }

    var function_calls: [FunctionCall]
    var packed: [Packed]
    var ethereum_tests: [EthereumTest]
    var ethers_single_value: [SingleValue]

    static let shared: ABIVectorFile = Vectors.load("abi.json")
}

@Suite("ABI vectors (abi.json)")
struct ABIVectorTests {
    @Test("function calls from the Solidity ABI spec", arguments: ABIVectorFile.shared.function_calls)
    func functionCall(_ vector: ABIVectorFile.FunctionCall) throws {
        let function = try ABIFunction(parsing: vector.signature)
        #expect(function.signature == vector.signature)
        #expect(Hex.encode(function.selector) == vector.selector)
        let values = try zip(function.inputs, vector.args).map { try $1.value(as: $0.type) }
        let calldata = try function.encodeCall(values)
        #expect(Hex.encode(calldata) == vector.calldata)
        #expect(try function.decodeCall([UInt8](hex: vector.calldata)) == values)
    }

    @Test("encodePacked", arguments: ABIVectorFile.shared.packed)
    func packed(_ vector: ABIVectorFile.Packed) throws {
        let types = try vector.types.map { try ABIType(parsing: $0) }
        let values = try zip(vector.values, types).map { try ABIValue.parse($0, as: $1) }
        #expect(Hex.encode(try ABICodec.encodePacked(types, values)) == vector.encoded)
    }

    @Test("ethereum/tests ABITests", arguments: ABIVectorFile.shared.ethereum_tests)
    func ethereumTest(_ vector: ABIVectorFile.EthereumTest) throws {
        let types = try vector.types.map { try ABIType(parsing: $0) }
        let values = try zip(vector.args_verbatim, types).map { try $0.value(as: $1, asciiBytes: true) }
        let encoded = try ABICodec.encode(types, values)
        #expect(Hex.encode(encoded) == vector.encoded)
        #expect(try ABICodec.decode(types, from: [UInt8](hex: vector.encoded)) == values)
    }

    @Test("ethers single values", arguments: ABIVectorFile.shared.ethers_single_value)
    func ethersSingleValue(_ vector: ABIVectorFile.SingleValue) throws {
        let type = try ABIType(parsing: vector.type)
        let value = try vector.value.value(as: type)
        let encoded = try ABICodec.encode(value, as: type)
        #expect(Hex.encode(encoded) == vector.encoded)
        let decoded = try ABICodec.decode(type, from: [UInt8](hex: vector.encoded), strict: true)
        #expect(decoded == value)
        // The human-readable text reads back as the same value.
        #expect(try ABIValue.parse(value.description, as: type) == value)
    }
}
