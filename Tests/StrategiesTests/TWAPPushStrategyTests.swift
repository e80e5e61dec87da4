import EVM
import Oracle
import Strategies
import Testing

/// Fixtures: a WETH/USDC feed priced by up to three pools, observed at one block.
enum TWAPFixture {
    static let low = address("0x1000000000000000000000000000000000000001")
    static let high = address("0x2000000000000000000000000000000000000002")
    static let sink = address("0x5000000000000000000000000000000000000005")
    static let poolAddresses = (1...4).map { address("0x70000000000000000000000000000000000000a\($0)") }
    static let window: UInt32 = 1800
    static let now: UInt64 = 1_700_000_000
    static let block: UInt64 = 120

    static func address(_ text: String) -> Address {
        guard let address = try? Address(text) else { fatalError("bad fixture address \(text)") }
        return address
    }

    /// USDC per WETH, WETH (18 decimals) at `weth`, USDC (6) at `usdc`.
    static func spec(weth: Address = high, usdc: Address = low, pools: Int, decimals: (Int, Int) = (18, 6)) -> TWAPFeedSpec {
        TWAPFeedSpec(
            name: "WETH/USDC", feedID: TWAPFeedSpec.feedID(ascii: "WETH/USDC") ?? [],
            base: TWAPToken(name: "WETH", address: weth, decimals: decimals.0),
            quote: TWAPToken(name: "USDC", address: usdc, decimals: decimals.1),
            pools: (0..<pools).map { TWAPPoolSpec(name: "pool-\($0)", address: poolAddresses[$0]) }, window: window,
            outputDecimals: 18)
    }

    /// A pool reading whose mean tick over the window is `tick` (nil: `OLD`).
    static func pool(_ spec: TWAPPoolSpec, tick: Int32?, token0: Address, token1: Address) -> TWAPObservation.Pool {
        let reading: TWAPObservation.Reading = tick.map { .cumulatives(start: 5_000_000, end: 5_000_000 + Int64($0) * Int64(window)) } ?? .historyTooShort
        return TWAPObservation.Pool(spec: spec, window: window, token0: token0, token1: token1, reading: reading)
    }

    static func observation(
        spec: TWAPFeedSpec, ticks: [Int32?], round: TWAPObservation.SinkRound?, now: UInt64 = now, block: UInt64 = block
    ) -> TWAPObservation {
        let (t0, t1) = spec.base.address.bytes.lexicographicallyPrecedes(spec.quote.address.bytes)
            ? (spec.base.address, spec.quote.address) : (spec.quote.address, spec.base.address)
        let pools = zip(spec.pools, ticks).map { pool($0.0, tick: $0.1, token0: t0, token1: t1) }
        let feed = TWAPObservation.Feed(
            spec: spec, baseDecimals: spec.base.decimals, quoteDecimals: spec.quote.decimals, pools: pools, lastRound: round)
        return TWAPObservation(block: block, timestamp: now, sink: sink, feeds: [feed])
    }

    static func strategy(spec: TWAPFeedSpec, deviationBps: Int = 50, heartbeat: UInt64 = 3600, minPools: Int = 1) -> TWAPPushStrategy {
        TWAPPushStrategy(name: "twap-push", config: TWAPPushConfig(
            sinkName: "PriceFeedSink", sink: sink,
            feeds: [TWAPPushConfig.Feed(spec: spec, deviationBps: deviationBps, heartbeatSeconds: heartbeat, minPools: minPools)]))
    }

    static func decide(_ strategy: TWAPPushStrategy, _ observation: TWAPObservation, history: IntentHistory = IntentHistory()) -> StrategyDecision {
        let header = BlockHeader(
            number: observation.block, hash: [], parentHash: [], timestamp: observation.timestamp, baseFeePerGas: nil,
            gasLimit: 30_000_000, gasUsed: 0)
        return strategy.decide(Snapshot(chainID: 31337, block: header, sections: [strategy.name: observation], history: history))
    }

    static func round(_ id: UInt64, price: U256, updatedAt: UInt64) -> TWAPObservation.SinkRound {
        TWAPObservation.SinkRound(roundID: U256(id), price: price, observedAt: updatedAt - 12, updatedAt: updatedAt)
    }

    /// The WETH price in USDC at `tick` for `spec`, as the strategy computes it.
    static func price(_ spec: TWAPFeedSpec, tick: Int32) -> U256? {
        OracleLibrary.price(
            atTick: tick, baseToken: spec.base.address, baseDecimals: spec.base.decimals ?? 0, quoteToken: spec.quote.address,
            quoteDecimals: spec.quote.decimals ?? 0, outputDecimals: spec.outputDecimals)
    }

    static let e18 = U256(1_000_000_000_000_000_000)

    /// A decimal literal too large for a UInt64 literal (zero if it does not parse: the test then fails).
    static func decimal(_ text: String) -> U256 { U256(decimal: text) ?? .zero }
}

@Suite struct TWAPPushStrategyTests {
    typealias F = TWAPFixture
    /// About 2000 USDC per WETH when USDC (6 decimals) is token0 and WETH (18) token1.
    static let tick2000: Int32 = 200_311

    // MARK: Deviation

    @Test func pushesWhenTheFallEqualsTheThresholdExactly() throws {
        // Tick 0 with equal decimals prices exactly 1e18; from 1.25e18 that is a fall of exactly 20%.
        let spec = F.spec(pools: 1, decimals: (18, 18))
        let strategy = F.strategy(spec: spec, deviationBps: 2000, heartbeat: 86_400)
        let atThreshold = F.observation(spec: spec, ticks: [0], round: F.round(7, price: U256(1_250_000_000_000_000_000), updatedAt: F.now - 60))
        let decision = F.decide(strategy, atThreshold)
        let intent = try #require(decision.intents.first)
        #expect(decision.intents.count == 1)
        #expect(intent.arguments[1] == .uint(F.e18))
        #expect(intent.reason.contains("WETH/USDC 1.00 moved -20.00% (>= 20.00%) since the last push 1.25 (round 7, 60 s ago)"))

        let justBelow = F.observation(spec: spec, ticks: [0], round: F.round(7, price: U256(1_249_999_999_999_999_999), updatedAt: F.now - 60))
        let none = F.decide(strategy, justBelow)
        #expect(none.intents.isEmpty)
        #expect(none.notes.contains { $0.message.contains("no push: moved -19.99% (< 20.00%) and 60 s since the last push") })
    }

    @Test func pushesWhenTheRiseEqualsTheThresholdExactly() {
        let spec = F.spec(pools: 1, decimals: (18, 18))
        let strategy = F.strategy(spec: spec, deviationBps: 2500, heartbeat: 86_400)
        let exact = F.decide(strategy, F.observation(spec: spec, ticks: [0], round: F.round(1, price: U256(800_000_000_000_000_000), updatedAt: F.now - 5)))
        #expect(exact.intents.count == 1)
        #expect(exact.intents.first?.reason.contains("moved +25.00% (>= 25.00%)") == true)
        let below = F.decide(strategy, F.observation(spec: spec, ticks: [0], round: F.round(1, price: U256(800_000_000_000_000_001), updatedAt: F.now - 5)))
        #expect(below.intents.isEmpty)
    }

    @Test(arguments: [
        (U256(10_000), U256(10_050), 50, true), (U256(10_000), U256(10_049), 50, false),
        (U256(10_000), U256(9_950), 50, true), (U256(10_000), U256(9_951), 50, false),
        (U256(10_000), U256(10_000), 1, false), (U256.max, U256.zero, 10_000, true),
        (U256.max - U256(1), U256.max, 1, false),
    ])
    func deviationIsExact(last: U256, new: U256, bps: Int, expected: Bool) {
        #expect(TWAPPushStrategy.deviates(from: last, to: new, thresholdBps: bps) == expected)
    }

    // MARK: Heartbeat

    @Test func pushesWhenTheHeartbeatHasPassedExactly() throws {
        let spec = F.spec(pools: 1, decimals: (18, 18))
        let strategy = F.strategy(spec: spec, deviationBps: 50, heartbeat: 3600)
        let due = F.decide(strategy, F.observation(spec: spec, ticks: [0], round: F.round(3, price: F.e18, updatedAt: F.now - 3600)))
        let intent = try #require(due.intents.first)
        #expect(intent.reason.contains("WETH/USDC 1.00: heartbeat: 3600 s since the last push (>= 3600 s); moved 0.00% since 1.00 (round 3)"))
        #expect(intent.idempotencyKey == "twap-push/WETH/USDC/round-4")

        let early = F.decide(strategy, F.observation(spec: spec, ticks: [0], round: F.round(3, price: F.e18, updatedAt: F.now - 3599)))
        #expect(early.intents.isEmpty)
        #expect(early.notes.contains { $0.level == .info && $0.message.contains("3599 s since the last push 1.00 (< 3600 s heartbeat)") })
    }

    @Test func firstPushWhenTheSinkIsEmpty() throws {
        let spec = F.spec(pools: 1)
        let empty = TWAPObservation.SinkRound(roundID: .zero, price: .zero, observedAt: 0, updatedAt: 0)
        let decision = F.decide(F.strategy(spec: spec), F.observation(spec: spec, ticks: [Self.tick2000], round: empty))
        let intent = try #require(decision.intents.first)
        #expect(intent.reason.contains("first push"))
        #expect(intent.idempotencyKey == "twap-push/WETH/USDC/round-1")
    }

    // MARK: The intent

    @Test func theIntentCallsPushPriceWithTheFeedIDThePriceAndTheBlockTime() throws {
        let spec = F.spec(pools: 1)
        let decision = F.decide(F.strategy(spec: spec), F.observation(spec: spec, ticks: [Self.tick2000], round: F.round(1, price: U256(1), updatedAt: F.now - 10)))
        let intent = try #require(decision.intents.first)
        let price = try #require(F.price(spec, tick: Self.tick2000))
        #expect(intent.to == F.sink)
        #expect(intent.toName == "PriceFeedSink")
        #expect(intent.subject == "twap-push/WETH/USDC")
        #expect(intent.function.signature == "pushPrice(bytes32,uint256,uint256)")
        let feedID: [UInt8] = Array("WETH/USDC".utf8) + [UInt8](repeating: 0, count: 23)
        #expect(intent.arguments == [.fixedBytes(feedID), .uint(price), .uint(U256(F.now))])
        let calldata = try intent.calldata()
        #expect(calldata.prefix(4).elementsEqual(Keccak256.hash("pushPrice(bytes32,uint256,uint256)").prefix(4)))
        #expect(intent.reason.hasSuffix("median of 1 pool over 1800 s at block 120"))
    }

    @Test func noPushWhenTheSinkAlreadyHasThisBlocksTime() {
        let spec = F.spec(pools: 1, decimals: (18, 18))
        let round = TWAPObservation.SinkRound(roundID: U256(2), price: U256(2), observedAt: F.now, updatedAt: F.now)
        let decision = F.decide(F.strategy(spec: spec), F.observation(spec: spec, ticks: [0], round: round))
        #expect(decision.intents.isEmpty)
        #expect(decision.notes.contains { $0.message.contains("already has an observation") })
    }

    // MARK: Pools and the median

    @Test(arguments: [
        ([Int32(200_300)], 0),
        ([Int32(200_300), 200_400], 1),
        ([Int32(200_300), 200_500, 200_400], 2),
    ])
    func theMedianAcrossPools(ticks: [Int32], expectedMedianCase: Int) throws {
        let spec = F.spec(pools: ticks.count)
        let decision = F.decide(F.strategy(spec: spec), F.observation(spec: spec, ticks: ticks, round: F.round(1, price: U256(1), updatedAt: F.now - 10)))
        let intent = try #require(decision.intents.first)
        let prices = try ticks.map { try #require(F.price(spec, tick: $0)) }
        let expected: U256 = switch expectedMedianCase {
        case 0: prices[0]
        case 1: (prices[0] + prices[1]) / U256(2)   // the mean of the two, rounded down
        default: prices[2]  // tick 200_400 sits between the others
        }
        #expect(intent.arguments[1] == .uint(expected))
        #expect(intent.reason.contains("median of \(ticks.count) pool"))
    }

    @Test func aPoolWithTooShortAHistoryIsRefusedAndTheOthersDecide() throws {
        let spec = F.spec(pools: 3)
        let decision = F.decide(F.strategy(spec: spec), F.observation(spec: spec, ticks: [200_300, nil, 200_500], round: F.round(1, price: U256(1), updatedAt: F.now - 10)))
        let intent = try #require(decision.intents.first)
        let expected = (try #require(F.price(spec, tick: 200_300)) + (try #require(F.price(spec, tick: 200_500)))) / U256(2)
        #expect(intent.arguments[1] == .uint(expected))
        #expect(intent.reason.contains("median of 2 pools"))
        #expect(decision.notes.contains {
            $0.level == .info && $0.message == "WETH/USDC: pool pool-1 refused: its oldest observation is younger than the 1800 s window (observe reverted with OLD)"
        })
    }

    @Test func noPushWithoutAUsablePool() {
        let spec = F.spec(pools: 2)
        let decision = F.decide(F.strategy(spec: spec), F.observation(spec: spec, ticks: [nil, nil], round: F.round(1, price: U256(1), updatedAt: F.now - 100_000)))
        #expect(decision.intents.isEmpty)
        #expect(decision.notes.contains { $0.level == .warning && $0.message.contains("no push: 0 usable pools of 2 (at least 1 needed)") })
    }

    @Test func minPoolsHolds() {
        let spec = F.spec(pools: 3)
        let decision = F.decide(
            F.strategy(spec: spec, minPools: 3),
            F.observation(spec: spec, ticks: [200_300, nil, 200_500], round: F.round(1, price: U256(1), updatedAt: F.now - 10)))
        #expect(decision.intents.isEmpty)
        #expect(decision.notes.contains { $0.message.contains("2 usable pools of 3 (at least 3 needed)") })
    }

    @Test func aPoolOfAnotherPairIsRefused() throws {
        let spec = F.spec(pools: 2)
        var observation = F.observation(spec: spec, ticks: [200_300, 200_500], round: F.round(1, price: U256(1), updatedAt: F.now - 10))
        observation.feeds[0].pools[1].token1 = F.sink
        let decision = F.decide(F.strategy(spec: spec), observation)
        #expect(decision.intents.first?.arguments[1] == .uint(try #require(F.price(spec, tick: 200_300))))
        #expect(decision.notes.contains { $0.level == .warning && $0.message.contains("pool pool-1 refused: it trades") })
    }

    /// WETH as token1 (the pool's price is WETH per USDC... inverted) and as token0: both about 2000.
    @Test(arguments: [true, false])
    func tokenOrderBothWays(wethIsToken0: Bool) throws {
        let spec = wethIsToken0 ? F.spec(weth: F.low, usdc: F.high, pools: 1) : F.spec(weth: F.high, usdc: F.low, pools: 1)
        let tick: Int32 = wethIsToken0 ? -Self.tick2000 : Self.tick2000
        let decision = F.decide(F.strategy(spec: spec), F.observation(spec: spec, ticks: [tick], round: F.round(1, price: U256(1), updatedAt: F.now - 10)))
        let intent = try #require(decision.intents.first)
        let price = try #require(intent.arguments[1].uintValue)
        // 2000 USDC per WETH within 0.01% (tick spacing is 1 bp), in 18 decimals.
        #expect(price > F.decimal("1999800000000000000000") && price < F.decimal("2000200000000000000000"))
        #expect(intent.reason.hasPrefix("WETH/USDC 2000."))
    }

    @Test func noObservationIsAWarning() {
        let strategy = F.strategy(spec: F.spec(pools: 1))
        let header = BlockHeader(number: 9, hash: [], parentHash: [], timestamp: 1, baseFeePerGas: nil, gasLimit: 1, gasUsed: 0)
        let decision = strategy.decide(Snapshot(chainID: 31337, block: header))
        #expect(decision.intents.isEmpty)
        #expect(decision.notes.first?.level == .warning)
    }

    // MARK: Idempotency

    @Test func theKeyIsTheNextRoundWhateverTheBlock() {
        let spec = F.spec(pools: 1, decimals: (18, 18))
        let strategy = F.strategy(spec: spec)
        let round = F.round(4, price: F.e18, updatedAt: F.now - 4000)
        let first = F.decide(strategy, F.observation(spec: spec, ticks: [0], round: round))
        let later = F.decide(strategy, F.observation(spec: spec, ticks: [0], round: round, now: F.now + 36, block: F.block + 3))
        #expect(first.intents.map(\.idempotencyKey) == ["twap-push/WETH/USDC/round-5"])
        #expect(later.intents.map(\.idempotencyKey) == ["twap-push/WETH/USDC/round-5"])
    }

    @Test func aPlannedPushIsWaitedForThenRetriedOncePerPeriod() {
        let spec = F.spec(pools: 1, decimals: (18, 18))
        let strategy = F.strategy(spec: spec)
        let round = F.round(4, price: F.e18, updatedAt: F.now - 4000)
        let key = "twap-push/WETH/USDC/round-5"
        let planned = IntentHistory(keys: [key], lastActionTime: ["twap-push/WETH/USDC": F.now - 100])
        let waiting = F.decide(strategy, F.observation(spec: spec, ticks: [0], round: round), history: planned)
        #expect(waiting.intents.isEmpty)
        #expect(waiting.notes.contains { $0.message.contains("waiting for it") })

        // 600 s after it was planned the sink still has round 4: plan it again under a retry key.
        let stale = IntentHistory(keys: [key], lastActionTime: ["twap-push/WETH/USDC": F.now - 600])
        let retry = F.decide(strategy, F.observation(spec: spec, ticks: [0], round: round), history: stale)
        #expect(retry.intents.map(\.idempotencyKey) == ["\(key)/retry-\(F.now / 600)"])

        // The first attempt failed (failed intents leave no action time): retried too, but only once per period.
        var failed = IntentHistory(keys: [key])
        #expect(F.decide(strategy, F.observation(spec: spec, ticks: [0], round: round), history: failed).intents.count == 1)
        failed.keys.insert("\(key)/retry-\(F.now / 600)")
        #expect(F.decide(strategy, F.observation(spec: spec, ticks: [0], round: round), history: failed).intents.isEmpty)
    }

    // MARK: Formatting

    @Test(arguments: [
        (TWAPFixture.decimal("2012345678900000000000"), 18, "2012.34"),
        (U256(1_000_000_000_000_000_000), 18, "1.00"),
        (U256(497_123_456_000_000), 18, "0.0004971"),
        (U256(5), 0, "5"),
        (U256(123), 2, "1.23"),
    ])
    func pricesAreShownForPeople(value: U256, decimals: Int, expected: String) {
        #expect(TWAPPushStrategy.display(value, decimals: decimals) == expected)
    }
}
