/// A 256-bit two's-complement signed integer, for ABI `intN` values.
///
/// Holds its bits in a ``U256``; arithmetic beyond what ABI and display need is left to callers,
/// who work in `Int64` for ticks and in ``U256`` for amounts.
public struct I256: Hashable, Sendable {
    /// The two's-complement bits.
    public var bits: U256

    /// Wraps two's-complement bits.
    @inlinable public init(bits: U256) { self.bits = bits }

    @inlinable
    public init(_ value: Int64) {
        let magnitude = U256(value.magnitude)
        bits = value < 0 ? (~magnitude) &+ .one : magnitude
    }

    @inlinable public init(_ value: Int) { self.init(Int64(value)) }

    public static let zero = I256(bits: .zero)
    /// -2^255.
    public static let min = I256(bits: U256.one << 255)
    /// 2^255 - 1.
    public static let max = I256(bits: ~(U256.one << 255))

    @inlinable public var isNegative: Bool { bits.w3 >> 63 == 1 }

    /// |value| as an unsigned number (2^255 for ``min``).
    @inlinable public var magnitude: U256 { isNegative ? (~bits) &+ .one : bits }

    /// The value as `Int64` when it fits.
    public var int64: Int64? {
        let m = magnitude
        guard let small = m.uint64 else { return nil }
        if isNegative {
            return small <= UInt64(Int64.max) + 1 ? Int64(bitPattern: 0 &- small) : nil
        }
        return small <= UInt64(Int64.max) ? Int64(small) : nil
    }

    /// -value (wrapping for ``min``).
    @inlinable public var negated: I256 { I256(bits: (~bits) &+ .one) }

    /// A value from a sign and magnitude; nil when it does not fit in 256 bits signed.
    public init?(negative: Bool, magnitude: U256) {
        if negative {
            guard magnitude <= U256.one << 255 else { return nil }
            bits = (~magnitude) &+ .one
        } else {
            guard magnitude < U256.one << 255 else { return nil }
            bits = magnitude
        }
    }

    /// Parses an optional `-` followed by decimal or `0x` hex digits.
    public init?(parsing text: some StringProtocol) {
        let negative = text.hasPrefix("-")
        let digits = Substring(text).dropFirst(negative ? 1 : 0)
        guard let m = U256(parsing: digits) else { return nil }
        self.init(negative: negative, magnitude: m)
    }

    /// Whether the value fits in an `intN` of `bitWidth` bits (8...256).
    public func fits(bitWidth: Int) -> Bool {
        if bitWidth >= 256 { return true }
        let limit = U256.one << (bitWidth - 1)
        return isNegative ? magnitude <= limit : bits < limit
    }
}

extension I256: Comparable {
    @inlinable
    public static func < (a: I256, b: I256) -> Bool {
        if a.isNegative != b.isNegative { return a.isNegative }
        return a.bits < b.bits
    }
}

extension I256: CustomStringConvertible {
    public var description: String { (isNegative ? "-" : "") + magnitude.decimalString }
}

extension I256: ExpressibleByIntegerLiteral {
    @inlinable public init(integerLiteral value: Int64) { self.init(value) }
}
