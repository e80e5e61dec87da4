public import BigInt
public import EVM

/// A small deterministic generator (SplitMix64), so random tests replay identically.
public struct SeededGenerator: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// attaswift/BigInt as the test oracle for U256 arithmetic.
public enum Big {
    public static let two256 = BigUInt(1) << 256
    public static let max = two256 - 1

    public static func of(_ v: U256) -> BigUInt { BigUInt(words: [UInt(v.w0), UInt(v.w1), UInt(v.w2), UInt(v.w3)]) }

    /// Nil when the value does not fit in 256 bits.
    public static func u256(_ b: BigUInt) -> U256? {
        guard b <= max else { return nil }
        let w = b.words
        func word(_ i: Int) -> UInt64 { i < w.count ? UInt64(w[i]) : 0 }
        return U256(w0: word(0), w1: word(1), w2: word(2), w3: word(3))
    }

    /// A U256 with a random number of significant bits in `bits`.
    public static func random(bits: ClosedRange<Int>, using rng: inout SeededGenerator) -> U256 {
        let n = Int.random(in: bits, using: &rng)
        let v = U256(w0: rng.next(), w1: rng.next(), w2: rng.next(), w3: rng.next())
        return n == 0 ? .zero : v >> (256 - n)
    }
}
