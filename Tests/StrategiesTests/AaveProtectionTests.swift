import EVM
import Oracle
import Strategies
import TOML
import Testing

/// A tiny Aave world: WETH ($2000, LT 82.5%) collateral against USDC ($1, LT 80%) debt, indexes
/// at 1 ray, so scaled balances are current balances.
enum AaveFixture {
    static let wad = U256(1_000_000_000_000_000_000)
    static let ray = U256(1_000_000_000) * wad
    static let weth = Address(word: U256(0xe1))
    static let usdc = Address(word: U256(0xe2))
    static let orchestrator = Address(word: U256(0xaa))
    static let pool = Address(word: U256(0xbb))
    static let oracle = Address(word: U256(0xcc))
    static let user = Address(word: U256(0x1111_1111_1111_1111) << 96 | U256(0x1111_1111_1111_1111) << 32 | U256(0x1111_1111))
    static let timestamp: UInt64 = 1_700_000_000

    static func reserveState(_ asset: Address, _ symbol: String, decimals: Int, price: U256, ltv: UInt16, lt: UInt16)
        -> AaveObservation.ReserveState
    {
        AaveObservation.ReserveState(
            asset: asset, symbol: symbol, decimals: decimals, ltv: ltv, liquidationThreshold: lt, price: price,
            indexes: AaveReserveIndexes(
                liquidityIndex: ray, variableBorrowIndex: ray, currentLiquidityRate: .zero,
                currentVariableBorrowRate: .zero, lastUpdateTimestamp: timestamp),
            normalizedIncome: ray, normalizedDebt: ray)
    }

    static let reserves = [
        reserveState(weth, "WETH", decimals: 18, price: U256(2_000_0000_0000), ltv: 8000, lt: 8250),
        reserveState(usdc, "USDC", decimals: 6, price: U256(1_0000_0000), ltv: 7700, lt: 8000),
    ]

    /// A position with `weth` wei of collateral and `usdc` units of debt; the chain's account data
    /// is the exact computation unless `onChainHF` overrides its health factor.
    static func position(user: Address = user, weth collateral: U256, usdc debt: U256, onChainHF: U256? = nil) throws -> AaveObservation.Position {
        let r = reserves
        let accountReserves = [
            try #require(AaveAccount.Reserve(
                asset: weth, decimals: 18, price: r[0].price, liquidationThreshold: 8250, ltv: 8000,
                usageAsCollateralEnabled: true, collateralBalance: collateral, debtBalance: .zero)),
            try #require(AaveAccount.Reserve(
                asset: usdc, decimals: 6, price: r[1].price, liquidationThreshold: 8000, ltv: 7700,
                usageAsCollateralEnabled: false, collateralBalance: .zero, debtBalance: debt)),
        ]
        let data = try #require(AaveAccount.accountData(accountReserves))
        var onChain = data
        onChain.hasZeroLtvCollateral = false
        if let onChainHF { onChain.healthFactor = onChainHF }
        return AaveObservation.Position(
            user: user, reserves: accountReserves,
            scaled: [.init(scaledCollateral: collateral, scaledDebt: .zero), .init(scaledCollateral: .zero, scaledDebt: debt)],
            reserveIndexes: [0, 1], onChain: onChain, offChain: data)
    }

    static func observation(_ positions: [AaveObservation.Position], premium: UInt16? = 5, slippage: UInt16? = 30) -> AaveObservation {
        AaveObservation(
            blockNumber: 100, timestamp: timestamp, reserves: reserves, flashLoanPremiumBps: premium,
            swapSlippageBps: slippage, gasAssetPrice: reserves[0].price, positions: positions)
    }

    static func snapshot(_ observation: AaveObservation, baseFee: U256 = U256(1_000_000_000), history: IntentHistory = IntentHistory()) -> Snapshot {
        Snapshot(
            chainID: 31337,
            block: BlockHeader(number: observation.blockNumber, hash: [], parentHash: [], timestamp: observation.timestamp,
                               baseFeePerGas: baseFee, gasLimit: 30_000_000, gasUsed: 0),
            sections: ["aave": observation], history: history)
    }

    static func config(trigger: U256 = AaveProtectionConfig.defaultTrigger, target: U256 = AaveProtectionConfig.defaultTarget,
                       maxGasShareBps: UInt32 = 100, cooldown: UInt64 = 600, users: [AaveProtectionConfig.EnrolledUser] = [])
        -> AaveProtectionConfig
    {
        AaveProtectionConfig(
            pool: .init(name: "Pool", address: pool), orchestrator: .init(name: "FlashLoanOrchestrator", address: orchestrator),
            oracle: .init(name: "PriceOracle", address: oracle), subgraph: "aave", triggerHealthFactor: trigger,
            targetHealthFactor: target, cooldownSeconds: cooldown, maxGasShareBps: maxGasShareBps, gasPriceAsset: weth,
            users: users)
    }

    /// 1 WETH ($2000 x 82.5% = $1650 of borrowing weight) against `debt` USDC.
    static func hfPosition(debtUSDC: UInt64) throws -> AaveObservation.Position {
        try position(weth: wad, usdc: U256(debtUSDC) * U256(1_000_000))
    }
}

@Suite struct AaveProtectionStrategyTests {
    typealias F = AaveFixture

    func decide(_ config: AaveProtectionConfig, _ snapshot: Snapshot) -> StrategyDecision {
        AaveProtectionStrategy(name: "aave", config: config).decide(snapshot)
    }

    @Test func actsStrictlyBelowTheTriggerOnly() throws {
        let p = try F.hfPosition(debtUSDC: 1_550)  // HF ~1.0645
        let hf = try #require(p.healthFactor)
        // Trigger exactly at the HF: not below, no action and no note.
        let atTrigger = decide(F.config(trigger: hf, target: hf + F.wad / U256(5)), F.snapshot(F.observation([p])))
        #expect(atTrigger.intents.isEmpty)
        #expect(atTrigger.notes.isEmpty)
        // One wei above: the HF is now below the trigger.
        let above = decide(F.config(trigger: hf + .one, target: hf + F.wad / U256(5)), F.snapshot(F.observation([p])))
        #expect(above.intents.count == 1)
    }

    @Test func plansReachTheTargetAndTheChainEnforcesIt() throws {
        let p = try F.hfPosition(debtUSDC: 1_550)
        let decision = decide(F.config(), F.snapshot(F.observation([p])))
        let intent = try #require(decision.intents.first)
        #expect(decision.intents.count == 1)
        #expect(intent.to == F.orchestrator)
        #expect(intent.toName == "FlashLoanOrchestrator")
        #expect(intent.function.name == "protect")
        #expect(intent.subject == "aave-protection/0x1111111111111111111111111111111111111111")
        #expect(intent.idempotencyKey == "aave-protection/0x1111111111111111111111111111111111111111/100")
        #expect(intent.strategy == "aave")
        #expect(intent.arguments.count == 6)
        #expect(intent.arguments[0] == .address(F.user))
        #expect(intent.arguments[1] == .address(F.weth))
        #expect(intent.arguments[2] == .address(F.usdc))
        #expect(intent.arguments[5] == .uint(AaveProtectionConfig.defaultTarget))
        let repay = try #require(intent.arguments[3].uintValue)
        let withdraw = try #require(intent.arguments[4].uintValue)
        // Independently: the orchestrator's cost for `repay` (premium 5 bps half up, then the
        // swap's getAmountIn at 30 bps) and the position after it.
        let premium = (repay * U256(5) + U256(5_000)) / U256(10_000)
        let need = repay + premium
        let num = U256(2_000_0000_0000) * U256(1_000_000) * U256(9_970)
        let den = U256(1_0000_0000) * F.wad * U256(10_000)
        #expect(withdraw == (need * den + num - .one) / num)
        let after = try F.position(weth: F.wad - withdraw, usdc: p.reserves[1].debtBalance - repay)
        let hfAfter = try #require(after.healthFactor)
        #expect(hfAfter >= AaveProtectionConfig.defaultTarget)
        // And it is tight: the target plus the 1 bps margin, not much more.
        #expect(hfAfter < U256(1_301_000_000_000_000_000))
        #expect(intent.reason.hasPrefix("0x11111111.. HF 1.0645 < trigger 1.10: repay "))
        #expect(intent.reason.contains(" USDC with 0."))
        #expect(intent.reason.contains(" WETH, expected HF 1.30"))
        #expect(intent.reason.contains("(target 1.30)"))
        #expect(throws: Never.self) { _ = try intent.calldata() }
    }

    @Test func unreachableTargetIsSkippedWithANote() throws {
        let p = try F.hfPosition(debtUSDC: 3_300)  // HF 0.5: repaying all debt still costs too much collateral
        let decision = decide(F.config(), F.snapshot(F.observation([p])))
        #expect(decision.intents.isEmpty)
        let note = try #require(decision.notes.first)
        #expect(note.level == .warning)
        #expect(note.message.contains("HF 0.5000 < trigger 1.10: target 1.30 unreachable"))
    }

    @Test func cooldownHoldsForItsWholeLength() throws {
        let p = try F.hfPosition(debtUSDC: 1_550)
        let subject = AaveProtectionStrategy.subject(F.user)
        let recent = IntentHistory(lastActionTime: [subject: F.timestamp - 599])
        let held = decide(F.config(cooldown: 600), F.snapshot(F.observation([p]), history: recent))
        #expect(held.intents.isEmpty)
        #expect(held.notes.first?.message.contains("in cooldown until \(F.timestamp + 1)") == true)
        let over = IntentHistory(lastActionTime: [subject: F.timestamp - 600])
        #expect(decide(F.config(cooldown: 600), F.snapshot(F.observation([p]), history: over)).intents.count == 1)
        // Another user's action does not hold this one.
        let other = IntentHistory(lastActionTime: [AaveProtectionStrategy.subject(F.pool): F.timestamp])
        #expect(decide(F.config(cooldown: 600), F.snapshot(F.observation([p]), history: other)).intents.count == 1)
    }

    @Test func gasGuardSkipsWhenGasIsTooLargeAShare() throws {
        // Repays about $773: 0.4% is $3.09. 800,000 gas at 1 gwei + 1 gwei tip at $2000/ETH is $3.20.
        let p = try F.hfPosition(debtUSDC: 1_550)
        let skipped = decide(F.config(maxGasShareBps: 40), F.snapshot(F.observation([p]), baseFee: U256(1_000_000_000)))
        #expect(skipped.intents.isEmpty)
        #expect(skipped.notes.first?.message.contains("skipped: gas $3.20 exceeds 0.4% of the repaid $773.") == true)
        // A cheaper block ($2.40 of gas), or a larger allowed share, lets it through.
        #expect(decide(F.config(maxGasShareBps: 40), F.snapshot(F.observation([p]), baseFee: U256(500_000_000))).intents.count == 1)
        #expect(decide(F.config(maxGasShareBps: 50), F.snapshot(F.observation([p]))).intents.count == 1)
        // 0 turns the guard off.
        #expect(decide(F.config(maxGasShareBps: 0), F.snapshot(F.observation([p]), baseFee: U256(10).power18)).intents.count == 1)
    }

    @Test func mismatchedHealthFactorIsNeverActedOn() throws {
        let honest = try F.hfPosition(debtUSDC: 1_550)
        // The chain says HF 1.05 while the off-chain arithmetic says ~1.0645.
        let p = try F.position(weth: F.wad, usdc: U256(1_550_000_000), onChainHF: U256(1_050_000_000_000_000_000))
        let decision = decide(F.config(), F.snapshot(F.observation([p])))
        #expect(decision.intents.isEmpty)
        #expect(decision.notes.count == 1)
        #expect(decision.notes[0].level == .warning)
        #expect(decision.notes[0].message.contains("differs from getUserAccountData"))
        // Even a position above the trigger is reported when the two disagree.
        let healthy = try F.position(weth: F.wad, usdc: U256(1_000_000_000), onChainHF: honest.healthFactor)
        #expect(decide(F.config(), F.snapshot(F.observation([healthy]))).notes.count == 1)
    }

    @Test func positionsNotCheckedOnChainAreNotActedOn() throws {
        // The observer reads getUserAccountData only below its check bound; a position without it
        // is never acted on, and one below the trigger without it is a warning.
        var low = try F.hfPosition(debtUSDC: 1_550)
        low.onChain = nil
        var high = try F.hfPosition(debtUSDC: 1_000)
        high.onChain = nil
        let decision = decide(F.config(), F.snapshot(F.observation([low, high])))
        #expect(decision.intents.isEmpty)
        #expect(decision.notes.count == 1)
        #expect(decision.notes.first?.message.contains("getUserAccountData was not read for it") == true)
    }

    @Test func observerChecksBelowTheHighestTriggerUnlessAskedForAll() throws {
        let user = AaveProtectionConfig.EnrolledUser(address: F.user, triggerHealthFactor: U256(1_250_000_000_000_000_000))
        #expect(F.config(users: [user]).observerConfiguration.checkBelowHealthFactor == U256(1_250_000_000_000_000_000))
        #expect(F.config().observerConfiguration.checkBelowHealthFactor == AaveProtectionConfig.defaultTrigger)
        var all = F.config()
        all.checkAllPositions = true
        #expect(all.observerConfiguration.checkBelowHealthFactor == nil)
    }

    @Test func perUserSettingsOverrideTheDefaults() throws {
        let p = try F.hfPosition(debtUSDC: 1_400)  // HF ~1.1786: above the 1.10 default trigger
        #expect(decide(F.config(), F.snapshot(F.observation([p]))).intents.isEmpty)
        let enrolled = AaveProtectionConfig.EnrolledUser(
            address: F.user, triggerHealthFactor: U256(1_200_000_000_000_000_000),
            targetHealthFactor: U256(1_500_000_000_000_000_000))
        let decision = decide(F.config(maxGasShareBps: 0, users: [enrolled]), F.snapshot(F.observation([p])))
        let intent = try #require(decision.intents.first)
        #expect(intent.arguments[5] == .uint(U256(1_500_000_000_000_000_000)))
        #expect(intent.reason.contains("< trigger 1.20"))
        // A slippage bound below the venue's: skipped with a note.
        let strict = AaveProtectionConfig.EnrolledUser(address: F.user, triggerHealthFactor: U256(1_200_000_000_000_000_000), slippageBps: 10)
        let skipped = decide(F.config(users: [strict]), F.snapshot(F.observation([p])))
        #expect(skipped.intents.isEmpty)
        #expect(skipped.notes.first?.message.contains("slippage 30 bps exceeds the bound of 10 bps") == true)
    }

    @Test func unknownPremiumAndMissingObservationAreWarnings() throws {
        let p = try F.hfPosition(debtUSDC: 1_550)
        let noPremium = decide(F.config(maxGasShareBps: 0), F.snapshot(F.observation([p], premium: nil)))
        #expect(noPremium.intents.isEmpty)
        #expect(noPremium.notes.first?.message.contains("set flash_loan_premium_bps") == true)
        let empty = Snapshot(chainID: 1, block: F.snapshot(F.observation([])).block)
        #expect(decide(F.config(), empty).notes.first?.level == .warning)
    }
}

@Suite struct AaveProtectionConfigTests {
    static let environment = StrategyEnvironment(
        chainID: 31337, account: AaveFixture.user,
        contracts: ContractDirectory([
            .init(name: "Pool", address: AaveFixture.pool),
            .init(name: "FlashLoanOrchestrator", address: AaveFixture.orchestrator),
            .init(name: "PriceOracle", address: AaveFixture.oracle),
            .init(name: "WETH", address: AaveFixture.weth),
            .init(name: "USDC", address: AaveFixture.usdc),
        ]))

    func build(_ text: String) throws -> (AaveObserver, AaveProtectionStrategy) {
        let root = try TOML.parse(text, file: "keeper.toml")
        let table = try root.table("strategies").table("aave")
        return try AaveProtectionKind.build(name: "aave", table: table, environment: Self.environment)
    }

    @Test func defaultsAndEnrolledUsers() throws {
        let (observer, strategy) = try build("""
            [strategies.aave]
            subgraph = "aave"
            trigger_health_factor = "1.15"
            [[strategies.aave.users]]
            address = "0x1111111111111111111111111111111111111111"
            target_health_factor = 1.4
            collateral = "WETH"
            debt = "USDC"
            slippage_bps = 50
            """)
        let c = strategy.config
        #expect(AaveProtectionKind.kind == "aave-protection")
        #expect(c.triggerHealthFactor == U256(1_150_000_000_000_000_000))
        #expect(c.targetHealthFactor == AaveProtectionConfig.defaultTarget)
        #expect(c.cooldownSeconds == 600)
        #expect(c.slippageBps == 30)
        #expect(c.maxGasShareBps == 100)
        #expect(c.gasPriceAsset == AaveFixture.weth)
        #expect(c.priorityFee == U256(1_000_000_000))
        #expect(c.flashLoanPremiumBps == nil)
        #expect(c.users == [.init(address: AaveFixture.user, targetHealthFactor: U256(1_400_000_000_000_000_000),
                                  collateralAsset: AaveFixture.weth, debtAsset: AaveFixture.usdc, slippageBps: 50)])
        #expect(observer.strategy == "aave")
        #expect(observer.configuration.pool == AaveFixture.pool)
        #expect(observer.configuration.oracle == AaveFixture.oracle)
        #expect(observer.configuration.enrolledUsers == [AaveFixture.user])
        #expect(observer.configuration.subgraph == "aave")
    }

    @Test(arguments: [
        ("trigger_health_factor = \"1.4\"", "must be above trigger_health_factor"),
        ("trigger_health_factor = \"0.9\"\ntarget_health_factor = \"1.2\"", "must be at least 1.0"),
        ("trigger_health_factor = \"1,1\"", "is not a positive decimal"),
        ("pool = \"Nope\"", "names the contract 'Nope', which is not in [contracts]"),
        ("slippage_bps = 10000", "expected an integer from 0 to 9999"),
        ("priority_fee = \"1 gwie\"", "priority_fee"),
    ])
    func badValuesNameTheKey(line: String, message: String) throws {
        let error = #expect(throws: (any Error).self) {
            _ = try build("[strategies.aave]\nsubgraph = \"aave\"\n\(line)\n")
        }
        #expect(String(describing: error).contains(message), "\(String(describing: error))")
    }

    @Test func watchingNobodyIsAnError() throws {
        let error = #expect(throws: (any Error).self) { _ = try build("[strategies.aave]\n") }
        #expect(String(describing: error).contains("watches nobody"))
    }

    @Test func unknownKeyInAUserIsAnError() throws {
        let error = #expect(throws: (any Error).self) {
            _ = try build("""
                [strategies.aave]
                [[strategies.aave.users]]
                address = "0x1111111111111111111111111111111111111111"
                colateral = "WETH"
                """)
        }
        #expect(String(describing: error).contains("colateral"))
    }

    @Test(arguments: [("1.10", "1100000000000000000"), ("1", "1000000000000000000"), ("0.000000000000000001", "1"),
                      ("1.0000000000000000001", nil), ("", nil), ("1.", "1000000000000000000"), (".5", nil), ("-1", nil)])
    func wadParsing(text: String, expected: String?) {
        #expect(AaveProtectionConfig.parseWad(text) == expected.flatMap { U256(decimal: $0) })
    }

    @Test func amounts() {
        #expect(AaveAmount.readable(U256(1_204_500_000), decimals: 6) == "1,204.50")
        #expect(AaveAmount.readable(U256(612_345_678_901_234_567), decimals: 18) == "0.6123")
        #expect(AaveAmount.readable(U256(151_234_567), decimals: 8) == "1.512")
        #expect(AaveAmount.readable(U256(1_234), decimals: 8) == "0.00001234")
        #expect(AaveAmount.format(U256(123_456_789_000_000), decimals: 8, places: 2) == "1,234,567.89")
    }
}

extension U256 {
    /// 10^18 times this (test shorthand for large fees).
    fileprivate var power18: U256 { self * U256(1_000_000_000_000_000_000) }
}
