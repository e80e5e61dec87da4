public import EVM
import Logging

/// Reads what TWAP pushes need, at the pinned block, in one Multicall3 batch: per feed the
/// sink's `latestRoundData(feedId)` and the tokens' `decimals()` (unless configured); per pool
/// `observe([window, 0])`, `token0()` and `token1()`. A pool whose `observe` reverts is asked
/// once more with a plain `eth_call` at the same block to learn why: `OLD` (the oldest
/// observation is younger than the window) becomes ``TWAPObservation/Reading/historyTooShort``.
///
/// The section it adds to the snapshot is a ``TWAPObservation``.
public struct TWAPObserver: Observer {
    public let strategy: String
    /// The `PriceFeedSink`.
    public let sink: Address
    public let feeds: [TWAPFeedSpec]
    /// Finds the block and transaction of each feed's last push; remembers what it found.
    private let locator = TWAPPushLocator()

    public init(strategy: String, sink: Address, feeds: [TWAPFeedSpec]) {
        self.strategy = strategy
        self.sink = sink
        self.feeds = feeds
    }

    // The functions read, with Uniswap V3's and PriceFeedSink's signatures.
    static let observeFunction = try! ABIFunction(parsing:
        "function observe(uint32[] secondsAgos) view returns (int56[] tickCumulatives, uint160[] secondsPerLiquidityCumulativeX128s)")
    static let token0Function = try! ABIFunction(parsing: "function token0() view returns (address)")
    static let token1Function = try! ABIFunction(parsing: "function token1() view returns (address)")
    static let decimalsFunction = try! ABIFunction(parsing: "function decimals() view returns (uint8)")
    static let latestRoundDataFunction = try! ABIFunction(parsing:
        "function latestRoundData(bytes32 feedId) view returns (uint256 roundId, uint256 price, uint256 observedAt, uint256 updatedAt)")

    /// ``read(at:multicall:)``, then, for each feed's latest round, where its push was mined
    /// (``TWAPPushLocator``). A failed lookup leaves ``TWAPObservation/Feed/lastPush`` nil with a
    /// warning; it never fails the observation (the strategy does not need it).
    public func observe(at block: BlockHeader, context: ObservationContext) async throws -> any Sendable {
        var observation = try await read(at: block, multicall: context.multicall)
        for i in observation.feeds.indices {
            guard let round = observation.feeds[i].lastRound else { continue }
            let feedID = observation.feeds[i].spec.feedID
            do {
                observation.feeds[i].lastPush = try await locator.locate(
                    sink: sink, feedID: feedID, round: round, pinned: block, rpc: context.rpc)
            } catch {
                context.logger.warning("cannot find the block of the feed's last push; the read API shows it without", metadata: [
                    "keeper.strategy": "\(strategy)", "twap.feed": "\(observation.feeds[i].spec.name)",
                    "twap.round": "\(round.roundID)", "error.message": "\(error)",
                ])
            }
        }
        return observation
    }

    /// Reads every feed at `block` (its number pins every call; its timestamp is "now").
    public func read(at block: BlockHeader, multicall: Multicall3) async throws -> TWAPObservation {
        var calls: [Multicall3.Call] = []
        /// Where each feed's answers start in `calls`.
        var layout: [(round: Int, base: Int?, quote: Int?, pools: [Int])] = []
        for feed in feeds {
            let round = calls.count
            calls.append(Multicall3.Call(target: sink, callData: try Self.latestRoundDataFunction.encodeCall([.fixedBytes(feed.feedID)])))
            var base: Int?
            var quote: Int?
            if feed.base.decimals == nil {
                base = calls.count
                calls.append(Multicall3.Call(target: feed.base.address, callData: try Self.decimalsFunction.encodeCall([])))
            }
            if feed.quote.decimals == nil {
                quote = calls.count
                calls.append(Multicall3.Call(target: feed.quote.address, callData: try Self.decimalsFunction.encodeCall([])))
            }
            var pools: [Int] = []
            for pool in feed.pools {
                pools.append(calls.count)
                calls.append(Multicall3.Call(target: pool.address, callData: try Self.observeCall(window: feed.window)))
                calls.append(Multicall3.Call(target: pool.address, callData: try Self.token0Function.encodeCall([])))
                calls.append(Multicall3.Call(target: pool.address, callData: try Self.token1Function.encodeCall([])))
            }
            layout.append((round, base, quote, pools))
        }
        let tag = BlockTag.number(block.number)
        let answers = try await multicall.read(calls, at: tag)

        var observed: [TWAPObservation.Feed] = []
        for (feed, places) in zip(feeds, layout) {
            let round = Self.decodeRound(answers[places.round])
            let baseDecimals = feed.base.decimals ?? places.base.flatMap { Self.decodeDecimals(answers[$0]) }
            let quoteDecimals = feed.quote.decimals ?? places.quote.flatMap { Self.decodeDecimals(answers[$0]) }
            var pools: [TWAPObservation.Pool] = []
            for (pool, index) in zip(feed.pools, places.pools) {
                var reading = Self.decodeObserve(answers[index])
                if reading == nil {
                    reading = await Self.whyObserveFailed(pool: pool.address, window: feed.window, at: tag, rpc: multicall.rpc)
                }
                pools.append(TWAPObservation.Pool(
                    spec: pool, window: feed.window, token0: Self.decodeAddress(answers[index + 1], Self.token0Function),
                    token1: Self.decodeAddress(answers[index + 2], Self.token1Function),
                    reading: reading ?? .failed("observe answered nothing")))
            }
            observed.append(TWAPObservation.Feed(
                spec: feed, baseDecimals: baseDecimals, quoteDecimals: quoteDecimals, pools: pools, lastRound: round))
        }
        return TWAPObservation(block: block.number, timestamp: block.timestamp, sink: sink, feeds: observed)
    }

    static func observeCall(window: UInt32) throws(ABIError) -> [UInt8] {
        try observeFunction.encodeCall([.array([.uint(U256(UInt64(window))), .uint(.zero)])])
    }

    /// The cumulatives of a successful `observe`; nil when the call reverted (the answer is nil);
    /// `.failed` when it answered something that does not decode.
    static func decodeObserve(_ answer: Multicall3.Result) -> TWAPObservation.Reading? {
        guard let data = answer else { return nil }
        guard let values = try? observeFunction.decodeOutput(data), case .array(let ticks)? = values.first, ticks.count == 2,
            let start = ticks[0].intValue?.int64, let end = ticks[1].intValue?.int64
        else {
            return .failed("observe answered \(data.count) bytes that are not two int56 tick cumulatives")
        }
        return .cumulatives(start: start, end: end)
    }

    /// Repeats a reverted `observe` as a plain `eth_call` at the same block to decode its reason.
    static func whyObserveFailed(pool: Address, window: UInt32, at tag: BlockTag, rpc: EthereumRPC) async -> TWAPObservation.Reading {
        do {
            let data = try observeCall(window: window)
            let answer = try await rpc.call(CallRequest(to: pool, data: data), at: tag)
            // It reverted inside Multicall3 but not alone: report what it says now.
            return decodeObserve(answer) ?? .failed("observe reverted inside Multicall3 only")
        } catch let error as RPCError where error.kind == .executionReverted {
            let bytes = error.data?.stringValue.flatMap { try? [UInt8](hex: $0) } ?? []
            let revert = ABIRevert(data: bytes)
            if revert == .error("OLD") { return .historyTooShort }
            return .failed("observe reverted: \(revert)")
        } catch {
            return .failed("observe could not be called: \(error)")
        }
    }

    static func decodeRound(_ answer: Multicall3.Result) -> TWAPObservation.SinkRound? {
        guard let data = answer, let values = try? latestRoundDataFunction.decodeOutput(data), values.count == 4,
            let roundID = values[0].uintValue, let price = values[1].uintValue,
            let observedAt = values[2].uintValue?.uint64, let updatedAt = values[3].uintValue?.uint64
        else { return nil }
        return TWAPObservation.SinkRound(roundID: roundID, price: price, observedAt: observedAt, updatedAt: updatedAt)
    }

    static func decodeDecimals(_ answer: Multicall3.Result) -> Int? {
        guard let data = answer, let values = try? decimalsFunction.decodeOutput(data),
            let decimals = values.first?.uintValue?.uint64, decimals <= 77
        else { return nil }
        return Int(decimals)
    }

    static func decodeAddress(_ answer: Multicall3.Result, _ function: ABIFunction) -> Address? {
        guard let data = answer, let values = try? function.decodeOutput(data) else { return nil }
        return values.first?.addressValue
    }
}
