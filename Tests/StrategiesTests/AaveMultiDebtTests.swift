import EVM
import Foundation
import Oracle
import Strategies
import Testing

/// One `protect` repays one debt asset: a position that needs more than one debt repaid to reach
/// the target is not acted on, and the warning says why.
@Suite struct AaveMultiDebtTests {
    typealias F = AaveFixture
    static let dai = Address(word: U256(0xe3))

    /// 1 WETH ($2000, LT 82.5%) against 810 USDC and 790 DAI: HF 1.03125. Repaying all of either
    /// debt with WETH leaves HF about 1.24 or 1.23, below the 1.30 target.
    static func position(usdc: UInt64 = 810, dai: UInt64 = 790) throws -> (AaveObservation.Position, [AaveObservation.ReserveState]) {
        let daiState = F.reserveState(Self.dai, "DAI", decimals: 18, price: U256(1_0000_0000), ltv: 7500, lt: 8000)
        let states = F.reserves + [daiState]
        let usdcDebt = U256(usdc) * U256(1_000_000)
        let daiDebt = U256(dai) * F.wad
        let reserves = [
            try #require(AaveAccount.Reserve(
                asset: F.weth, decimals: 18, price: states[0].price, liquidationThreshold: 8250, ltv: 8000,
                usageAsCollateralEnabled: true, collateralBalance: F.wad, debtBalance: .zero)),
            try #require(AaveAccount.Reserve(
                asset: F.usdc, decimals: 6, price: states[1].price, liquidationThreshold: 8000, ltv: 7700,
                usageAsCollateralEnabled: false, collateralBalance: .zero, debtBalance: usdcDebt)),
            try #require(AaveAccount.Reserve(
                asset: Self.dai, decimals: 18, price: daiState.price, liquidationThreshold: 8000, ltv: 7500,
                usageAsCollateralEnabled: false, collateralBalance: .zero, debtBalance: daiDebt)),
        ]
        let data = try #require(AaveAccount.accountData(reserves))
        let position = AaveObservation.Position(
            user: F.user, reserves: reserves,
            scaled: [.init(scaledCollateral: F.wad, scaledDebt: .zero), .init(scaledCollateral: .zero, scaledDebt: usdcDebt),
                     .init(scaledCollateral: .zero, scaledDebt: daiDebt)],
            reserveIndexes: [0, 1, 2], onChain: data, offChain: data)
        return (position, states)
    }

    static func observation(_ p: AaveObservation.Position, _ states: [AaveObservation.ReserveState], enrolled: [AaveEnrollment] = []) -> AaveObservation {
        AaveObservation(
            blockNumber: 100, timestamp: F.timestamp, reserves: states, flashLoanPremiumBps: 5, swapSlippageBps: 30,
            gasAssetPrice: states[0].price, positions: [p], enrollments: enrolled)
    }

    @Test func aTargetOnlyTwoDebtsCouldReachIsSkippedWithAWarningThatSaysWhy() throws {
        let (p, states) = try Self.position()
        #expect(p.healthFactor == U256(1_031_250_000_000_000_000))
        let decision = AaveProtectionStrategy(name: "aave", config: F.config(maxGasShareBps: 0))
            .decide(F.snapshot(Self.observation(p, states)))
        // The guard: never a protection whose post-HF would be below the target.
        #expect(decision.intents.isEmpty)
        let note = try #require(decision.notes.first)
        #expect(decision.notes.count == 1)
        #expect(note.level == .warning)
        #expect(note.message.contains("HF 1.0312 < trigger 1.10: target 1.30 unreachable: even repaying 810.00 USDC with "), "\(note.message)")
        #expect(note.message.contains("(the whole USDC debt): the rest is owed in DAI $790.00, and one protect repays one debt asset"), "\(note.message)")
        #expect(note.message.contains("enroll the user with a target one debt can reach"))
        // The best single-debt plan it reports is below the target.
        let left = try #require(note.message.range(of: "leaves HF ").map { String(note.message[$0.upperBound...].prefix(6)) })
        let leftWad = try #require(AaveProtectionConfig.parseWad(left))
        #expect(leftWad < AaveProtectionConfig.defaultTarget)
        #expect(leftWad > p.healthFactor ?? .max)
    }

    @Test func aTargetOneDebtCanReachIsProtectedByRepayingTheLargestDebt() throws {
        let (p, states) = try Self.position()
        // The operator's remedy: a per-user target that one debt reaches (the database enrollment).
        let lower = AaveEnrollment(address: F.user, targetHealthFactor: U256(1_200_000_000_000_000_000))
        let decision = AaveProtectionStrategy(name: "aave", config: F.config(maxGasShareBps: 0))
            .decide(F.snapshot(Self.observation(p, states, enrolled: [lower])))
        let intent = try #require(decision.intents.first, "\(decision.notes.map(\.message))")
        try #require(intent.arguments.count == 6)
        #expect(intent.arguments[2] == .address(F.usdc))
        #expect(intent.arguments[5] == .uint(U256(1_200_000_000_000_000_000)))
    }

    @Test func aSingleDebtThatCannotReachTheTargetDoesNotBlameOtherDebts() throws {
        let p = try F.hfPosition(debtUSDC: 3_300)  // one debt, HF 0.5: the collateral runs out first
        let decision = AaveProtectionStrategy(name: "aave", config: F.config()).decide(F.snapshot(F.observation([p])))
        #expect(decision.intents.isEmpty)
        let note = try #require(decision.notes.first)
        #expect(note.message.contains("target 1.30 unreachable"))
        #expect(!note.message.contains("one protect repays one debt asset"))
    }
}
