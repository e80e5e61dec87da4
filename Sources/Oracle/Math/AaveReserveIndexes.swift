public import EVM

/// One reserve's indexes and rates as `getReserveData` returns them, and the "current" indexes at
/// a block timestamp, as Aave V3.0's `ReserveLogic.getNormalizedIncome` /
/// `getNormalizedDebt` and `MathUtils` compute them (and the devnet's Pool.vy replicates).
///
/// - normalized income = `liquidityIndex` when `lastUpdateTimestamp == t`, else
///   `rayMul(linearInterest(liquidityRate, last, t), liquidityIndex)`
/// - normalized debt = `variableBorrowIndex` when `lastUpdateTimestamp == t`, else
///   `rayMul(compoundedInterest(variableBorrowRate, last, t), variableBorrowIndex)`
///
/// Rounding: `linearInterest` and the terms of `compoundedInterest` round **down** (integer
/// division by `SECONDS_PER_YEAR`, by 2 and by 6); the `rayMul`s round **half up**. Everything is
/// nil where the contract would revert (a timestamp before the last update, or an overflow).
public struct AaveReserveIndexes: Sendable, Hashable {
    /// The liquidity index (ray) at `lastUpdateTimestamp`.
    public var liquidityIndex: U256
    /// The variable borrow index (ray) at `lastUpdateTimestamp`.
    public var variableBorrowIndex: U256
    /// The annual liquidity rate (ray).
    public var currentLiquidityRate: U256
    /// The annual variable borrow rate (ray).
    public var currentVariableBorrowRate: U256
    /// When the indexes were last written (seconds).
    public var lastUpdateTimestamp: UInt64

    public init(
        liquidityIndex: U256, variableBorrowIndex: U256, currentLiquidityRate: U256,
        currentVariableBorrowRate: U256, lastUpdateTimestamp: UInt64
    ) {
        self.liquidityIndex = liquidityIndex
        self.variableBorrowIndex = variableBorrowIndex
        self.currentLiquidityRate = currentLiquidityRate
        self.currentVariableBorrowRate = currentVariableBorrowRate
        self.lastUpdateTimestamp = lastUpdateTimestamp
    }

    /// 365 days in seconds, Aave's `SECONDS_PER_YEAR`.
    public static let secondsPerYear: UInt64 = 365 * 86_400

    /// The liquidity index at block time `timestamp` (`getReserveNormalizedIncome`).
    public func normalizedIncome(at timestamp: UInt64) -> U256? {
        if timestamp == lastUpdateTimestamp { return liquidityIndex }
        guard let interest = Self.linearInterest(rate: currentLiquidityRate, from: lastUpdateTimestamp, to: timestamp)
        else { return nil }
        return WadRayMath.rayMul(interest, liquidityIndex)
    }

    /// The variable borrow index at block time `timestamp` (`getReserveNormalizedVariableDebt`).
    public func normalizedVariableDebt(at timestamp: UInt64) -> U256? {
        if timestamp == lastUpdateTimestamp { return variableBorrowIndex }
        guard let interest = Self.compoundedInterest(rate: currentVariableBorrowRate, from: lastUpdateTimestamp, to: timestamp)
        else { return nil }
        return WadRayMath.rayMul(interest, variableBorrowIndex)
    }

    /// `MathUtils.calculateLinearInterest`: `RAY + rate * (to - from) / SECONDS_PER_YEAR`, the
    /// division rounded down. Nil when `to < from` or on overflow.
    public static func linearInterest(rate: U256, from: UInt64, to: UInt64) -> U256? {
        guard to >= from else { return nil }
        let (p, o) = rate.multipliedReportingOverflow(by: U256(to - from))
        if o { return nil }
        let (s, o2) = WadRayMath.ray.addingReportingOverflow(p.quotientAndRemainder(dividingByLimb: secondsPerYear).quotient)
        return o2 ? nil : s
    }

    /// `MathUtils.calculateCompoundedInterest`, the three-term binomial approximation of
    /// `(1 + rate/SECONDS_PER_YEAR)^exp` with `exp = to - from`:
    /// `RAY + rate*exp/Y + exp*(exp-1)*b2/2 + exp*(exp-1)*(exp-2)*b3/6` where
    /// `b2 = rayMul(rate, rate) / Y^2` and `b3 = rayMul(b2, rate) / Y` (`exp-2` is 0 when
    /// `exp <= 2`). Each `/` rounds down, each `rayMul` half up; `exp == 0` gives exactly `RAY`.
    /// Nil when `to < from` or on overflow.
    public static func compoundedInterest(rate: U256, from: UInt64, to: UInt64) -> U256? {
        guard to >= from else { return nil }
        let exp = to - from
        if exp == 0 { return WadRayMath.ray }
        let expMinusOne = U256(exp - 1)
        let expMinusTwo = U256(exp > 2 ? exp - 2 : 0)
        let year = U256(secondsPerYear)
        guard let rr = WadRayMath.rayMul(rate, rate) else { return nil }
        let basePowerTwo = rr / (year * year)
        guard let b2r = WadRayMath.rayMul(basePowerTwo, rate) else { return nil }
        let basePowerThree = b2r / year
        let e = U256(exp)
        guard let second = checkedProduct([e, expMinusOne, basePowerTwo]),
              let third = checkedProduct([e, expMinusOne, expMinusTwo, basePowerThree]),
              let first = checkedProduct([rate, e])
        else { return nil }
        var sum = WadRayMath.ray
        for term in [first / year, second / U256(2), third / U256(6)] {
            let (s, o) = sum.addingReportingOverflow(term)
            if o { return nil }
            sum = s
        }
        return sum
    }

    private static func checkedProduct(_ factors: [U256]) -> U256? {
        var p = U256.one
        for f in factors {
            let (m, o) = p.multipliedReportingOverflow(by: f)
            if o { return nil }
            p = m
        }
        return p
    }
}
