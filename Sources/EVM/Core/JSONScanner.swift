/// The token level of strict JSON (RFC 8259): whitespace, literals, numbers and strings, over a
/// byte buffer the caller keeps alive.
///
/// Both JSON readers build on it: ``JSONValue`` (documents: keystores, RPC responses, typed data)
/// and the signer's wire type, which keeps object members in order. They differ only in how they
/// assemble objects; what counts as a valid number or string, and the rules that keep hostile
/// input harmless (no raw control characters, no unpaired surrogates, UTF-8 checked), live here
/// once.
public struct JSONScanner {
    /// The bytes being read.
    public let bytes: UnsafeBufferPointer<UInt8>
    /// The offset of the next byte to read.
    public var index = 0

    public init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Whether every byte has been read.
    public var isAtEnd: Bool { index >= bytes.count }

    /// The next byte, if any, without consuming it.
    public var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// An error at the current offset (or at `offset`).
    public func error(_ reason: String, at offset: Int? = nil) -> JSONValueError {
        JSONValueError(offset: offset ?? index, reason: reason)
    }

    /// Skips JSON whitespace (space, tab, line feed, carriage return).
    public mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// A value that is not an array or an object.
    public enum Scalar: Sendable {
        case null
        case bool(Bool)
        /// The number's literal text.
        case number(String)
        case string(String)
    }

    /// Consumes a string, number, `true`, `false` or `null`; anything else is an error (the
    /// caller handles `[` and `{` before calling).
    public mutating func scanScalar() throws(JSONValueError) -> Scalar {
        guard let c = peek else { throw error("unexpected end of input") }
        switch c {
        case UInt8(ascii: "\""): return .string(try scanString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try scanNumber())
        default: throw error("unexpected character")
        }
    }

    /// Consumes `literal` (`true`, `false`, `null`) or throws.
    public mutating func expectLiteral(_ literal: StaticString) throws(JSONValueError) {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw error("unexpected end of input") }
        for i in 0..<count where bytes[index + i] != literal.utf8Start[i] {
            throw error("invalid literal")
        }
        index += count
    }

    /// Consumes a number and returns its literal text (never converted, so 256-bit integers are
    /// kept exactly). The scanner must be at `-` or a digit.
    public mutating func scanNumber() throws(JSONValueError) -> String {
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number: expected a digit") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number: expected a digit after '.'") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number: expected a digit in the exponent") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    /// Consumes a string (the scanner must be at its opening quote) and returns its value.
    public mutating func scanString() throws(JSONValueError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: a string without escapes is validated and copied in one go.
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                guard let text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self) else {
                    throw error("a string is not valid UTF-8", at: start)
                }
                index += 1
                return text
            }
            if c == UInt8(ascii: "\\") { break }
            guard c >= 0x20 else { throw error("unescaped control character in a string") }
            index += 1
        }
        var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<min(index, bytes.count)]))
        while index < bytes.count {
            let c = bytes[index]
            switch c {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: out, as: UTF8.self) else { throw error("a string is not valid UTF-8", at: start) }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw error("unexpected end of input in a string") }
                let escape = bytes[index]
                switch escape {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    index += 1
                    out.append(contentsOf: try scanUnicodeEscape())
                    continue
                default:
                    throw error("invalid escape in a string")
                }
                index += 1
            case 0x00..<0x20:
                throw error("unescaped control character in a string")
            default:
                out.append(c)
                index += 1
            }
        }
        throw error("unexpected end of input in a string")
    }

    /// After `\u`: four hex digits, and for a high surrogate the `\uXXXX` low surrogate that
    /// must follow. Returns the scalar's UTF-8 bytes.
    private mutating func scanUnicodeEscape() throws(JSONValueError) -> [UInt8] {
        var scalar = try scanHex4()
        if (0xD800...0xDBFF).contains(scalar) {
            guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw error("unpaired surrogate in a \\u escape")
            }
            index += 2
            let low = try scanHex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate in a \\u escape") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw error("unpaired surrogate in a \\u escape")
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
        return Array(String(Character(unicode)).utf8)
    }

    private mutating func scanHex4() throws(JSONValueError) -> UInt32 {
        guard bytes.count - index >= 4 else { throw error("unexpected end of input in a \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let nibble = Hex.nibble(bytes[index]) else { throw error("invalid hex digit in a \\u escape") }
            value = value << 4 | UInt32(nibble)
            index += 1
        }
        return value
    }
}
