/// Hexadecimal text <-> bytes, the way Ethereum writes them (`0x`-prefixed, lowercase on output).
public enum Hex {
    /// Decodes hex text, with or without `0x`. An odd number of digits or a non-hex character is
    /// an error; the empty string and `0x` are the empty byte string.
    public static func decode(_ text: some StringProtocol) throws(HexError) -> [UInt8] {
        var utf8 = Substring(text).utf8[...]
        if utf8.count >= 2, utf8.first == UInt8(ascii: "0"),
            let x = utf8.dropFirst().first, x == UInt8(ascii: "x") || x == UInt8(ascii: "X")
        {
            utf8 = utf8.dropFirst(2)
        }
        guard utf8.count % 2 == 0 else { throw .oddLength(utf8.count) }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var index = utf8.startIndex
        var offset = 0
        while index != utf8.endIndex {
            let next = utf8.index(after: index)
            guard let hi = nibble(utf8[index]) else { throw .invalidCharacter(offset: offset) }
            guard let lo = nibble(utf8[next]) else { throw .invalidCharacter(offset: offset + 1) }
            out.append(hi << 4 | lo)
            index = utf8.index(after: next)
            offset += 2
        }
        return out
    }

    /// Encodes bytes as lowercase hex, with `0x` unless `prefix` is false.
    ///
    /// Contiguous bytes (arrays, slices: nearly every caller) are written straight into the
    /// string's storage, with no generic iteration per byte and no intermediate array: the
    /// signer hex-encodes several fields of every transaction it signs.
    public static func encode(_ bytes: some Sequence<UInt8>, prefix: Bool = true) -> String {
        if let text = bytes.withContiguousStorageIfAvailable({ encode(buffer: $0, prefix: prefix) }) { return text }
        return Array(bytes).withUnsafeBufferPointer { encode(buffer: $0, prefix: prefix) }
    }

    /// Encodes bytes as lowercase hex, with `0x` unless `prefix` is false.
    public static func encode(_ bytes: [UInt8], prefix: Bool = true) -> String {
        bytes.withUnsafeBufferPointer { encode(buffer: $0, prefix: prefix) }
    }

    private static func encode(buffer: UnsafeBufferPointer<UInt8>, prefix: Bool) -> String {
        let count = buffer.count * 2 + (prefix ? 2 : 0)
        guard count > 0 else { return "" }
        let digits: StaticString = "0123456789abcdef"
        return digits.withUTF8Buffer { table in
            String(unsafeUninitializedCapacity: count) { out in
                var i = 0
                if prefix {
                    out[0] = UInt8(ascii: "0")
                    out[1] = UInt8(ascii: "x")
                    i = 2
                }
                for byte in buffer {
                    out[i] = table[Int(byte >> 4)]
                    out[i + 1] = table[Int(byte & 0x0f)]
                    i += 2
                }
                return count
            }
        }
    }

    @inline(__always)
    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }
}

/// Why hex text could not be decoded.
public enum HexError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The number of hex digits (after any `0x`) is odd.
    case oddLength(Int)
    /// A character that is not a hex digit, at this offset after any `0x`.
    case invalidCharacter(offset: Int)

    public var description: String {
        switch self {
        case .oddLength(let n): "hex has an odd number of digits (\(n))"
        case .invalidCharacter(let offset): "hex has a non-hex character at digit \(offset)"
        }
    }
}

extension Array where Element == UInt8 {
    /// Decodes hex text (see ``Hex/decode(_:)``).
    public init(hex: some StringProtocol) throws(HexError) {
        self = try Hex.decode(hex)
    }

    /// `0x`-prefixed lowercase hex of these bytes.
    public var hexString: String { Hex.encode(self) }
}

extension ArraySlice where Element == UInt8 {
    /// `0x`-prefixed lowercase hex of these bytes.
    public var hexString: String { Hex.encode(self) }
}
