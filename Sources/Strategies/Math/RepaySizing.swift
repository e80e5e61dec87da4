public import EVM
public import Oracle

/// How much debt to repay (through the flash-loan orchestrator) so that a position's health
/// factor reaches a target, and how much collateral that withdraws.
///
/// Repaying `D` of the debt asset `d` and withdrawing `D*(1+f)` worth of the collateral asset `c`
/// moves the health factor `HF = sum(coll_i*LT_i) / sum(debt)` to the target `T` when
///
///     D = (T*sum(debt) - sum(coll_i*LT_i)) / (T - LT_c*(1+f))
///
/// (all in base currency). In integers, with `T` in wad and `LT`, `f` in bps:
/// `N = T*D_total*10^4 - S*10^18` (`S = sum(collBase_i*LT_i)`, each `collBase_i` rounded down as
/// Aave does), `Den = T*10^8 - LT_c*(10^4+f)*10^18`, `D_base = ceil(N*10^4 / Den)` and the nominal
/// repay amount `ceil(D_base * 10^decimals_d / price_d)` in the debt asset's units: every step
/// rounds **up**, toward reaching the target.
///
/// The nominal amount ignores the contract's own rounding (Aave floors the average liquidation
/// threshold to whole bps, floors each base-currency value, and rounds scaled balances half up),
/// so the result is then made exact: the post-repay position is recomputed with
/// ``AaveAccount`` (the exact `getUserAccountData` arithmetic) and `D` is moved to an amount that
/// reaches the target while one unit less does not — stepping up from the nominal when it misses,
/// down when it overshoots (exponential steps, then bisection). So the plan satisfies
/// `HF(D) >= T` and `HF(D - 1) < T`, both by the exact arithmetic. `HF(D)` is not monotone at the
/// scale of one bps of the floored average liquidation threshold (withdrawing collateral shifts
/// the weights), so a smaller amount may reach the target by such a step; the tests find none
/// more than 1% below `D`.
///
/// `D` is capped by the user's debt in `d` and by the collateral available in `c` (the largest
/// `D` whose withdrawal fits). When even the cap leaves the position below target the outcome is
/// ``Outcome/unreachable(reason:best:)`` with the best capped plan for information.
public enum RepaySizing {
    /// How much collateral a repayment of `D` costs.
    public enum CollateralCost: Sendable, Hashable {
        /// `W = ceil(D * (10^4 + feeBps) * price_d * 10^dec_c / (10^4 * price_c * 10^dec_d))` at
        /// oracle prices: the issue's `D*(1+f)`, with `f` covering the flash-loan premium and the
        /// swap's slippage. For the same asset, `W = ceil(D * (10^4 + feeBps) / 10^4)`.
        case proportional(feeBps: UInt64)
        /// The devnet orchestrator's exact cost: the flash-loan premium
        /// `percentMul(D, premiumBps)` (half up), then the oracle-priced swap's `getAmountIn` for
        /// `need = D + premium`: `ceil(need * price_d * 10^dec_c * 10^4 / (price_c * 10^dec_d *
        /// (10^4 - slippageBps)))`. For the same asset, `W = need`.
        case flashLoanSwap(premiumBps: UInt64, slippageBps: UInt64)
    }

    /// Scaled balances and indexes of the two reserves involved. When given, the post-repay
    /// balances are computed as the Pool does it (burn `rayDiv(amount, index)` scaled units,
    /// half up; the whole scaled balance on a full repay) instead of by plain subtraction.
    public struct ScaledBalances: Sendable, Hashable {
        public var scaledDebt: U256
        public var normalizedDebt: U256
        public var scaledCollateral: U256
        public var normalizedIncome: U256

        public init(scaledDebt: U256, normalizedDebt: U256, scaledCollateral: U256, normalizedIncome: U256) {
            self.scaledDebt = scaledDebt
            self.normalizedDebt = normalizedDebt
            self.scaledCollateral = scaledCollateral
            self.normalizedIncome = normalizedIncome
        }
    }

    /// A position and what to do with it.
    public struct Request: Sendable, Hashable {
        /// The user's reserves with current balances.
        public var reserves: [AaveAccount.Reserve]
        /// Index in `reserves` of the debt asset to repay.
        public var debtReserve: Int
        /// Index in `reserves` of the collateral asset to withdraw (may equal `debtReserve`).
        public var collateralReserve: Int
        /// The target health factor (wad).
        public var targetHealthFactor: U256
        /// The collateral a repayment costs.
        public var cost: CollateralCost
        /// Scaled balances for Pool-exact post balances (optional).
        public var scaled: ScaledBalances?

        public init(
            reserves: [AaveAccount.Reserve], debtReserve: Int, collateralReserve: Int, targetHealthFactor: U256,
            cost: CollateralCost, scaled: ScaledBalances? = nil
        ) {
            self.reserves = reserves
            self.debtReserve = debtReserve
            self.collateralReserve = collateralReserve
            self.targetHealthFactor = targetHealthFactor
            self.cost = cost
            self.scaled = scaled
        }
    }

    /// A repayment and its expected effect.
    public struct Plan: Sendable, Hashable {
        /// `D`, in the debt asset's smallest units (the flash loan and repay amount).
        public var repayAmount: U256
        /// `W`, in the collateral asset's smallest units (the orchestrator's `maxCollateralIn`).
        public var collateralToWithdraw: U256
        /// The health factor now (wad).
        public var healthFactorBefore: U256
        /// The health factor after repaying `D` and withdrawing `W`, by the exact arithmetic.
        public var expectedHealthFactor: U256
        /// The closed-form `D` before the exact adjustment (nil when the closed form has no
        /// positive denominator).
        public var nominalRepayAmount: U256?
        /// The largest `D` the caps allow.
        public var maximumRepayAmount: U256

        public init(
            repayAmount: U256, collateralToWithdraw: U256, healthFactorBefore: U256, expectedHealthFactor: U256,
            nominalRepayAmount: U256?, maximumRepayAmount: U256
        ) {
            self.repayAmount = repayAmount
            self.collateralToWithdraw = collateralToWithdraw
            self.healthFactorBefore = healthFactorBefore
            self.expectedHealthFactor = expectedHealthFactor
            self.nominalRepayAmount = nominalRepayAmount
            self.maximumRepayAmount = maximumRepayAmount
        }
    }

    /// Why a target cannot be reached.
    public enum UnreachableReason: Sendable, Hashable {
        /// The reserve indexes are out of range, the target is zero, or the cost's bps are invalid.
        case invalidRequest
        /// The user has no debt in the debt reserve.
        case noDebtInReserve
        /// Even the largest repayment the debt and the collateral allow leaves HF below target.
        case capBinds
        /// The account data overflows (the chain would revert too).
        case arithmeticOverflow
    }

    /// The sizing's result.
    public enum Outcome: Sendable, Hashable {
        /// HF is already at or above the target: nothing to do.
        case alreadyAtTarget(healthFactor: U256)
        /// Repay as planned.
        case repay(Plan)
        /// The target cannot be reached this way; `best` is the capped plan when there is one.
        case unreachable(reason: UnreachableReason, best: Plan?)
    }

    /// Sizes the repayment.
    public static func size(_ request: Request) -> Outcome {
        guard var sizer = Sizer(request) else { return .unreachable(reason: .invalidRequest, best: nil) }
        return sizer.run()
    }
}

/// The working state of one sizing: the original reserves, a scratch copy mutated per trial, and
/// the cost model's constants.
private struct Sizer {
    let request: RepaySizing.Request
    let original: [AaveAccount.Reserve]
    var work: [AaveAccount.Reserve]
    let d: Int
    let c: Int
    let target: U256

    init?(_ request: RepaySizing.Request) {
        let n = request.reserves.count
        guard request.debtReserve >= 0, request.debtReserve < n, request.collateralReserve >= 0,
              request.collateralReserve < n, !request.targetHealthFactor.isZero
        else { return nil }
        switch request.cost {
        case .proportional(let f): guard f <= 1_000_000 else { return nil }
        case .flashLoanSwap(let p, let s): guard p <= 10_000, s < 10_000 else { return nil }
        }
        self.request = request
        d = request.debtReserve
        c = request.collateralReserve
        target = request.targetHealthFactor
        var reserves = request.reserves
        if let s = request.scaled {
            guard let debt = AaveAccount.currentDebt(scaled: s.scaledDebt, normalizedDebt: s.normalizedDebt),
                  let coll = AaveAccount.currentCollateral(scaled: s.scaledCollateral, normalizedIncome: s.normalizedIncome)
            else { return nil }
            reserves[d].debtBalance = debt
            reserves[c].collateralBalance = coll
        }
        original = reserves
        work = reserves
    }

    mutating func run() -> RepaySizing.Outcome {
        guard let before = AaveAccount.accountData(original.span) else {
            return .unreachable(reason: .arithmeticOverflow, best: nil)
        }
        let hf0 = before.healthFactor
        if hf0 >= target { return .alreadyAtTarget(healthFactor: hf0) }
        let debt = original[d].debtBalance
        if debt.isZero { return .unreachable(reason: .noDebtInReserve, best: nil) }
        guard let cap = maximumRepay(debt: debt) else { return .unreachable(reason: .arithmeticOverflow, best: nil) }
        if cap.isZero { return .unreachable(reason: .capBinds, best: nil) }
        guard let atCap = evaluate(cap) else { return .unreachable(reason: .arithmeticOverflow, best: nil) }
        let nominal = nominalRepay(before: before)
        func plan(_ amount: U256, _ result: (hf: U256, withdraw: U256)) -> RepaySizing.Plan {
            RepaySizing.Plan(
                repayAmount: amount, collateralToWithdraw: result.withdraw, healthFactorBefore: hf0,
                expectedHealthFactor: result.hf, nominalRepayAmount: nominal, maximumRepayAmount: cap)
        }
        if atCap.hf < target { return .unreachable(reason: .capBinds, best: plan(cap, atCap)) }

        // Bracket the smallest reaching amount: lo misses, hi reaches. 0 misses (hf0 < target).
        let start = min(max(nominal ?? cap, .one), cap)
        guard let atStart = evaluate(start) else { return .unreachable(reason: .arithmeticOverflow, best: nil) }
        var lo = U256.zero
        var hi = start
        var best = atStart
        var step = U256.one
        if atStart.hf >= target {
            while true {
                let candidate = hi > step ? hi &- step : .zero
                if candidate.isZero { lo = .zero; break }
                guard let r = evaluate(candidate) else { return .unreachable(reason: .arithmeticOverflow, best: nil) }
                if r.hf < target { lo = candidate; break }
                hi = candidate
                best = r
                step = step &+ step
            }
        } else {
            lo = start
            while true {
                let room = cap &- lo
                let candidate = room > step ? lo &+ step : cap
                guard let r = evaluate(candidate) else { return .unreachable(reason: .arithmeticOverflow, best: nil) }
                if r.hf >= target { hi = candidate; best = r; break }
                lo = candidate
                step = step &+ step
            }
        }
        // Bisect: keep evaluate(lo) < target <= evaluate(hi).
        while hi &- lo > .one {
            let mid = lo &+ ((hi &- lo) >> 1)
            guard let r = evaluate(mid) else { return .unreachable(reason: .arithmeticOverflow, best: nil) }
            if r.hf >= target {
                hi = mid
                best = r
            } else {
                lo = mid
            }
        }
        return .repay(plan(hi, best))
    }

    /// The collateral withdrawn for a repayment of `amount` (see ``RepaySizing/CollateralCost``).
    func withdrawal(for amount: U256) -> U256? {
        let dr = original[d], cr = original[c]
        switch request.cost {
        case .proportional(let f):
            let factor = U256(10_000 + f)
            if d == c { return U256.mulDivRoundingUp(amount, factor, U256(10_000)) }
            guard let k1 = product([factor, dr.price, cr.assetUnit]), let k2 = product([U256(10_000), cr.price, dr.assetUnit])
            else { return nil }
            return U256.mulDivRoundingUp(amount, k1, k2)
        case .flashLoanSwap(let premiumBps, let slippageBps):
            guard let premium = PercentageMath.percentMul(amount, U256(premiumBps)) else { return nil }
            let (need, o) = amount.addingReportingOverflow(premium)
            if o { return nil }
            if d == c { return need }
            // OracleSwap.getAmountIn(collateral -> debt, need) = (need*den + num - 1) // num.
            guard let num = product([cr.price, dr.assetUnit, U256(10_000 - slippageBps)]),
                  let den = product([dr.price, cr.assetUnit, U256(10_000)]), !num.isZero,
                  let scaled = product([need, den])
            else { return nil }
            let (t, o2) = scaled.addingReportingOverflow(num &- .one)
            if o2 { return nil }
            return t / num
        }
    }

    /// The largest repayment allowed by the debt and by the collateral available.
    func maximumRepay(debt: U256) -> U256? {
        let available = original[c].collateralBalance
        guard let w = withdrawal(for: debt) else { return nil }
        if w <= available { return debt }
        // withdrawal(for:) is non-decreasing: bisect for the largest amount that fits.
        var lo = U256.zero, hi = debt  // withdrawal(lo) fits, withdrawal(hi) does not
        while hi &- lo > .one {
            let mid = lo &+ ((hi &- lo) >> 1)
            guard let wm = withdrawal(for: mid) else { return nil }
            if wm <= available { lo = mid } else { hi = mid }
        }
        return lo
    }

    /// The closed-form repayment in the debt asset's units, rounded up; nil when the denominator
    /// is not positive or a value overflows.
    func nominalRepay(before: AaveAccount.UserAccountData) -> U256? {
        var s = U256.zero
        for r in original where r.usageAsCollateralEnabled && r.liquidationThreshold != 0 {
            guard let value = U256.mulDiv(r.collateralBalance, r.price, r.assetUnit),
                  let weighted = product([value, U256(UInt64(r.liquidationThreshold))])
            else { return nil }
            let (sum, o) = s.addingReportingOverflow(weighted)
            if o { return nil }
            s = sum
        }
        let cr = original[c]
        let ltc = cr.usageAsCollateralEnabled ? U256(UInt64(cr.liquidationThreshold)) : .zero
        let fee: U256
        switch request.cost {
        case .proportional(let f): fee = U256(f)
        case .flashLoanSwap(let p, let slip):
            // (1 + premium) / (1 - slippage) - 1, in bps, rounded up.
            fee = U256.mulDivRoundingUp(U256(10_000 + p), U256(10_000), U256(10_000 - slip))! &- U256(10_000)
        }
        let wad = WadRayMath.wad
        guard let lhs = product([target, before.totalDebtBase, U256(10_000)]), let rhs = product([s, wad]),
              let denLeft = product([target, U256(100_000_000)]),
              let denRight = product([ltc, U256(10_000) &+ fee, wad])
        else { return nil }
        guard denLeft > denRight else { return nil }
        let den = denLeft &- denRight
        let numerator = lhs > rhs ? lhs &- rhs : .zero
        guard let base = U256.mulDivRoundingUp(numerator, U256(10_000), den) else { return nil }
        let dr = original[d]
        if dr.price.isZero { return nil }
        return U256.mulDivRoundingUp(base, dr.assetUnit, dr.price)
    }

    /// The health factor after repaying `amount` and withdrawing its collateral cost, and that
    /// cost; nil on overflow.
    mutating func evaluate(_ amount: U256) -> (hf: U256, withdraw: U256)? {
        guard let w = withdrawal(for: amount) else { return nil }
        let debt = original[d].debtBalance
        let payback = min(amount, debt)
        let coll = original[c].collateralBalance
        var newDebt: U256
        var newColl: U256
        if let s = request.scaled {
            // Pool.repay: burn rayDiv(payback, index), the whole scaled debt on a full repay.
            guard var burned = WadRayMath.rayDiv(payback, s.normalizedDebt) else { return nil }
            if burned > s.scaledDebt || payback == debt { burned = s.scaledDebt }
            let rest = s.scaledDebt &- burned
            guard let nd = AaveAccount.currentDebt(scaled: rest, normalizedDebt: s.normalizedDebt) else { return nil }
            newDebt = nd
            // Pool.withdraw: burn rayDiv(amount, index), at most the scaled balance.
            guard var burnedColl = WadRayMath.rayDiv(min(w, coll), s.normalizedIncome) else { return nil }
            if burnedColl > s.scaledCollateral { burnedColl = s.scaledCollateral }
            guard let nc = AaveAccount.currentCollateral(scaled: s.scaledCollateral &- burnedColl, normalizedIncome: s.normalizedIncome)
            else { return nil }
            newColl = nc
        } else {
            newDebt = debt &- payback
            newColl = w >= coll ? .zero : coll &- w
        }
        work[d].debtBalance = newDebt
        work[c].collateralBalance = newColl
        // Withdrawing the whole balance clears the user's collateral bit.
        work[c].usageAsCollateralEnabled = original[c].usageAsCollateralEnabled && w < coll
        guard let data = AaveAccount.accountData(work.span) else { return nil }
        return (data.healthFactor, w)
    }

    func product(_ factors: [U256]) -> U256? {
        var p = U256.one
        for f in factors {
            let (m, o) = p.multipliedReportingOverflow(by: f)
            if o { return nil }
            p = m
        }
        return p
    }
}
