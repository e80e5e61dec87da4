import EVM
import Oracle
import Strategies
import TOML
import Testing

/// The emission-minting strategy's guards, batching and keys, on hand-made observations.
@Suite struct EmissionMintingTests {
    static let token = ContractDirectory.Contract(name: "CredentialToken", address: Address(word: U256(0x3333)))
    static let rate = U256(1_000_000_000_000_000)  // 1e15 wei/s

    static func strategy(minimum: U256 = U256(100) * rate, interval: UInt64 = 86_400, batch: Int = 2, batches: Int = 10, cooldown: UInt64 = 0)
        -> EmissionMinting
    {
        EmissionMinting(name: "emissions", config: .init(
            token: token, policy: .init(minimumAmount: minimum, interval: interval, maxBatchSize: batch, maxBatches: batches),
            cooldownSeconds: cooldown))
    }

    static func holder(_ i: UInt64, _ accruedUntil: UInt64) -> EmissionObservation.Holder {
        .init(address: Address(word: U256(0x1000 + i)), accruedUntil: accruedUntil)
    }

    static func observation(_ holders: [EmissionObservation.Holder]) -> EmissionObservation {
        EmissionObservation(credentials: [.init(credentialId: U256(1), name: "validator", ratePerSecond: rate, holders: holders)])
    }

    @Test func mintsExactlyTheAccrualInBatchesUpToTheBlockTime() throws {
        let holders = (0..<5).map { Self.holder($0, 1_000 + $0) }
        let decision = Self.strategy().decide(Self.observation(holders), blockTime: 2_000)
        #expect(decision.intents.count == 3)  // 5 due holders, at most 2 per call
        var minted: [Address: U256] = [:]
        for (k, intent) in decision.intents.enumerated() {
            #expect(intent.idempotencyKey == "emissions/credential-1/until-2000/batch-\(k)")
            #expect(intent.subject == "emissions/credential-1")
            let args = try EmissionMinting.mintFunction.decodeCall(try intent.calldata())
            #expect(args[0] == .uint(U256(1)))
            #expect(args[3] == .uint(U256(2_000)))
            let addresses = try #require(args[1].elements).compactMap(\.addressValue)
            let amounts = try #require(args[2].elements).compactMap(\.uintValue)
            #expect(addresses.count <= 2 && addresses.count == amounts.count)
            for (a, v) in zip(addresses, amounts) { minted[a] = v }
        }
        for h in holders {
            #expect(minted[h.address] == Self.rate * U256(2_000 - h.accruedUntil))
        }
    }

    @Test func belowMinimumAndInsideTheIntervalNothingIsMinted() {
        // 99 s of accrual < minimum of 100 s; interval one day.
        let decision = Self.strategy().decide(Self.observation([Self.holder(0, 1_000)]), blockTime: 1_099)
        #expect(decision.intents.isEmpty)
        #expect(decision.notes.first?.message.contains("no holder due") == true)
    }

    @Test(arguments: [(UInt64(1_099), 0), (1_100, 1)])
    func minimumBoundary(blockTime: UInt64, intents: Int) {
        #expect(Self.strategy().decide(Self.observation([Self.holder(0, 1_000)]), blockTime: blockTime).intents.count == intents)
    }

    @Test(arguments: [(UInt64(1_049), 0), (1_050, 1)])
    func intervalBoundary(blockTime: UInt64, intents: Int) {
        let s = Self.strategy(minimum: U256.pow10(30) ?? .zero, interval: 50)
        #expect(s.decide(Self.observation([Self.holder(0, 1_000)]), blockTime: blockTime).intents.count == intents)
    }

    @Test func holdersNotDueCarryTheirAccrual() throws {
        let holders = [Self.holder(0, 1_000), Self.holder(1, 1_950)]
        let decision = Self.strategy().decide(Self.observation(holders), blockTime: 2_000)
        let intent = try #require(decision.intents.first)
        #expect(decision.intents.count == 1)
        let args = try EmissionMinting.mintFunction.decodeCall(try intent.calldata())
        #expect(args[1] == .array([.address(holders[0].address)]))
        #expect(intent.reason.contains("1 holder not due keep"))
    }

    @Test func maxBatchesLeavesTheRestForTheNextTick() {
        let holders = (0..<7).map { Self.holder($0, 1_000) }
        let decision = Self.strategy(batch: 2, batches: 2).decide(Self.observation(holders), blockTime: 2_000)
        #expect(decision.intents.count == 2)
    }

    @Test func cooldownHoldsTheNextMint() {
        let s = Self.strategy(cooldown: 120)
        let history = IntentHistory(keys: [], lastActionTime: ["emissions/credential-1": 1_950])
        let holders = [Self.holder(0, 1_000)]
        #expect(s.decide(Self.observation(holders), blockTime: 2_069, history: history).intents.isEmpty)
        #expect(s.decide(Self.observation(holders), blockTime: 2_070, history: history).intents.count == 1)
    }

    @Test func aHolderAlreadyMintedToTheBlockTimeIsNotMintedAgain() {
        // After a restart the chain's accruedUntil is the guard: minted up to 2000, nothing more at 2000.
        let decision = Self.strategy(minimum: U256(1), interval: 1).decide(Self.observation([Self.holder(0, 2_000)]), blockTime: 2_000)
        #expect(decision.intents.isEmpty)
    }

    @Test func kindReadsAmountsWithUnits() throws {
        let env = StrategyEnvironment(chainID: 31337, account: Address(word: U256(1)), contracts: ContractDirectory([Self.token]))
        let table = try TOML.parse("""
            minimum_amount = "2.5 ether"
            interval_seconds = 3600
            max_batch_size = 256
            credentials = [0, 1]
            """)
        let (observer, strategy) = try EmissionMintingKind.make(name: "emissions", table: table, environment: env)
        try table.rejectUnknownKeys()
        let s = try #require(strategy as? EmissionMinting)
        #expect(s.config.policy.minimumAmount == U256(2_500_000_000_000_000_000))
        #expect(s.config.policy.interval == 3600)
        #expect(s.config.policy.maxBatchSize == 256)
        #expect(s.config.cooldownSeconds == 120)
        #expect((observer as? EmissionObserver)?.credentialIds == [U256(0), U256(1)])
    }

    @Test(arguments: ["max_batch_size = 257", "max_batch_size = 0", "minimum_amount = \"1 foo\"", "interval_seconds = 0", "credentials = [-1]"])
    func kindRefusesBadValues(line: String) throws {
        let env = StrategyEnvironment(chainID: 31337, account: Address(word: U256(1)), contracts: ContractDirectory([Self.token]))
        let table = try TOML.parse(line + "\n")
        #expect(throws: TOMLError.self) { _ = try EmissionMintingKind.make(name: "emissions", table: table, environment: env) }
    }
}
