import EVM
import Oracle
import Strategies
import TOML
import Testing

/// Users enrolled in the keeper's database reach the strategy through the observation; the
/// config's enrollment of the same user wins.
@Suite struct AaveEnrollmentMergeTests {
    typealias F = AaveFixture
    static let hf120 = U256(1_200_000_000_000_000_000)
    static let hf125 = U256(1_250_000_000_000_000_000)
    static let hf150 = U256(1_500_000_000_000_000_000)
    static let hf160 = U256(1_600_000_000_000_000_000)

    func decide(_ config: AaveProtectionConfig, _ observation: AaveObservation) -> StrategyDecision {
        AaveProtectionStrategy(name: "aave", config: config).decide(F.snapshot(observation))
    }

    func observation(_ positions: [AaveObservation.Position], enrolled: [AaveEnrollment]) -> AaveObservation {
        var o = F.observation(positions)
        o.enrollments = enrolled
        return o
    }

    @Test func aDatabaseUsersOwnTriggerAndTargetApply() throws {
        let p = try F.hfPosition(debtUSDC: 1_400)  // HF ~1.1786: above the 1.10 default trigger
        #expect(decide(F.config(maxGasShareBps: 0), observation([p], enrolled: [])).intents.isEmpty)
        let db = AaveEnrollment(address: F.user, triggerHealthFactor: Self.hf120, targetHealthFactor: Self.hf150)
        let decision = decide(F.config(maxGasShareBps: 0), observation([p], enrolled: [db]))
        let intent = try #require(decision.intents.first)
        try #require(intent.arguments.count == 6)
        #expect(intent.arguments[5] == .uint(Self.hf150))
        #expect(intent.reason.contains("< trigger 1.20"))
    }

    @Test func theConfigsEnrollmentWinsOverTheDatabases() throws {
        let p = try F.hfPosition(debtUSDC: 1_400)
        let config = AaveEnrollment(address: F.user, triggerHealthFactor: Self.hf125, targetHealthFactor: Self.hf160)
        let db = AaveEnrollment(address: F.user, triggerHealthFactor: Self.hf120, targetHealthFactor: Self.hf150)
        let decision = decide(F.config(maxGasShareBps: 0, users: [config]), observation([p], enrolled: [db]))
        let intent = try #require(decision.intents.first)
        try #require(intent.arguments.count == 6)
        #expect(intent.arguments[5] == .uint(Self.hf160))
        #expect(intent.reason.contains("< trigger 1.25"))
        // The database's settings alone would give another target.
        let dbOnly = decide(F.config(maxGasShareBps: 0), observation([p], enrolled: [db]))
        #expect(dbOnly.intents.first?.arguments.last == .uint(Self.hf150))
    }

    @Test func aDatabaseEnrollmentWhoseTargetIsNotAboveItsTriggerIsAWarning() throws {
        let p = try F.hfPosition(debtUSDC: 1_400)
        // Trigger 1.50 with the default target 1.30: the database accepted it against older defaults.
        let db = AaveEnrollment(address: F.user, triggerHealthFactor: Self.hf150)
        let decision = decide(F.config(maxGasShareBps: 0), observation([p], enrolled: [db]))
        #expect(decision.intents.isEmpty)
        let note = try #require(decision.notes.first)
        #expect(note.level == .warning)
        #expect(note.message.contains("the target 1.30 is not above the trigger"))
    }

    @Test func databaseUsersIsAConfigKeyAndAnAlternativeToUsersOrASubgraph() throws {
        let text = """
            [strategies.aave]
            database_users = true
            """
        let root = try TOML.parse(text, file: "keeper.toml")
        let table = try root.table("strategies").table("aave")
        let (observer, strategy) = try AaveProtectionKind.build(
            name: "aave", table: table, environment: AaveProtectionConfigTests.environment)
        #expect(strategy.config.databaseUsers)
        #expect(observer.configuration.databaseUsers)
        #expect(observer.enrollmentSource == nil)  // the keeper attaches its database
        // Off by default.
        let plain = try TOML.parse("[strategies.aave]\nsubgraph = \"aave\"\n", file: "keeper.toml")
        let (_, off) = try AaveProtectionKind.build(
            name: "aave", table: try plain.table("strategies").table("aave"), environment: AaveProtectionConfigTests.environment)
        #expect(!off.config.databaseUsers)
    }
}
