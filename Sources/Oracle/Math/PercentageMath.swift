public import EVM

/// Aave V3.0's `PercentageMath`: percentages in basis points with two decimals of precision
/// (`10000` = 100.00%).
///
/// Both operations round **half up**, as Aave's assembly does:
/// - `percentMul(v, p) = (v*p + 5000) / 10000`
/// - `percentDiv(v, p) = (v*10000 + p/2) / p` (`p/2` rounded down)
///
/// Where Aave reverts (the intermediate overflows 2^256 - 1, or `percentDiv` by zero) these return
/// nil. `percentMul` by zero is 0, as in Aave.
public enum PercentageMath {
    /// 10^4 = 100.00%.
    @inlinable public static var percentageFactor: U256 { U256(10_000) }
    /// 5 * 10^3 = 50.00%, the half used for rounding.
    @inlinable public static var halfPercentageFactor: U256 { U256(5_000) }

    /// `value * percentage / 10000`, rounded half up; nil when `value*percentage + 5000` overflows.
    @inlinable
    public static func percentMul(_ value: U256, _ percentage: U256) -> U256? {
        guard let sum = WadRayMath.productPlus(value, percentage, halfPercentageFactor) else { return nil }
        return sum.quotientAndRemainder(dividingByLimb: 10_000).quotient
    }

    /// `value * 10000 / percentage`, rounded half up; nil when `percentage` is zero or
    /// `value*10000 + percentage/2` overflows.
    @inlinable
    public static func percentDiv(_ value: U256, _ percentage: U256) -> U256? {
        if percentage.isZero { return nil }
        guard let sum = WadRayMath.productPlus(value, percentageFactor, percentage >> 1) else { return nil }
        return sum.dividedFast(by: percentage)
    }
}
