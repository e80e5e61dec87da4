// Conversions between U256 and bytes and text.

extension U256 {
    /// Reads up to 32 big-endian bytes; nil when there are more than 32.
    @inlinable
    public init?(bigEndian bytes: some Collection<UInt8>) {
        guard bytes.count <= 32 else { return nil }
        self = .zero
        var shift = (bytes.count - 1) * 8
        for byte in bytes {
            self[limb: shift / 64] |= UInt64(byte) << UInt64(shift % 64)
            shift -= 8
        }
    }

    /// The 32-byte big-endian representation (an ABI word).
    @inlinable
    public var bigEndianBytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        writeBigEndian(into: &out, at: 0)
        return out
    }

    /// Writes the 32-byte big-endian representation at `offset`.
    @inlinable
    public func writeBigEndian(into buffer: inout [UInt8], at offset: Int) {
        for limb in 0..<4 {
            let v = self[limb: 3 - limb]
            for b in 0..<8 {
                buffer[offset + limb * 8 + b] = UInt8(truncatingIfNeeded: v >> UInt64(56 - b * 8))
            }
        }
    }

    /// Big-endian bytes without leading zeros; zero is the empty array (RLP's integer form).
    @inlinable
    public var minimalBigEndianBytes: [UInt8] {
        let n = (bitLength + 7) / 8
        var out = [UInt8](repeating: 0, count: n)
        for i in 0..<n {
            let bitIndex = (n - 1 - i) * 8
            out[i] = UInt8(truncatingIfNeeded: self[limb: bitIndex / 64] >> UInt64(bitIndex % 64))
        }
        return out
    }
}

// MARK: - Text

extension U256 {
    /// Parses decimal digits (no sign, no separators). Nil on an empty string, a non-digit or a
    /// value of 2^256 or more.
    public init?(decimal text: some StringProtocol) {
        guard !text.isEmpty else { return nil }
        var value = U256.zero
        let ten = U256(10)
        for c in text.utf8 {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: ten)
            let (s, o2) = m.addingReportingOverflow(U256(UInt64(c - UInt8(ascii: "0"))))
            if o1 || o2 { return nil }
            value = s
        }
        self = value
    }

    /// Parses hex digits with or without `0x` (odd length allowed, as in JSON-RPC quantities).
    /// Nil on no digits, a non-hex character or more than 64 significant digits.
    public init?(hex text: some StringProtocol) {
        var utf8 = Substring(text).utf8[...]
        if utf8.starts(with: "0x".utf8) || utf8.starts(with: "0X".utf8) { utf8 = utf8.dropFirst(2) }
        guard !utf8.isEmpty else { return nil }
        while utf8.count > 1, utf8.first == UInt8(ascii: "0") { utf8 = utf8.dropFirst() }
        guard utf8.count <= 64 else { return nil }
        var value = U256.zero
        var shift = (utf8.count - 1) * 4
        for c in utf8 {
            guard let nibble = Hex.nibble(c) else { return nil }
            value[limb: shift / 64] |= UInt64(nibble) << UInt64(shift % 64)
            shift -= 4
        }
        self = value
    }

    /// Parses `0x`-prefixed hex or decimal, the two ways operators write numbers.
    public init?(parsing text: some StringProtocol) {
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            self.init(hex: text)
        } else {
            self.init(decimal: text)
        }
    }

    /// Minimal `0x` hex, as JSON-RPC writes quantities (`0x0` for zero).
    public var hexQuantity: String {
        if isZero { return "0x0" }
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [UInt8(ascii: "0"), UInt8(ascii: "x")]
        var nibble = (bitLength + 3) / 4 - 1
        while nibble >= 0 {
            let shift = nibble * 4
            out.append(digits[Int((self[limb: shift / 64] >> UInt64(shift % 64)) & 0xf)])
            nibble -= 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decimal digits.
    public var decimalString: String {
        if let small = uint64 { return String(small) }
        // Peel off 19 decimal digits at a time (10^19 is the largest power of ten in a UInt64).
        let chunk: UInt64 = 10_000_000_000_000_000_000
        var parts: [UInt64] = []
        var rest = self
        while !rest.isZero {
            let (q, r) = rest.quotientAndRemainder(dividingBy: U256(chunk))
            parts.append(r.w0)
            rest = q
        }
        var text = String(parts.removeLast())
        for part in parts.reversed() {
            let digits = String(part)
            text += String(repeating: "0", count: 19 - digits.count) + digits
        }
        return text
    }
}

extension U256: CustomStringConvertible, LosslessStringConvertible {
    /// Decimal digits.
    public var description: String { decimalString }

    /// Parses decimal or `0x` hex (see ``init(parsing:)``).
    public init?(_ description: String) { self.init(parsing: description) }
}

extension U256 {
    /// An approximation as `Double` (for display, ratios and logs, never for value arithmetic).
    public var doubleValue: Double {
        var d = Double(w3)
        d = d * 18_446_744_073_709_551_616.0 + Double(w2)
        d = d * 18_446_744_073_709_551_616.0 + Double(w1)
        d = d * 18_446_744_073_709_551_616.0 + Double(w0)
        return d
    }

    /// 10^exponent, or nil when it does not fit (exponent > 77).
    public static func pow10(_ exponent: Int) -> U256? {
        guard exponent >= 0 else { return nil }
        var r = U256.one
        for _ in 0..<exponent {
            let (m, o) = r.multipliedReportingOverflow(by: 10)
            if o { return nil }
            r = m
        }
        return r
    }
}
