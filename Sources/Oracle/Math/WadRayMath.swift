public import EVM

/// Aave V3.0's `WadRayMath`: fixed-point numbers with 18 (wad) and 27 (ray) decimals.
///
/// Every multiplication and division rounds **half up** (to nearest, ties away from zero, which
/// for unsigned values is up), exactly as Aave's assembly does:
/// - `wadMul(a, b) = (a*b + WAD/2) / WAD`, `rayMul(a, b) = (a*b + RAY/2) / RAY`
/// - `wadDiv(a, b) = (a*WAD + b/2) / b`, `rayDiv(a, b) = (a*RAY + b/2) / b` (note `b/2` is itself
///   rounded down, so for an odd `b` a quotient exactly at .5 - 1/(2b) rounds down)
/// - `rayToWad(a) = a / 10^9`, plus one when the remainder is at least `10^9 / 2`
/// - `wadToRay(a) = a * 10^9`
///
/// Where Aave reverts (the intermediate `a*b + half` or `a*WAD + b/2` exceeds 2^256 - 1, or a
/// division by zero) these return nil; they never trap on chain data. Aave's multiplications do
/// not revert for `b == 0` (the result is 0), and neither do these.
public enum WadRayMath {
    /// 10^18.
    @inlinable public static var wad: U256 { U256(1_000_000_000_000_000_000) }
    /// 10^18 / 2.
    @inlinable public static var halfWad: U256 { U256(500_000_000_000_000_000) }
    /// 10^27.
    @inlinable public static var ray: U256 { U256(w0: 0x9fd0_803c_e800_0000, w1: 0x033b_2e3c, w2: 0, w3: 0) }
    /// 10^27 / 2.
    @inlinable public static var halfRay: U256 { U256(w0: 0x4fe8_401e_7400_0000, w1: 0x019d_971e, w2: 0, w3: 0) }
    /// 10^9, the ratio between a ray and a wad.
    @inlinable public static var wadRayRatio: U256 { U256(1_000_000_000) }

    /// `a * b` in wad, rounded half up; nil when `a*b + WAD/2` overflows 256 bits.
    @inlinable
    public static func wadMul(_ a: U256, _ b: U256) -> U256? {
        guard let sum = productPlus(a, b, halfWad) else { return nil }
        return sum.quotientAndRemainder(dividingByLimb: 1_000_000_000_000_000_000).quotient
    }

    /// `a / b` in wad, rounded half up; nil when `b` is zero or `a*WAD + b/2` overflows.
    @inlinable
    public static func wadDiv(_ a: U256, _ b: U256) -> U256? {
        if b.isZero { return nil }
        guard let sum = productPlus(a, wad, b >> 1) else { return nil }
        return sum.dividedFast(by: b)
    }

    /// `a * b` in ray, rounded half up; nil when `a*b + RAY/2` overflows 256 bits.
    @inlinable
    public static func rayMul(_ a: U256, _ b: U256) -> U256? {
        guard let sum = productPlus(a, b, halfRay) else { return nil }
        return sum.dividedByRay()
    }

    /// `a / b` in ray, rounded half up; nil when `b` is zero or `a*RAY + b/2` overflows.
    @inlinable
    public static func rayDiv(_ a: U256, _ b: U256) -> U256? {
        if b.isZero { return nil }
        guard let sum = productPlus(a, ray, b >> 1) else { return nil }
        return sum.dividedFast(by: b)
    }

    /// A ray converted to a wad, rounded half up (never overflows).
    @inlinable
    public static func rayToWad(_ a: U256) -> U256 {
        let (q, r) = a.quotientAndRemainder(dividingByLimb: 1_000_000_000)
        return r >= 500_000_000 ? q &+ .one : q
    }

    /// A wad converted to a ray (exact); nil when `a * 10^9` overflows.
    @inlinable
    public static func wadToRay(_ a: U256) -> U256? {
        let (p, overflow) = a.multipliedReportingOverflow(by: wadRayRatio)
        return overflow ? nil : p
    }

    /// `a * b + c`, nil when it does not fit in 256 bits.
    @inlinable
    static func productPlus(_ a: U256, _ b: U256, _ c: U256) -> U256? {
        let (p, o1) = a.multipliedReportingOverflow(by: b)
        if o1 { return nil }
        let (s, o2) = p.addingReportingOverflow(c)
        return o2 ? nil : s
    }
}
