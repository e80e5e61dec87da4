import EVM

/// Why bytes are not the JSON the signer accepts.
public struct WireJSONParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The byte offset where parsing stopped.
    public let offset: Int
    /// What was wrong there.
    public let message: String

    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

extension WireJSON {
    /// How deep arrays and objects may nest. The signer's messages need 5 levels; the limit keeps
    /// a hostile `[[[[...` from exhausting a connection thread's stack.
    public static let maximumDepth = 32

    /// Parses one JSON text (RFC 8259), strictly: no trailing bytes other than whitespace, no
    /// duplicate member names, valid UTF-8 only, nesting at most ``maximumDepth``.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireJSONParseError) -> WireJSON {
        var parser = WireJSONParser(bytes: bytes.bindMemory(to: UInt8.self))
        return try parser.parseDocument()
    }

    /// Parses one JSON text from bytes (see ``parse(_:)-(UnsafeRawBufferPointer)``).
    public static func parse(_ bytes: some Collection<UInt8>) throws(WireJSONParseError) -> WireJSON {
        let result: Result<WireJSON, WireJSONParseError>? = bytes.withContiguousStorageIfAvailable { buffer in
            var parser = WireJSONParser(bytes: buffer)
            return Result { () throws(WireJSONParseError) in try parser.parseDocument() }
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { (buffer) throws(WireJSONParseError) -> WireJSON in
            var parser = WireJSONParser(bytes: buffer)
            return try parser.parseDocument()
        }
    }

    /// Parses one JSON text from a string.
    public static func parse(_ text: String) throws(WireJSONParseError) -> WireJSON {
        try parse(Array(text.utf8))
    }
}

/// Arrays and objects (members kept in order) over a byte buffer that it does not own; used only
/// inside `WireJSON.parse`, which keeps the buffer alive. Numbers, strings and literals are
/// ``JSONScanner``'s, shared with `JSONValue`.
struct WireJSONParser {
    var scanner: JSONScanner
    var depth = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { scanner = JSONScanner(bytes) }

    mutating func parseDocument() throws(WireJSONParseError) -> WireJSON {
        do throws(JSONValueError) {
            scanner.skipWhitespace()
            let value = try parseValue()
            scanner.skipWhitespace()
            guard scanner.isAtEnd else { throw scanner.error("unexpected bytes after the JSON value") }
            return value
        } catch {
            throw WireJSONParseError(offset: error.offset, message: error.reason)
        }
    }

    mutating func parseValue() throws(JSONValueError) -> WireJSON {
        guard let c = scanner.peek else { throw scanner.error("unexpected end of input") }
        switch c {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        default:
            switch try scanner.scanScalar() {
            case .null: return .null
            case .bool(let b): return .bool(b)
            case .number(let n): return .number(n)
            case .string(let t): return .string(t)
            }
        }
    }

    mutating func enter() throws(JSONValueError) {
        depth += 1
        guard depth <= WireJSON.maximumDepth else {
            throw scanner.error("nested deeper than \(WireJSON.maximumDepth) levels")
        }
    }

    mutating func parseArray() throws(JSONValueError) -> WireJSON {
        try enter()
        scanner.index += 1
        var values: [WireJSON] = []
        scanner.skipWhitespace()
        if scanner.peek == UInt8(ascii: "]") {
            scanner.index += 1
            depth -= 1
            return .array(values)
        }
        while true {
            scanner.skipWhitespace()
            values.append(try parseValue())
            scanner.skipWhitespace()
            switch scanner.peek {
            case UInt8(ascii: ","): scanner.index += 1
            case UInt8(ascii: "]"):
                scanner.index += 1
                depth -= 1
                return .array(values)
            case nil: throw scanner.error("unexpected end of input in an array")
            default: throw scanner.error("expected ',' or ']' in an array")
            }
        }
    }

    mutating func parseObject() throws(JSONValueError) -> WireJSON {
        try enter()
        scanner.index += 1
        var members: [WireJSONMember] = []
        // Small objects (all of the signer's) check duplicates by scanning; large ones by a set,
        // so that a 128 KiB object of distinct keys costs linear time, not quadratic.
        var seen: Set<String>? = nil
        scanner.skipWhitespace()
        if scanner.peek == UInt8(ascii: "}") {
            scanner.index += 1
            depth -= 1
            return .object(members)
        }
        while true {
            scanner.skipWhitespace()
            guard scanner.peek == UInt8(ascii: "\"") else { throw scanner.error("expected a member name in double quotes") }
            let nameOffset = scanner.index
            let name = try scanner.scanString()
            let duplicate: Bool
            if members.count < 16 {
                duplicate = members.contains { $0.name == name }
            } else {
                if seen == nil { seen = Set(members.map(\.name)) }
                duplicate = seen?.insert(name).inserted == false
            }
            // Two parsers that disagree about which duplicate wins are how requests get smuggled.
            if duplicate { throw scanner.error("duplicate member name \"\(name.prefix(64))\"", at: nameOffset) }
            scanner.skipWhitespace()
            guard scanner.peek == UInt8(ascii: ":") else { throw scanner.error("expected ':' after a member name") }
            scanner.index += 1
            scanner.skipWhitespace()
            members.append(WireJSONMember(name, try parseValue()))
            scanner.skipWhitespace()
            switch scanner.peek {
            case UInt8(ascii: ","): scanner.index += 1
            case UInt8(ascii: "}"):
                scanner.index += 1
                depth -= 1
                return .object(members)
            case nil: throw scanner.error("unexpected end of input in an object")
            default: throw scanner.error("expected ',' or '}' in an object")
            }
        }
    }
}
