public import EVM
public import Oracle

/// Aave V3 health-factor protection through the FlashLoanOrchestrator: a pure decision over the
/// ``AaveObservation`` in the snapshot.
///
/// For each watched position whose on-chain HF is strictly below its trigger:
/// 1. the off-chain account data must equal the contract's `getUserAccountData` (a mismatch is a
///    warning and the position is left alone);
/// 2. no action on the user within the cooldown (``IntentHistory/lastActionTime`` of subject
///    `aave-protection/<user>`);
/// 3. the repayment is sized with ``RepaySizing`` at the orchestrator's exact cost (flash-loan
///    premium, then the oracle-priced swap with slippage) so the post-HF, by the exact Aave
///    arithmetic, reaches the target raised by `target_margin_bps`; debt and collateral are the
///    user's configured pair, or the largest debt and the largest collateral by value (the next
///    pairs in order of value when that one cannot reach the target);
/// 4. skipped when the target is unreachable or the expected HF would be below target, and when
///    gas (gas per protection x (base fee + tip), priced by the oracle) exceeds the configured
///    share of the repaid value;
/// 5. otherwise one intent `protect(user, collateral, debt, repayAmount, maxCollateralIn,
///    minHealthFactorAfter = target)`, so the chain reverts rather than leave the user below target.
public struct AaveProtectionStrategy: Strategy {
    public static let kind = "aave-protection"

    /// The orchestrator's entry point.
    public static let protect: ABIFunction = {
        // A constant signature; a parse failure is a programming error any test catches.
        try! ABIFunction(parsing: "function protect(address user, address collateralAsset, address debtAsset, uint256 repayAmount, uint256 maxCollateralIn, uint256 minHealthFactorAfter) returns (uint256 healthFactorAfter)")
    }()

    public let name: String
    public let config: AaveProtectionConfig
    private let enrolled: [Address: AaveProtectionConfig.EnrolledUser]

    public init(name: String, config: AaveProtectionConfig) {
        self.name = name
        self.config = config
        enrolled = Dictionary(config.users.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The cooldown subject of a user: `aave-protection/0x<40 lowercase hex>`.
    public static func subject(_ user: Address) -> String { "\(kind)/\(user.lowercaseHex)" }

    public func decide(_ snapshot: Snapshot) -> StrategyDecision {
        guard let observation = snapshot.section(name, as: AaveObservation.self) else {
            return StrategyDecision(notes: [.init(.warning, "no Aave observation for this block; nothing decided")])
        }
        var decision = StrategyDecision()
        for problem in observation.problems { decision.notes.append(.init(.warning, problem)) }
        let databaseUsers = Self.settings(observation.enrollments)
        for position in observation.positions {
            switch evaluate(position, in: observation, snapshot: snapshot, databaseUsers: databaseUsers) {
            case .none: break
            case .skip(let note): decision.notes.append(note)
            case .act(let intent): decision.intents.append(intent)
            }
        }
        return decision
    }

    /// What the strategy does with one position.
    public enum Verdict: Sendable, Hashable {
        /// Nothing to say (HF at or above the trigger).
        case none
        /// Not acted on, and why.
        case skip(StrategyDecision.Note)
        case act(Intent)
    }

    /// The users enrolled in the database, by address (the first of duplicates).
    static func settings(_ enrollments: [AaveEnrollment]) -> [Address: AaveEnrollment] {
        Dictionary(enrollments.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The decision for one position of `observation` (public for tests and tools).
    ///
    /// A user's settings are the config's when the config enrolls them, else the database's
    /// (`databaseUsers`, by default those of `observation`), else the strategy's defaults: the
    /// config file wins, so what operators reviewed there is what runs.
    public func evaluate(
        _ position: AaveObservation.Position, in observation: AaveObservation, snapshot: Snapshot,
        databaseUsers: [Address: AaveEnrollment]? = nil
    ) -> Verdict {
        let user = position.user
        let settings = enrolled[user] ?? (databaseUsers ?? Self.settings(observation.enrollments))[user]
        let trigger = settings?.triggerHealthFactor ?? config.triggerHealthFactor
        let target = settings?.targetHealthFactor ?? config.targetHealthFactor
        let short = Self.short(user)

        guard let onChain = position.onChain else {
            // Not checked against the chain: the observer found it at or above the check bound.
            guard let off = position.offChain else {
                return .skip(.init(.warning, "\(short) account data overflows off chain and was not read on chain; not acted on"))
            }
            if off.healthFactor < trigger {
                return .skip(.init(.warning, "\(short) HF \(Self.hf(off.healthFactor)) < trigger \(Self.threshold(trigger)) off chain, but getUserAccountData was not read for it; not acted on"))
            }
            return .none
        }
        guard position.matches else {
            let off = position.offChain.map { Self.hf($0.healthFactor) } ?? "overflow"
            return .skip(.init(.warning, "\(short) account data computed off chain (HF \(off)) differs from getUserAccountData (HF \(Self.hf(onChain.healthFactor))) at block \(observation.blockNumber); not acted on — report this"))
        }
        let hf = onChain.healthFactor
        guard hf < trigger else { return .none }
        let head = "\(short) HF \(Self.hf(hf)) < trigger \(Self.threshold(trigger))"
        // The config checks its own users; a database enrollment may leave the target at or
        // below the trigger (its trigger above a default target, or the defaults changed since).
        guard target > trigger else {
            return .skip(.init(.warning, "\(head): the target \(Self.threshold(target)) is not above the trigger, so a protection would fire again at once; not acted on (fix the user's enrollment: keeper aave enroll)"))
        }

        let subject = Self.subject(user)
        if let last = snapshot.history.lastActionTime[subject], observation.timestamp < last &+ config.cooldownSeconds {
            return .skip(.init(.info, "\(head): in cooldown until \(last + config.cooldownSeconds) (last action at \(last), cooldown \(config.cooldownSeconds) s)"))
        }
        guard let premium = config.flashLoanPremiumBps ?? observation.flashLoanPremiumBps else {
            return .skip(.init(.warning, "\(head): the flash-loan premium is unknown (the pool does not answer FLASHLOAN_PREMIUM_TOTAL); set flash_loan_premium_bps"))
        }
        let bound = settings?.slippageBps ?? config.slippageBps
        if let venue = observation.swapSlippageBps, venue > bound {
            return .skip(.init(.warning, "\(head): the swap venue's slippage \(venue) bps exceeds the bound of \(bound) bps"))
        }
        let slippage = observation.swapSlippageBps ?? bound
        let sizingTarget = U256.mulDivRoundingUp(target, U256(10_000 + UInt64(config.targetMarginBps)), U256(10_000)) ?? target

        // Candidate pairs, largest values first.
        func value(_ i: Int, _ amount: U256) -> U256 {
            let r = position.reserves[i]
            return U256.mulDiv(amount, r.price, r.assetUnit) ?? .max
        }
        let debts = position.reserves.indices
            .filter { i in
                let r = position.reserves[i]
                return !r.debtBalance.isZero && (settings?.debtAsset.map { r.asset == $0 } ?? true)
            }
            .sorted { value($0, position.reserves[$0].debtBalance) > value($1, position.reserves[$1].debtBalance) }
        let collaterals = position.reserves.indices
            .filter { i in
                let r = position.reserves[i]
                return r.usageAsCollateralEnabled && r.liquidationThreshold != 0 && !r.collateralBalance.isZero
                    && (settings?.collateralAsset.map { r.asset == $0 } ?? true)
            }
            .sorted { value($0, position.reserves[$0].collateralBalance) > value($1, position.reserves[$1].collateralBalance) }
        guard !debts.isEmpty, !collaterals.isEmpty else {
            return .skip(.init(.warning, "\(head): no \(debts.isEmpty ? "debt" : "collateral") reserve to use\(settings == nil ? "" : " (check the user's collateral/debt enrollment)")"))
        }

        var chosen: (plan: RepaySizing.Plan, debt: Int, collateral: Int)?
        var firstFailure: (RepaySizing.UnreachableReason, RepaySizing.Plan?, Int, Int)?
        search: for d in debts {
            for c in collaterals where c != d {
                let dr = observation.reserves[position.reserveIndexes[d]]
                let cr = observation.reserves[position.reserveIndexes[c]]
                let request = RepaySizing.Request(
                    reserves: position.reserves, debtReserve: d, collateralReserve: c, targetHealthFactor: sizingTarget,
                    cost: .flashLoanSwap(premiumBps: UInt64(premium), slippageBps: UInt64(slippage)),
                    scaled: RepaySizing.ScaledBalances(
                        scaledDebt: position.scaled[d].scaledDebt, normalizedDebt: dr.normalizedDebt,
                        scaledCollateral: position.scaled[c].scaledCollateral, normalizedIncome: cr.normalizedIncome))
                switch RepaySizing.size(request) {
                case .repay(let plan) where plan.expectedHealthFactor >= target:
                    chosen = (plan, d, c)
                    break search
                case .repay(let plan):
                    if firstFailure == nil { firstFailure = (.capBinds, plan, d, c) }
                case .alreadyAtTarget:
                    return .none
                case .unreachable(let reason, let best):
                    if firstFailure == nil { firstFailure = (reason, best, d, c) }
                }
            }
        }
        guard let (plan, d, c) = chosen else {
            guard let (reason, best, d, c) = firstFailure else {
                return .skip(.init(.warning, "\(head): debt and collateral are the same asset; no pair to swap"))
            }
            let dr = position.reserves[d], cr = position.reserves[c]
            let detail: String = switch reason {
            case .capBinds:
                if let best {
                    "even repaying \(AaveAmount.readable(best.repayAmount, decimals: dr.decimals)) \(symbol(observation, position, d)) with \(AaveAmount.readable(best.collateralToWithdraw, decimals: cr.decimals)) \(symbol(observation, position, c)) leaves HF \(Self.hf(best.expectedHealthFactor))"
                        + otherDebts(besides: d, repaid: best.repayAmount, position, observation)
                } else {
                    "no repayment fits the collateral available"
                }
            case .noDebtInReserve: "no debt in the chosen reserve"
            case .arithmeticOverflow: "the position's arithmetic overflows"
            case .invalidRequest: "the sizing request is invalid (premium \(premium) bps, slippage \(slippage) bps)"
            }
            return .skip(.init(.warning, "\(head): target \(Self.threshold(target)) unreachable: \(detail)"))
        }

        let dr = position.reserves[d], cr = position.reserves[c]
        let repaid = AaveAmount.readable(plan.repayAmount, decimals: dr.decimals)
        let withdrawn = AaveAmount.readable(plan.collateralToWithdraw, decimals: cr.decimals)
        let action = "repay \(repaid) \(symbol(observation, position, d)) with \(withdrawn) \(symbol(observation, position, c)), expected HF \(Self.hf(plan.expectedHealthFactor)) (target \(Self.threshold(target)))"

        // Gas guard: gas x (base fee + tip) in wei, priced in the base currency, against the repaid value.
        var gasText = ""
        if config.maxGasShareBps > 0 {
            guard let nativePrice = observation.gasAssetPrice else {
                return .skip(.init(.warning, "\(head): no oracle price for the gas asset; cannot apply the gas guard"))
            }
            let feePerGas = (snapshot.block.baseFeePerGas ?? .zero) &+ config.priorityFee
            let gasWei = U256(config.gasPerProtection) * feePerGas
            let gasBase = U256.mulDiv(gasWei, nativePrice, WadRayMath.wad) ?? .max
            let protected = U256.mulDiv(plan.repayAmount, dr.price, dr.assetUnit) ?? .zero
            let (lhs, o1) = gasBase.multipliedReportingOverflow(by: U256(10_000))
            let (rhs, o2) = protected.multipliedReportingOverflow(by: U256(UInt64(config.maxGasShareBps)))
            if o1 || (!o2 && lhs > rhs) {
                return .skip(.init(.info, "\(head): \(action) — skipped: gas \(Self.base(gasBase)) exceeds \(Self.bps(config.maxGasShareBps)) of the repaid \(Self.base(protected))"))
            }
            gasText = "; gas ~\(Self.base(gasBase))"
        }

        let intent = Intent(
            strategy: name,
            idempotencyKey: "\(Self.subject(user))/\(observation.blockNumber)",
            subject: subject,
            to: config.orchestrator.address,
            toName: config.orchestrator.name,
            function: Self.protect,
            arguments: [
                .address(user), .address(cr.asset), .address(dr.asset), .uint(plan.repayAmount),
                .uint(plan.collateralToWithdraw), .uint(target),
            ],
            reason: "\(head): \(action)\(gasText)")
        return .act(intent)
    }

    /// Why repaying all of one debt is not enough, when it is the other debts: one `protect`
    /// repays one debt asset, and two chained calls cannot be guarded (the first would have to
    /// pass a `minHealthFactorAfter` below the target, and each is simulated alone at the
    /// snapshot's block), so such a position is left to the operator. Empty when `repaid` does
    /// not clear debt `d` or there is no other debt.
    private func otherDebts(
        besides d: Int, repaid: U256, _ position: AaveObservation.Position, _ observation: AaveObservation
    ) -> String {
        guard repaid >= position.reserves[d].debtBalance else { return "" }
        let others = position.reserves.indices.filter { $0 != d && !position.reserves[$0].debtBalance.isZero }
        guard !others.isEmpty else { return "" }
        let owed = others.map { i in
            let r = position.reserves[i]
            return "\(symbol(observation, position, i)) \(Self.base(U256.mulDiv(r.debtBalance, r.price, r.assetUnit) ?? .max))"
        }
        return " (the whole \(symbol(observation, position, d)) debt): the rest is owed in \(owed.joined(separator: ", ")), and one protect repays one debt asset; a protection that would leave HF below the target is never sent — repay the other debt by hand, or enroll the user with a target one debt can reach"
    }

    private func symbol(_ observation: AaveObservation, _ position: AaveObservation.Position, _ i: Int) -> String {
        observation.reserves[position.reserveIndexes[i]].symbol
    }

    // MARK: Formatting

    /// `0x1a2b3c4d..`: enough to find the user in the decoded call next to the reason.
    static func short(_ user: Address) -> String { String(user.checksummed.prefix(10)) + ".." }

    /// A health factor with four places, rounded down; "max" without debt.
    static func hf(_ wad: U256) -> String { wad == .max ? "max" : AaveProtectionConfig.formatWad(wad, decimals: 4) }

    /// A configured threshold with two places, or more when it has them: 1.1 -> "1.10".
    static func threshold(_ wad: U256) -> String {
        var text = AaveProtectionConfig.formatWad(wad, decimals: 18)
        while text.hasSuffix("0"), let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) > 3 {
            text.removeLast()
        }
        return text
    }

    /// A base-currency value (8 decimals, USD on Aave) as "$1,204.50".
    static func base(_ value: U256) -> String { "$" + AaveAmount.format(value, decimals: 8, places: 2) }

    static func bps(_ bps: UInt32) -> String {
        bps % 100 == 0 ? "\(bps / 100)%" : "\(Double(bps) / 100)%"
    }
}
