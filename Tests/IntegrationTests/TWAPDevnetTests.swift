import DevnetTestKit
import EVM
import Foundation
import ProcessTestKit
import Keeper
import Logging
import Oracle
import Strategies
import TOML
import Testing

/// The TWAP observer, the twap-push strategy and the oracle read API on the devnet's `demo`
/// scenario: real MockUniswapV3Pools with a known tick history and a real PriceFeedSink.
@Suite(.serialized) struct TWAPDevnetTests {
    static let feed = "WETH/USDC"

    /// The demo devnet with the strategy configured through the real config path.
    struct Setup {
        let devnet: Devnet
        let rpc: EthereumRPC
        let multicall: Multicall3
        let observer: TWAPObserver
        let strategy: TWAPPushStrategy
        let manifest: JSONValue

        init(deviationBps: Int = 50, heartbeat: Int = 3600) async throws {
            devnet = try await Devnet.start(scenario: "demo")
            rpc = EthereumRPC(client: devnet.client())
            multicall = Multicall3(rpc: rpc)
            manifest = try #require(devnet.manifest)
            var contracts: [ContractDirectory.Contract] = []
            contracts.append(.init(name: "PriceFeedSink", address: try Address(try Self.string(manifest, "contracts", "PriceFeedSink"))))
            for token in ["WETH", "USDC"] {
                contracts.append(.init(name: token, address: try Address(try Self.string(manifest, "contracts", "tokens", token))))
            }
            for pool in Self.poolKeys {
                contracts.append(.init(name: pool, address: try Address(try Self.string(manifest, "contracts", "uniswapV3Pools", pool))))
            }
            let text = """
                [strategies.twap-push]
                sink = "PriceFeedSink"
                deviation_bps = \(deviationBps)
                heartbeat_seconds = \(heartbeat)

                [[strategies.twap-push.feeds]]
                id = "\(TWAPDevnetTests.feed)"
                base = "WETH"
                quote = "USDC"
                pools = [\(Self.poolKeys.map { "\"\($0)\"" }.joined(separator: ", "))]
                """
            let table = try TOML.parse(text).table("strategies").table("twap-push")
            let environment = StrategyEnvironment(
                chainID: 31337, account: try DevAccounts.key(1).address, contracts: ContractDirectory(contracts))
            let (observer, strategy) = try TWAPPushKind.make(name: "twap-push", table: table, environment: environment)
            self.observer = try #require(observer as? TWAPObserver)
            self.strategy = try #require(strategy as? TWAPPushStrategy)
        }

        static let poolKeys = ["WETH/USDC-500", "WETH/USDC-3000", "WETH/USDC-10000"]

        static func string(_ value: JSONValue, _ path: String...) throws -> String {
            var current: JSONValue? = value
            for key in path { current = current?[key] }
            return try #require(current?.stringValue, "manifest has no string at \(path.joined(separator: "."))")
        }

        static func integer(_ value: JSONValue?) throws -> Int64 {
            guard case .number(let text)? = value, let number = Int64(text) else {
                throw TWAPTestFailure( "expected an integer in the manifest, found \(String(describing: value))")
            }
            return number
        }

        /// One tick: the head, the observation at it, and the strategy's decision.
        func tick() async throws -> (BlockHeader, TWAPObservation, StrategyDecision) {
            let head = try #require(try await rpc.block(.latest))
            let observation = try await observer.read(at: head, multicall: multicall)
            let snapshot = Snapshot(chainID: 31337, block: head, sections: [strategy.name: observation])
            return (head, observation, strategy.decide(snapshot))
        }

        /// The sink's latest round for the feed, read directly.
        func latestRound() async throws -> TWAPObservation.SinkRound {
            let head = try #require(try await rpc.block(.latest))
            let observation = try await observer.read(at: head, multicall: multicall)
            return try #require(observation.feeds.first?.lastRound)
        }

        /// Signs `data` to `to` with dev account `account` and waits for the receipt.
        @discardableResult
        func send(to: Address, data: [UInt8], account: Int) async throws -> TransactionReceipt {
            let key = try DevAccounts.key(account)
            let nonce = try await rpc.transactionCount(of: key.address, at: .pending)
            let gas = try await rpc.estimateGas(CallRequest(from: key.address, to: to, data: data))
            let tx = Transaction.dynamicFee(DynamicFeeTransaction(
                chainId: 31337, nonce: nonce, maxPriorityFeePerGas: U256(1_000_000_000), maxFeePerGas: U256(100_000_000_000),
                gasLimit: gas + gas / 5, to: to, data: data))
            let hash = try await rpc.sendRawTransaction(try tx.sign(with: key).raw)
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                if let receipt = try await rpc.receipt(hash) { return receipt }
            }
            throw TWAPTestFailure( "no receipt for \(Hex.encode(hash)) within 20 s")
        }

        /// Sends the intent as the keeper (dev account #1) would, signed here directly.
        func push(_ intent: Intent) async throws -> TransactionReceipt {
            try await send(to: intent.to, data: try intent.calldata(), account: 1)
        }

        /// Advances the chain's clock by `seconds` and mines a block.
        func advance(_ seconds: Int) async throws {
            try await devnet.control("evm_increaseTime", [.number(String(seconds))])
            try await devnet.control("evm_mine", [])
        }
    }

    /// Uniswap's tick cumulative at time `t` for the manifest's history: `ticks[k]` during
    /// `[start + k*interval, start + (k+1)*interval)`, the last tick from then on.
    static func cumulative(at t: Int64, start: Int64, interval: Int64, ticks: [Int64]) -> Int64 {
        var sum: Int64 = 0
        for (k, tick) in ticks.enumerated() {
            let from = start + Int64(k) * interval
            let to = k == ticks.count - 1 ? t : min(t, from + interval)
            if to > from { sum += tick * (to - from) }
        }
        return sum
    }

    @Test func observerReadsThePoolsAtThePinnedBlockAndMatchesTheKnownHistory() async throws {
        let setup = try await Setup()
        let head = try #require(try await setup.rpc.block(.latest))
        let observation = try await setup.observer.read(at: head, multicall: setup.multicall)
        #expect(observation.block == head.number)
        #expect(observation.timestamp == head.timestamp)
        let feed = try #require(observation.feed(Self.feed))
        #expect(feed.baseDecimals == 18)  // read on chain
        #expect(feed.quoteDecimals == 6)

        let twap = try #require(setup.manifest["twap"])
        let now = Int64(head.timestamp)
        let window = Int64(feed.spec.window)
        for pool in feed.pools {
            let facts = try #require(twap["pools"]?[pool.spec.name])
            #expect(pool.token0 == (try Address(try Setup.string(facts, "token0"))))
            #expect(pool.token1 == (try Address(try Setup.string(facts, "token1"))))
            let start = try Setup.integer(facts["startTime"])
            let interval = try Setup.integer(facts["interval"])
            let ticks = try #require(facts["ticks"]?.arrayValue).map { try Setup.integer($0) }
            if start > now - window {
                #expect(pool.reading == .historyTooShort, "\(pool.spec.name) has history only since \(start)")
                continue
            }
            guard case .cumulatives(let s, let e) = pool.reading else {
                Issue.record("\(pool.spec.name): \(pool.reading)")
                continue
            }
            // The pool's absolute cumulatives start at 0 at startTime, exactly as the model's.
            #expect(s == Self.cumulative(at: now - window, start: start, interval: interval, ticks: ticks))
            #expect(e == Self.cumulative(at: now, start: start, interval: interval, ticks: ticks))
            let delta = e - s
            let expectedMean = delta >= 0 || delta % window == 0 ? delta / window : delta / window - 1
            let mean = OracleLibrary.meanTick(tickCumulativeStart: s, tickCumulativeEnd: e, window: UInt32(window))
            #expect(mean.map(Int64.init) == expectedMean)
        }
        #expect(feed.pools.map(\.spec.name) == Setup.poolKeys)
        #expect(feed.pools[2].reading == .historyTooShort)  // 3 observations a minute apart: too young for 30 minutes

        // The feed's earlier push, as the scenario made it.
        let lastPush = try #require(twap["feeds"]?[Self.feed]?["lastPush"])
        let round = try #require(feed.lastRound)
        #expect(round.roundID == U256(1))
        #expect(round.price == U256(decimal: try Setup.string(lastPush, "price")))
        #expect(round.observedAt == UInt64(try Setup.integer(lastPush["observedAt"])))

        // The median of the two usable pools: about 2000.12 / 0.9999 USDC per WETH (ticks move +-40 bp).
        let price = TWAPFeedPrice.compute(feed)
        #expect(price.usablePools.count == 2)
        let value = try #require(price.price)
        let low = try #require(U256(decimal: "1990000000000000000000"))
        let high = try #require(U256(decimal: "2010000000000000000000"))
        #expect(value > low && value < high, "\(value)")
    }

    @Test func pushesOnHeartbeatAndDeviationAndNotOtherwise() async throws {
        let setup = try await Setup(deviationBps: 50, heartbeat: 3600)
        let sink = setup.strategy.config.sink

        // 1. The scenario pushed when it was made (observed two hours earlier, updated now): the
        // TWAP is within 0.5% of it and the heartbeat runs from `updatedAt`: nothing to do.
        let (_, _, fresh) = try await setup.tick()
        #expect(fresh.intents.isEmpty, "\(fresh.intents.map(\.reason))")
        #expect(fresh.notes.contains { $0.message.contains("no push: moved") })
        #expect(fresh.notes.contains { $0.message.contains("pool WETH/USDC-10000 refused") })
        #expect(try await setup.latestRound().roundID == U256(1))

        // An hour later: a heartbeat push (the pools' ticks stay within a few basis points).
        try await setup.advance(3600)
        let (head1, _, first) = try await setup.tick()
        let intent1 = try #require(first.intents.first, "notes: \(first.notes)")
        #expect(first.intents.count == 1)
        #expect(intent1.idempotencyKey == "twap-push/\(Self.feed)/round-2")
        #expect(intent1.to == sink)
        #expect(intent1.reason.contains(": heartbeat: ") && intent1.reason.contains("s since the last push (>= 3600 s)"), "\(intent1.reason)")
        // Deciding again at the same chain state gives the same intent (same key, same call).
        #expect(try await setup.tick().2.intents == first.intents)
        #expect(try await setup.push(intent1).succeeded)
        let round2 = try await setup.latestRound()
        #expect(round2.roundID == U256(2))
        #expect(intent1.arguments[1] == .uint(round2.price))
        #expect(round2.observedAt == head1.timestamp)

        // 2. Right after: no move, heartbeat not due: nothing, and the sink stays at round 2.
        let (_, _, quiet) = try await setup.tick()
        #expect(quiet.intents.isEmpty, "\(quiet.intents.map(\.reason))")
        #expect(quiet.notes.contains { $0.message.contains("no push: moved") })

        // 3. Both long-history pools move up 300 ticks (about 3%); half an hour later the TWAP has
        // moved well past 0.5% while the heartbeat (an hour) is not due: a deviation push.
        let setTick = try ABIFunction(parsing: "function setTick(int24 tick, uint160 sqrtPriceX96)")
        let twapPools = try #require(setup.manifest["twap"]?["pools"])
        for key in Setup.poolKeys.prefix(2) {
            let ticks = try #require(twapPools[key]?["ticks"]?.arrayValue).map { try Setup.integer($0) }
            let newTick = Int32(try #require(ticks.last)) + 300
            let address = try #require(setup.observer.feeds.first?.pools.first { $0.name == key }?.address)
            let sqrt = try #require(TickMath.sqrtRatio(atTick: newTick))
            let receipt = try await setup.send(
                to: address, data: try setTick.encodeCall([.int(I256(Int64(newTick))), .uint(sqrt)]), account: 0)
            #expect(receipt.succeeded)
        }
        try await setup.advance(1800)
        let (head3, _, moved) = try await setup.tick()
        let intent3 = try #require(moved.intents.first, "notes: \(moved.notes)")
        // Dry-run: the planner simulates it at the pinned block as the keeper, and prints it.
        let planner = Planner(rpc: setup.rpc, feePolicy: FeePolicy(maxFeePerGasCap: U256(200_000_000_000)))
        let history = try await setup.rpc.feeHistory(blocks: 4, percentiles: [50])
        let keeper = try DevAccounts.key(1).address
        let plans = await planner.plan(moved.intents, from: keeper, block: head3, feeHistory: history)
        let text = PlanFormatter.text(plans, block: head3.number)
        #expect(text.contains("#1  twap-push  twap-push/\(Self.feed)/round-3"), "\(text)")
        #expect(text.contains("to         PriceFeedSink \(sink.checksummed)"))
        #expect(text.contains("call       pushPrice(feedId=0x574554482f555344430000000000000000000000000000000000000000000000, price="))
        #expect(text.contains("simulation ok"))
        #expect(intent3.idempotencyKey == "twap-push/\(Self.feed)/round-3")
        #expect(intent3.reason.contains(" moved ") && intent3.reason.contains("(>= 0.50%) since the last push"), "\(intent3.reason)")
        #expect(!intent3.reason.contains("heartbeat"))
        #expect(try await setup.push(intent3).succeeded)
        let round3 = try await setup.latestRound()
        #expect(round3.roundID == U256(3))
        #expect(intent3.arguments[1] == .uint(round3.price))
        #expect(TWAPPushStrategy.deviates(from: round2.price, to: round3.price, thresholdBps: 50))

        // 4. Half an hour on, the TWAP is flat at the new ticks and the heartbeat not due: nothing.
        try await setup.advance(1800)
        let (_, _, flat) = try await setup.tick()
        #expect(flat.intents.isEmpty, "\(flat.intents.map(\.reason))")
        #expect(try await setup.latestRound().roundID == U256(3))

        // 5. Another half hour: an hour since the last push: a heartbeat push.
        try await setup.advance(1800)
        let (_, _, beat) = try await setup.tick()
        let intent5 = try #require(beat.intents.first, "notes: \(beat.notes)")
        #expect(intent5.reason.contains(": heartbeat: ") && intent5.reason.contains("s since the last push (>= 3600 s)"), "\(intent5.reason)")
        #expect(try await setup.push(intent5).succeeded)
        let round4 = try await setup.latestRound()
        #expect(round4.roundID == U256(4))
        #expect(intent5.arguments[1] == .uint(round4.price))
        #expect(round4.updatedAt >= round3.updatedAt + 3600)
    }

    @Test func theReadAPIComputesOnDemandAndReportsTheBook() async throws {
        let setup = try await Setup()
        let quoter = TWAPQuoter(strategies: [setup.strategy], rpc: setup.rpc, multicall: setup.multicall)
        let book = PriceBook(strategies: [setup.strategy])
        let api = OracleAPI(priceBook: book, quoter: quoter)

        let ok = await api.twap(feed: Self.feed, window: "1800")
        #expect(ok.status.code == 200)
        let body = try JSONValue.parse(ok.body)
        #expect(body["usablePools"] == .number("2"))
        #expect(body["window"] == .number("1800"))
        #expect(body["pools"]?.arrayValue?.last?["refusal"]?.stringValue?.contains("OLD") == true)

        // A 1-minute window: the youngest pool (3 observations over 2 minutes, the last one 2
        // minutes before the scenario was made) is usable too.
        let shortAnswer = await api.twap(feed: Self.feed, window: "60")
        let short = try JSONValue.parse(shortAnswer.body)
        #expect(short["usablePools"] == .number("3"))

        // Longer than every pool's history (about 4 hours): 422 with each pool's reason.
        let tooLong = await api.twap(feed: Self.feed, window: "86400")
        #expect(tooLong.status.code == 422)
        #expect(try JSONValue.parse(tooLong.body)["error"]?.stringValue?.contains("no pool of WETH/USDC gives a price over 86400 s") == true)
        #expect(await api.twap(feed: Self.feed, window: "0").status.code == 400)
        #expect(await api.twap(feed: Self.feed, window: "30m").status.code == 400)
        #expect(await api.twap(feed: "BTC/USD", window: "1800").status.code == 404)

        // The book after one tick: the computed price and the scenario's push (round 1).
        let (head, observation, _) = try await setup.tick()
        book.record(Snapshot(chainID: 31337, block: head, sections: [setup.strategy.name: observation]))
        let prices = try JSONValue.parse(api.prices(feed: Self.feed).body)
        #expect(prices["lastComputed"]?["block"] == .number(String(head.number)))
        #expect(prices["lastComputed"]?["price"]?.stringValue == TWAPFeedPrice.compute(try #require(observation.feeds.first)).price?.decimalString)
        #expect(prices["lastPushed"]?["roundId"]?.stringValue == "1")
        #expect(prices["lastPushed"]?["block"] == .null)
    }
}

struct TWAPTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
