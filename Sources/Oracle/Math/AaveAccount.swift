public import EVM

/// A user's account data as Aave V3.0's `GenericLogic.calculateUserAccountData` and
/// `Pool.getUserAccountData` compute it (the devnet's Pool.vy replicates the same arithmetic), to
/// the wei.
///
/// For each reserve the user uses as collateral (flag set and liquidation threshold non-zero) or
/// borrows:
/// - collateral in base currency = `balance * price / 10^decimals`, rounded **down**
/// - debt in base currency = `price * debt / 10^decimals`, rounded **down**
/// - `avgLtv += collateralBase * ltv` when `ltv != 0` (else the account has zero-LTV collateral),
///   `avgLt += collateralBase * liquidationThreshold`
///
/// then `avgLtv /= totalCollateral` and `avgLt /= totalCollateral`, both rounded **down** (0
/// without collateral), and
/// - `healthFactor = wadDiv(percentMul(totalCollateral, avgLt), totalDebt)` (both half up), or
///   2^256 - 1 without debt
/// - `availableBorrows = percentMul(totalCollateral, avgLtv) - totalDebt`, floored at 0.
///
/// Prices are in the base currency with 8 decimals (Aave's oracle, USD). Current balances are
/// scaled balances times the reserve's index (see ``currentCollateral(scaled:normalizedIncome:)``
/// and ``currentDebt(scaled:normalizedDebt:)``). Every function returns nil where the contract
/// would revert on overflow; nothing traps on chain data.
///
/// The evaluation allocates nothing: it reads the reserves through a `Span`.
public enum AaveAccount {
    /// One reserve of a user's position, with everything the account data needs.
    public struct Reserve: Sendable, Hashable {
        /// The underlying asset (informational: the arithmetic does not read it).
        public var asset: Address
        /// The asset's decimals (0...77).
        public let decimals: Int
        /// `10^decimals`.
        public let assetUnit: U256
        /// The asset's price in the base currency, 8 decimals.
        public var price: U256
        /// Liquidation threshold in basis points (Aave configuration bits 16-31).
        public var liquidationThreshold: UInt16
        /// Loan to value in basis points (Aave configuration bits 0-15).
        public var ltv: UInt16
        /// The user's "used as collateral" bit for this reserve.
        public var usageAsCollateralEnabled: Bool
        /// The user's current aToken balance: `rayMul(scaledBalance, normalizedIncome)`.
        public var collateralBalance: U256
        /// The user's current variable debt: `rayMul(scaledDebt, normalizedDebt)` (0 when the
        /// scaled debt is 0).
        public var debtBalance: U256

        /// Nil when `decimals` is outside 0...77 (10^decimals must fit in 256 bits).
        public init?(
            asset: Address, decimals: Int, price: U256, liquidationThreshold: UInt16, ltv: UInt16,
            usageAsCollateralEnabled: Bool, collateralBalance: U256, debtBalance: U256
        ) {
            guard decimals >= 0, let unit = U256.pow10(decimals) else { return nil }
            self.asset = asset
            self.decimals = decimals
            self.assetUnit = unit
            self.price = price
            self.liquidationThreshold = liquidationThreshold
            self.ltv = ltv
            self.usageAsCollateralEnabled = usageAsCollateralEnabled
            self.collateralBalance = collateralBalance
            self.debtBalance = debtBalance
        }

        /// A reserve from scaled balances and the reserve's current indexes (normalized income
        /// and normalized variable debt at the block). Nil on a bad `decimals` or an overflow.
        public init?(
            asset: Address, decimals: Int, price: U256, liquidationThreshold: UInt16, ltv: UInt16,
            usageAsCollateralEnabled: Bool, scaledCollateral: U256, normalizedIncome: U256,
            scaledDebt: U256, normalizedDebt: U256
        ) {
            guard let collateral = AaveAccount.currentCollateral(scaled: scaledCollateral, normalizedIncome: normalizedIncome),
                  let debt = AaveAccount.currentDebt(scaled: scaledDebt, normalizedDebt: normalizedDebt)
            else { return nil }
            self.init(
                asset: asset, decimals: decimals, price: price, liquidationThreshold: liquidationThreshold,
                ltv: ltv, usageAsCollateralEnabled: usageAsCollateralEnabled,
                collateralBalance: collateral, debtBalance: debt)
        }
    }

    /// What `getUserAccountData` returns, plus GenericLogic's zero-LTV-collateral flag.
    public struct UserAccountData: Sendable, Hashable {
        /// Collateral in base currency (8 decimals).
        public var totalCollateralBase: U256
        /// Debt in base currency (8 decimals).
        public var totalDebtBase: U256
        /// `percentMul(totalCollateral, ltv) - totalDebt`, floored at 0.
        public var availableBorrowsBase: U256
        /// The collateral-weighted average liquidation threshold (bps), rounded down.
        public var currentLiquidationThreshold: U256
        /// The collateral-weighted average LTV (bps), rounded down.
        public var ltv: U256
        /// The health factor (wad); 2^256 - 1 without debt.
        public var healthFactor: U256
        /// Whether some collateral has an LTV of zero.
        public var hasZeroLtvCollateral: Bool

        public init(
            totalCollateralBase: U256, totalDebtBase: U256, availableBorrowsBase: U256,
            currentLiquidationThreshold: U256, ltv: U256, healthFactor: U256, hasZeroLtvCollateral: Bool
        ) {
            self.totalCollateralBase = totalCollateralBase
            self.totalDebtBase = totalDebtBase
            self.availableBorrowsBase = availableBorrowsBase
            self.currentLiquidationThreshold = currentLiquidationThreshold
            self.ltv = ltv
            self.healthFactor = healthFactor
            self.hasZeroLtvCollateral = hasZeroLtvCollateral
        }

        /// An account with nothing in it (Aave's empty user configuration).
        public static let empty = UserAccountData(
            totalCollateralBase: .zero, totalDebtBase: .zero, availableBorrowsBase: .zero,
            currentLiquidationThreshold: .zero, ltv: .zero, healthFactor: .max, hasZeroLtvCollateral: false)
    }

    /// The current aToken balance: `rayMul(scaled, normalizedIncome)` (half up); nil on overflow.
    @inlinable
    public static func currentCollateral(scaled: U256, normalizedIncome: U256) -> U256? {
        WadRayMath.rayMul(scaled, normalizedIncome)
    }

    /// The current variable debt: 0 for a zero scaled debt, else `rayMul(scaled, normalizedDebt)`
    /// (half up); nil on overflow.
    @inlinable
    public static func currentDebt(scaled: U256, normalizedDebt: U256) -> U256? {
        scaled.isZero ? .zero : WadRayMath.rayMul(scaled, normalizedDebt)
    }

    /// The account data of a position; nil where `getUserAccountData` would revert (overflow).
    @inlinable
    public static func accountData(_ reserves: Span<Reserve>) -> UserAccountData? {
        var totalCollateral = U256.zero
        var totalDebt = U256.zero
        var avgLtv = U256.zero
        var avgLt = U256.zero
        var hasZeroLtvCollateral = false
        var i = 0
        while i < reserves.count {
            let r = reserves[i]
            i += 1
            if r.usageAsCollateralEnabled && r.liquidationThreshold != 0 {
                guard let value = baseValue(r.collateralBalance, r.price, r.assetUnit) else { return nil }
                guard add(&totalCollateral, value) else { return nil }
                if r.ltv != 0 {
                    guard let weighted = product(value, r.ltv), add(&avgLtv, weighted) else { return nil }
                } else {
                    hasZeroLtvCollateral = true
                }
                guard let weighted = product(value, r.liquidationThreshold), add(&avgLt, weighted) else { return nil }
            }
            if !r.debtBalance.isZero {
                guard let value = baseValue(r.debtBalance, r.price, r.assetUnit), add(&totalDebt, value) else { return nil }
            }
        }
        if totalCollateral.isZero {
            avgLtv = .zero
            avgLt = .zero
        } else {
            avgLtv = avgLtv.dividedFast(by: totalCollateral)!
            avgLt = avgLt.dividedFast(by: totalCollateral)!
        }
        var healthFactor = U256.max
        if !totalDebt.isZero {
            guard let adjusted = PercentageMath.percentMul(totalCollateral, avgLt),
                  let hf = WadRayMath.wadDiv(adjusted, totalDebt)
            else { return nil }
            healthFactor = hf
        }
        guard var available = PercentageMath.percentMul(totalCollateral, avgLtv) else { return nil }
        available = available < totalDebt ? .zero : available &- totalDebt
        return UserAccountData(
            totalCollateralBase: totalCollateral, totalDebtBase: totalDebt, availableBorrowsBase: available,
            currentLiquidationThreshold: avgLt, ltv: avgLtv, healthFactor: healthFactor,
            hasZeroLtvCollateral: hasZeroLtvCollateral)
    }

    /// The account data of a position held in an array.
    @inlinable
    public static func accountData(_ reserves: [Reserve]) -> UserAccountData? {
        accountData(reserves.span)
    }

    /// Only the health factor (wad; 2^256 - 1 without debt); nil on overflow.
    @inlinable
    public static func healthFactor(_ reserves: Span<Reserve>) -> U256? {
        accountData(reserves)?.healthFactor
    }

    /// `amount * price / unit`, rounded down; nil on overflow.
    @inlinable
    static func baseValue(_ amount: U256, _ price: U256, _ unit: U256) -> U256? {
        let (p, o) = amount.multipliedReportingOverflow(by: price)
        if o { return nil }
        return p.dividedFast(by: unit)
    }

    @inlinable
    static func product(_ value: U256, _ bps: UInt16) -> U256? {
        let (p, o) = value.multipliedReportingOverflow(by: U256(UInt64(bps)))
        return o ? nil : p
    }

    @inlinable
    static func add(_ sum: inout U256, _ value: U256) -> Bool {
        let (s, o) = sum.addingReportingOverflow(value)
        sum = s
        return !o
    }
}
