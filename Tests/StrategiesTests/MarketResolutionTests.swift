import EVM
import Oracle
import Strategies
import TOML
import Testing

/// The market-resolution strategy's guards and boundaries, on hand-made observations.
@Suite struct MarketResolutionTests {
    static let market = ContractDirectory.Contract(name: "PredictionMarket", address: Address(word: U256(0x1111)))
    static let registry = ContractDirectory.Contract(name: "DriftReceiptRegistry", address: Address(word: U256(0x2222)))
    static let model = DriftMonitoringSnapshot.modelID("fraud-v1") ?? []
    let strategy = MarketResolution(name: "markets", config: .init(market: market, graceSeconds: 3600))

    static func market(_ id: UInt64, start: UInt64 = 1_000, end: UInt64 = 10_000, threshold: UInt64 = 1000, resolved: Bool = false)
        -> MarketObservation.Market
    {
        MarketObservation.Market(
            marketId: U256(id), modelId: model, driftThresholdBps: U256(threshold), startTime: start, endTime: end,
            resolved: resolved, outcome: false)
    }

    static func receipts(_ pairs: [(UInt64, UInt64)]) -> [[UInt8]: [MarketObservation.Receipt]] {
        [model: pairs.map { MarketObservation.Receipt(periodEnd: $0.0, driftBps: U256($0.1), receiptHash: [UInt8](repeating: 0xab, count: 32)) }]
    }

    @Test func resolvesYesWhenAReceiptInTheWindowReachesTheThreshold() throws {
        let observation = MarketObservation(markets: [Self.market(7)], receipts: Self.receipts([(5_000, 400), (9_000, 1000)]))
        let decision = strategy.decide(observation, blockTime: 13_600)
        let intent = try #require(decision.intents.first)
        #expect(decision.intents.count == 1)
        #expect(intent.arguments == [.uint(U256(7)), .bool(true)])
        #expect(intent.to == Self.market.address)
        #expect(intent.idempotencyKey == "markets/market-7")
        #expect(intent.function.signature == "resolve(uint256,bool)")
        #expect(intent.reason.contains("YES"))
        #expect(intent.reason.contains("1000 bps >= 1000"))
        #expect(intent.reason.contains("400 bps < 1000"))
        #expect(intent.reason.contains("fraud-v1"))
        let calldata = try intent.calldata()
        #expect(try MarketResolution.resolveFunction.decodeCall(calldata) == [.uint(U256(7)), .bool(true)])
    }

    @Test func resolvesNoWhenReceiptsExistButNoneReachesTheThreshold() throws {
        let observation = MarketObservation(markets: [Self.market(1)], receipts: Self.receipts([(5_000, 999)]))
        let intent = try #require(strategy.decide(observation, blockTime: 20_000).intents.first)
        #expect(intent.arguments == [.uint(U256(1)), .bool(false)])
        #expect(intent.reason.contains("NO because 1 receipt in the window, none reaches the threshold"))
    }

    @Test func noReceiptInTheWindowIsAWarningAndNoIntent() {
        // Receipts just outside both ends of [1000, 10000] do not count.
        let observation = MarketObservation(markets: [Self.market(2)], receipts: Self.receipts([(999, 5000), (10_001, 5000)]))
        let decision = strategy.decide(observation, blockTime: 20_000)
        #expect(decision.intents.isEmpty)
        #expect(decision.notes.count == 1)
        #expect(decision.notes.first?.level == .warning)
        #expect(decision.notes.first?.message.contains("no drift receipt for fraud-v1") == true)
    }

    @Test(arguments: [(UInt64(1_000), true), (10_000, true), (999, false), (10_001, false)])
    func windowIncludesBothEnds(periodEnd: UInt64, counts: Bool) {
        let observation = MarketObservation(markets: [Self.market(3)], receipts: Self.receipts([(periodEnd, 2000)]))
        let decision = strategy.decide(observation, blockTime: 20_000)
        #expect(decision.intents.count == (counts ? 1 : 0))
    }

    @Test func alreadyResolvedOnChainGivesNoIntent() {
        let observation = MarketObservation(markets: [Self.market(4, resolved: true)], receipts: Self.receipts([(5_000, 5000)]))
        let decision = strategy.decide(observation, blockTime: 20_000)
        #expect(decision.intents.isEmpty)
        #expect(decision.notes.first?.level == .info)
    }

    @Test(arguments: [(UInt64(13_599), 0), (13_600, 1), (13_601, 1)])
    func graceBoundary(blockTime: UInt64, intents: Int) {
        // endTime 10_000 + grace 3600: due at block time 13_600 and not a second before.
        let observation = MarketObservation(markets: [Self.market(5)], receipts: Self.receipts([(5_000, 5000)]))
        #expect(strategy.decide(observation, blockTime: blockTime).intents.count == intents)
    }

    @Test func missingSectionIsAWarning() {
        let snapshot = Snapshot(chainID: 31337, block: BlockHeader(
            number: 1, hash: [], parentHash: [], timestamp: 1, baseFeePerGas: nil, gasLimit: 0, gasUsed: 0))
        let decision = strategy.decide(snapshot)
        #expect(decision.intents.isEmpty)
        #expect(decision.notes.first?.level == .warning)
    }

    @Test func kindReadsItsKeysWithDefaults() throws {
        let env = StrategyEnvironment(chainID: 31337, account: Address(word: U256(1)), contracts: ContractDirectory([Self.market, Self.registry]))
        let root = try TOML.parse("[strategies.markets]\nkind = \"market-resolution\"\ngrace_seconds = 60\n")
        let table = try root.table("strategies").table("markets")
        table.markRead("kind")
        let (observer, strategy) = try MarketResolutionKind.make(name: "markets", table: table, environment: env)
        try table.rejectUnknownKeys()
        let o = try #require(observer as? MarketObserver)
        #expect(o.graceSeconds == 60)
        #expect(o.subgraph == "markets")
        #expect(o.marketContract == Self.market.address)
        #expect(o.registry == Self.registry.address)
        #expect(strategy.name == "markets")
    }

    @Test func kindNamesAMissingContract() throws {
        let env = StrategyEnvironment(chainID: 31337, account: Address(word: U256(1)), contracts: ContractDirectory([Self.registry]))
        let table = try TOML.parse("kind = \"market-resolution\"\ncontract = \"Markets\"\n")
        let error = #expect(throws: StrategyConfigError.self) {
            _ = try MarketResolutionKind.make(name: "markets", table: table, environment: env)
        }
        #expect(error?.description.contains("'Markets'") == true)
    }

    @Test func kindRefusesNegativeGrace() throws {
        let env = StrategyEnvironment(chainID: 31337, account: Address(word: U256(1)), contracts: ContractDirectory([Self.market, Self.registry]))
        let table = try TOML.parse("grace_seconds = -1\n")
        #expect(throws: TOMLError.self) { _ = try MarketResolutionKind.make(name: "markets", table: table, environment: env) }
    }
}
