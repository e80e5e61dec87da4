// A strict JSON reader (RFC 8259) and writer, shared by everything that reads JSON documents:
// keystore files, EIP-712 typed data, JSON-RPC and GraphQL responses, the signer's wire protocol.
// Numbers keep their literal text so that 256-bit integers are never rounded through Double;
// duplicate object keys and trailing content are errors; nesting is bounded so a hostile document
// cannot exhaust the stack.

/// A parsed JSON value.
public indirect enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    /// The number's literal text, exactly as written (for example `-12`, `1.5e3`).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// A short name of the JSON kind, for error messages ("a string", "an object").
    public var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The fields, when this is an object.
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }
    /// The string, when this is one.
    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    /// The items, when this is an array.
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    /// The boolean, when this is one.
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    /// Whether this is `null`.
    public var isNull: Bool { self == .null }
    /// A field of an object (nil when absent or not an object).
    public subscript(key: String) -> JSONValue? { objectValue?[key] }
}

/// Where and why a document is not valid JSON. Never quotes the document's content.
public struct JSONValueError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Byte offset of the problem.
    public let offset: Int
    public let reason: String
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

extension JSONValue {
    /// Deepest nesting of arrays and objects accepted.
    public static let maximumDepth = 64

    /// Parses one JSON document (surrounding whitespace allowed, nothing else).
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONValueError) -> JSONValue {
        let direct: Result<JSONValue, JSONValueError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONValueError) in try parseDocument(buffer) }
        }
        if let direct { return try direct.get() }
        return try Array(bytes).withUnsafeBufferPointer { (buffer) throws(JSONValueError) in try parseDocument(buffer) }
    }

    /// Parses one JSON document from text.
    public static func parse(_ text: String) throws(JSONValueError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    private static func parseDocument(_ buffer: UnsafeBufferPointer<UInt8>) throws(JSONValueError) -> JSONValue {
        var parser = Parser(scanner: JSONScanner(buffer))
        parser.scanner.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.scanner.skipWhitespace()
        guard parser.scanner.isAtEnd else { throw parser.scanner.error("unexpected content after the document") }
        return value
    }

    /// Arrays and objects; the tokens are ``JSONScanner``'s.
    private struct Parser {
        var scanner: JSONScanner

        mutating func parseValue(depth: Int) throws(JSONValueError) -> JSONValue {
            guard let c = scanner.peek else { throw scanner.error("unexpected end of input") }
            switch c {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            default:
                switch try scanner.scanScalar() {
                case .null: return .null
                case .bool(let b): return .bool(b)
                case .number(let n): return .number(n)
                case .string(let t): return .string(t)
                }
            }
        }

        mutating func parseObject(depth: Int) throws(JSONValueError) -> JSONValue {
            guard depth <= JSONValue.maximumDepth else { throw scanner.error("nested deeper than \(JSONValue.maximumDepth) levels") }
            scanner.index += 1
            var members: [String: JSONValue] = [:]
            scanner.skipWhitespace()
            if scanner.peek == UInt8(ascii: "}") {
                scanner.index += 1
                return .object(members)
            }
            while true {
                scanner.skipWhitespace()
                guard scanner.peek == UInt8(ascii: "\"") else { throw scanner.error("expected a string key") }
                let keyOffset = scanner.index
                let key = try scanner.scanString()
                scanner.skipWhitespace()
                guard scanner.peek == UInt8(ascii: ":") else { throw scanner.error("expected ':'") }
                scanner.index += 1
                scanner.skipWhitespace()
                let value = try parseValue(depth: depth)
                guard members.updateValue(value, forKey: key) == nil else {
                    throw scanner.error("duplicate key '\(key.prefix(64))'", at: keyOffset)
                }
                scanner.skipWhitespace()
                switch scanner.peek {
                case UInt8(ascii: ","): scanner.index += 1
                case UInt8(ascii: "}"): scanner.index += 1; return .object(members)
                case nil: throw scanner.error("unexpected end of input")
                default: throw scanner.error("expected ',' or '}'")
                }
            }
        }

        mutating func parseArray(depth: Int) throws(JSONValueError) -> JSONValue {
            guard depth <= JSONValue.maximumDepth else { throw scanner.error("nested deeper than \(JSONValue.maximumDepth) levels") }
            scanner.index += 1
            var elements: [JSONValue] = []
            scanner.skipWhitespace()
            if scanner.peek == UInt8(ascii: "]") {
                scanner.index += 1
                return .array(elements)
            }
            while true {
                scanner.skipWhitespace()
                elements.append(try parseValue(depth: depth))
                scanner.skipWhitespace()
                switch scanner.peek {
                case UInt8(ascii: ","): scanner.index += 1
                case UInt8(ascii: "]"): scanner.index += 1; return .array(elements)
                case nil: throw scanner.error("unexpected end of input")
                default: throw scanner.error("expected ',' or ']'")
                }
            }
        }
    }
}

extension JSONValue {
    /// Compact JSON text of this value, object keys sorted: the same value always gives the
    /// same text.
    public var serialized: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                v.write(to: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, key) in o.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                JSONValue.writeString(key, to: &out)
                out += ":"
                o[key]?.write(to: &out)
            }
            out += "}"
        }
    }
}

extension JSONValue {
    /// Writes `s` as a JSON string literal. Control characters, DEL, U+2028 and U+2029 are
    /// escaped (`\\u2028`), so the text is also valid JavaScript and one line never splits.
    public static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029:
                let digits = String(scalar.value, radix: 16, uppercase: false)
                out += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(integerLiteral value: Int) { self = .number(String(value)) }
    public init(nilLiteral: ()) { self = .null }
}
