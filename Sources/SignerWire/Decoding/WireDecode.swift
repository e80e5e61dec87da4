import EVM

/// Decoders for the scalar shapes on the wire, in go-ethereum's `hexutil` conventions:
///
/// - quantities are `0x`-prefixed hex without leading zeros (`0x0`, `0x5208`; not `0x`, `0x01`,
///   or decimal), at most 256 bits (64 for gas and nonce);
/// - byte strings are `0x`-prefixed hex with an even number of digits (`0x` is empty);
/// - addresses are `0x` + 40 hex digits, and mixed case must carry a valid EIP-55 checksum.
///
/// Each returns the value or a ``WireDecodingError`` naming the field.
enum WireDecode {
    static func string(_ value: WireJSON, _ path: WirePath) throws(WireDecodingError) -> String {
        guard case .string(let s) = value else { throw wrongType(value, path, "a string") }
        return s
    }

    static func integer(_ value: WireJSON, _ path: WirePath) throws(WireDecodingError) -> Int64? {
        guard case .number(let text) = value else { throw wrongType(value, path, "an integer") }
        return Int64(text)
    }

    static func unsignedInteger(_ value: WireJSON, _ path: WirePath) throws(WireDecodingError) -> UInt64 {
        guard case .number(let text) = value else { throw wrongType(value, path, "a non-negative integer") }
        guard let n = UInt64(text) else {
            throw WireDecodingError(path: path, problem: .invalidValue("expected a non-negative integer, found \(text.prefix(32))"))
        }
        return n
    }

    static func array(_ value: WireJSON, _ path: WirePath) throws(WireDecodingError) -> [WireJSON] {
        guard case .array(let values) = value else { throw wrongType(value, path, "an array") }
        return values
    }

    static func array<T>(
        of element: @escaping (WireJSON, WirePath) throws(WireDecodingError) -> T
    ) -> (WireJSON, WirePath) throws(WireDecodingError) -> [T] {
        { (value: WireJSON, path: WirePath) throws(WireDecodingError) -> [T] in
            let values = try array(value, path)
            var out: [T] = []
            out.reserveCapacity(values.count)
            for (i, v) in values.enumerated() { out.append(try element(v, path.appending(index: i))) }
            return out
        }
    }

    /// A `0x` hex quantity of at most 256 bits.
    static func quantity(_ value: WireJSON, _ path: WirePath) throws(WireDecodingError) -> U256 {
        let digits = try quantityDigits(value, path, maxDigits: 64, bits: 256)
        guard let n = U256(hex: digits) else { throw invalid(path, "\"\(digits)\" is not hex") }
        return n
    }

    /// A `0x` hex quantity of at most 64 bits (gas, nonce, type).
    static func quantity64(_ value: WireJSON, _ path: WirePath) throws(WireDecodingError) -> UInt64 {
        let digits = try quantityDigits(value, path, maxDigits: 16, bits: 64)
        guard let n = UInt64(digits, radix: 16) else { throw invalid(path, "\"\(digits)\" is not hex") }
        return n
    }

    private static func quantityDigits(
        _ value: WireJSON, _ path: WirePath, maxDigits: Int, bits: Int
    ) throws(WireDecodingError) -> Substring {
        guard case .string(let text) = value else {
            throw wrongType(value, path, "a 0x-prefixed hex quantity string such as \"0x5208\"")
        }
        guard text.hasPrefix("0x") || text.hasPrefix("0X") else {
            throw invalid(path, "\"\(text.prefix(80))\" is not a hex quantity: it needs the 0x prefix (decimal is not accepted)")
        }
        let digits = text.dropFirst(2)
        guard !digits.isEmpty else { throw invalid(path, "\"0x\" has no digits; zero is \"0x0\"") }
        guard digits.utf8.allSatisfy(isHexDigit) else {
            throw invalid(path, "\"\(text.prefix(80))\" has a character that is not a hex digit")
        }
        guard digits.count == 1 || digits.first != "0" else {
            throw invalid(path, "\"\(text.prefix(80))\" has leading zero digits; write quantities without them, e.g. \"0x1\"")
        }
        guard digits.utf8.count <= maxDigits else { throw invalid(path, "the quantity exceeds \(bits) bits") }
        return digits
    }

    /// `0x`-prefixed bytes, an even number of hex digits.
    static func bytes(_ value: WireJSON, _ path: WirePath) throws(WireDecodingError) -> [UInt8] {
        guard case .string(let text) = value else {
            throw wrongType(value, path, "a 0x-prefixed hex byte string")
        }
        guard text.hasPrefix("0x") || text.hasPrefix("0X") else {
            throw invalid(path, "hex bytes need the 0x prefix")
        }
        do {
            return try Hex.decode(text)
        } catch {
            throw invalid(path, "not hex bytes: \(error)")
        }
    }

    /// Exactly 32 bytes (a hash or a storage key).
    static func bytes32(_ value: WireJSON, _ path: WirePath) throws(WireDecodingError) -> [UInt8] {
        let b = try bytes(value, path)
        guard b.count == 32 else { throw invalid(path, "expected 32 bytes (64 hex digits), found \(b.count)") }
        return b
    }

    /// An address with its EIP-55 checksum checked.
    static func address(_ value: WireJSON, _ path: WirePath) throws(WireDecodingError) -> Address {
        guard case .string(let text) = value else { throw wrongType(value, path, "an address string") }
        guard text.hasPrefix("0x") || text.hasPrefix("0X") else { throw invalid(path, "an address needs the 0x prefix") }
        guard text.utf8.count == 42 else {
            throw invalid(path, "an address is 0x and 40 hex digits, found \(text.utf8.count - 2) characters after 0x")
        }
        do {
            return try Address(text)
        } catch {
            throw invalid(path, error.description)
        }
    }

    static func wrongType(_ value: WireJSON, _ path: WirePath, _ expected: String) -> WireDecodingError {
        WireDecodingError(path: path, problem: .wrongType(expected: expected, found: value.typeDescription))
    }

    static func invalid(_ path: WirePath, _ message: String) -> WireDecodingError {
        WireDecodingError(path: path, problem: .invalidValue(message))
    }
}

/// Encoders for the same shapes.
enum WireEncode {
    static func quantity(_ n: U256) -> WireJSON { .string(n.hexQuantity) }
    static func quantity(_ n: UInt64) -> WireJSON { .string(U256(n).hexQuantity) }
    static func bytes(_ b: [UInt8]) -> WireJSON { .string(Hex.encode(b)) }
    static func address(_ a: Address) -> WireJSON { .string(a.checksummed) }
}

func isHexDigit(_ c: UInt8) -> Bool {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): true
    default: false
    }
}
