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

/// A recursive-descent parser over a byte buffer that it does not own; used only inside
/// `WireJSON.parse`, which keeps the buffer alive.
struct WireJSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var depth = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func parseDocument() throws(WireJSONParseError) -> WireJSON {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected bytes after the JSON value") }
        return value
    }

    func fail(_ message: String) -> WireJSONParseError { WireJSONParseError(offset: index, message: message) }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws(WireJSONParseError) -> WireJSON {
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail("unexpected character")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(WireJSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw fail("unexpected end of input") }
        let start = literal.utf8Start
        for i in 0..<count where bytes[index + i] != start[i] { throw fail("invalid literal") }
        index += count
    }

    mutating func enter() throws(WireJSONParseError) {
        depth += 1
        guard depth <= WireJSON.maximumDepth else {
            throw fail("nested deeper than \(WireJSON.maximumDepth) levels")
        }
    }

    mutating func parseArray() throws(WireJSONParseError) -> WireJSON {
        try enter()
        index += 1
        var values: [WireJSON] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(values)
        }
        while true {
            skipWhitespace()
            values.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input in an array") }
            let c = bytes[index]
            index += 1
            if c == UInt8(ascii: "]") { break }
            guard c == UInt8(ascii: ",") else { index -= 1; throw fail("expected ',' or ']' in an array") }
        }
        depth -= 1
        return .array(values)
    }

    mutating func parseObject() throws(WireJSONParseError) -> WireJSON {
        try enter()
        index += 1
        var members: [WireJSONMember] = []
        // Small objects (all of the signer's) check duplicates by scanning; large ones by a set,
        // so that a 128 KiB object of distinct keys costs linear time, not quadratic.
        var seen: Set<String>? = nil
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw fail("expected a member name in double quotes")
            }
            let nameOffset = index
            let name = try parseString()
            if members.count < 16 {
                if members.contains(where: { $0.name == name }) {
                    throw WireJSONParseError(offset: nameOffset, message: "duplicate member name \"\(name.prefix(64))\"")
                }
            } else {
                if seen == nil { seen = Set(members.map(\.name)) }
                if seen?.insert(name).inserted == false {
                    throw WireJSONParseError(offset: nameOffset, message: "duplicate member name \"\(name.prefix(64))\"")
                }
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':' after a member name") }
            index += 1
            skipWhitespace()
            let value = try parseValue()
            members.append(WireJSONMember(name, value))
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input in an object") }
            let c = bytes[index]
            index += 1
            if c == UInt8(ascii: "}") { break }
            guard c == UInt8(ascii: ",") else { index -= 1; throw fail("expected ',' or '}' in an object") }
        }
        depth -= 1
        return .object(members)
    }

    mutating func parseNumber() throws(WireJSONParseError) -> WireJSON {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw fail("unexpected end of input in a number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if isDigit(bytes[index]) {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        } else {
            throw fail("expected a digit")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("expected a digit after '.'") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("expected a digit in an exponent") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
    }

    func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    mutating func parseString() throws(WireJSONParseError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                guard let s = String(validating: slice, as: UTF8.self) else {
                    throw WireJSONParseError(offset: start, message: "a string is not valid UTF-8")
                }
                index += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            guard c >= 0x20 else { throw fail("unescaped control character in a string") }
            index += 1
        }
        var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<min(index, bytes.count)]))
        while index < bytes.count {
            let c = bytes[index]
            index += 1
            switch c {
            case UInt8(ascii: "\""):
                guard let s = String(validating: out, as: UTF8.self) else {
                    throw WireJSONParseError(offset: start, message: "a string is not valid UTF-8")
                }
                return s
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw fail("unexpected end of input in a string") }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw fail("unpaired surrogate in a string")
                        }
                        index += 2
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate in a string") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw fail("unpaired surrogate in a string")
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
                    out.append(contentsOf: UTF8.encode(u) ?? [])
                default:
                    index -= 1
                    throw fail("invalid escape in a string")
                }
            default:
                guard c >= 0x20 else { index -= 1; throw fail("unescaped control character in a string") }
                out.append(c)
            }
        }
        throw fail("unexpected end of input in a string")
    }

    mutating func parseHex4() throws(WireJSONParseError) -> UInt32 {
        guard bytes.count - index >= 4 else { throw fail("unexpected end of input in a \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("invalid hex digit in a \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}

extension UTF8 {
    /// The UTF-8 bytes of one scalar.
    static func encode(_ scalar: Unicode.Scalar) -> [UInt8]? {
        Array(String(Character(scalar)).utf8)
    }
}
