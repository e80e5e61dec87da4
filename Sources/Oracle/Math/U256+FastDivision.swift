public import EVM

// Division helpers for the hot paths of the Aave arithmetic. Every divisor there is either a
// constant (WAD, RAY, 10^4, 10^decimals) or a sum in base currency that almost always fits in one
// 64-bit limb, so a limb-by-limb hardware division beats the general long division. Results are
// identical to `U256./`; only the speed differs.
extension U256 {
    /// `self / divisor` rounded down, and the remainder; `divisor` must not be zero.
    @inlinable
    func quotientAndRemainder(dividingByLimb divisor: UInt64) -> (quotient: U256, remainder: UInt64) {
        var q = U256.zero
        var r: UInt64 = 0
        if w3 != 0 { (q.w3, r) = divisor.dividingFullWidth((0, w3)) }
        if r != 0 || w2 >= divisor { (q.w2, r) = divisor.dividingFullWidth((r, w2)) } else { r = w2 }
        if r != 0 || w1 >= divisor { (q.w1, r) = divisor.dividingFullWidth((r, w1)) } else { r = w1 }
        if r != 0 || w0 >= divisor { (q.w0, r) = divisor.dividingFullWidth((r, w0)) } else { r = w0 }
        return (q, r)
    }

    /// `self / divisor` rounded down; nil when `divisor` is zero. Takes the one-limb path when the
    /// divisor fits in 64 bits.
    @inlinable
    func dividedFast(by divisor: U256) -> U256? {
        if (divisor.w1 | divisor.w2 | divisor.w3) == 0 {
            if divisor.w0 == 0 { return nil }
            return quotientAndRemainder(dividingByLimb: divisor.w0).quotient
        }
        return self / divisor
    }

    /// `self / 10^27` rounded down: a shift by 27 (10^27 = 2^27 * 5^27) and a one-limb division by
    /// 5^27, which fits in 64 bits. floor(floor(x / a) / b) = floor(x / (a * b)) for positive a, b.
    @inlinable
    func dividedByRay() -> U256 {
        (self >> 27).quotientAndRemainder(dividingByLimb: 7_450_580_596_923_828_125).quotient
    }
}
