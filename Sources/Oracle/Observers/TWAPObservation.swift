public import EVM

/// What a ``TWAPObserver`` read at one block: per feed, each pool's tick cumulatives and tokens,
/// the tokens' decimals, and the sink's latest round. Plain values; the strategy and the read API
/// compute prices from it with ``TWAPFeedPrice/compute(_:)``.
public struct TWAPObservation: Sendable, Hashable {
    /// The pinned block and its timestamp ("now" for the heartbeat and `observedAt`).
    public var block: UInt64
    public var timestamp: UInt64
    /// The `PriceFeedSink` read and pushed to.
    public var sink: Address
    /// One entry per configured feed, in config order.
    public var feeds: [Feed]

    public init(block: UInt64, timestamp: UInt64, sink: Address, feeds: [Feed]) {
        self.block = block
        self.timestamp = timestamp
        self.sink = sink
        self.feeds = feeds
    }

    /// The feed called `name`.
    public func feed(_ name: String) -> Feed? { feeds.first { $0.spec.name == name } }

    /// One feed's readings.
    public struct Feed: Sendable, Hashable {
        public var spec: TWAPFeedSpec
        /// Decimals of base and quote (configured, or read on chain); nil when the read failed.
        public var baseDecimals: Int?
        public var quoteDecimals: Int?
        public var pools: [Pool]
        /// The sink's `latestRoundData(feedId)`; nil when the read failed (then nothing is pushed).
        public var lastRound: SinkRound?
        /// Where the push that made ``lastRound`` was mined (``TWAPPushLocator``); nil when not
        /// looked up (``TWAPObserver/read(at:multicall:)`` alone), before the first push, or when
        /// the lookup failed.
        public var lastPush: PushLocation?

        public init(
            spec: TWAPFeedSpec, baseDecimals: Int?, quoteDecimals: Int?, pools: [Pool], lastRound: SinkRound?,
            lastPush: PushLocation? = nil
        ) {
            self.spec = spec
            self.baseDecimals = baseDecimals
            self.quoteDecimals = quoteDecimals
            self.pools = pools
            self.lastRound = lastRound
            self.lastPush = lastPush
        }
    }

    /// The block and transaction of a mined push, from the sink's `PricePushed` log.
    public struct PushLocation: Sendable, Hashable {
        public var block: UInt64
        public var transactionHash: [UInt8]

        public init(block: UInt64, transactionHash: [UInt8]) {
            self.block = block
            self.transactionHash = transactionHash
        }
    }

    /// One pool's readings for one feed.
    public struct Pool: Sendable, Hashable {
        public var spec: TWAPPoolSpec
        /// The window asked of `observe([window, 0])`.
        public var window: UInt32
        /// `token0()` and `token1()`; nil when the read failed.
        public var token0: Address?
        public var token1: Address?
        public var reading: Reading

        public init(spec: TWAPPoolSpec, window: UInt32, token0: Address?, token1: Address?, reading: Reading) {
            self.spec = spec
            self.window = window
            self.token0 = token0
            self.token1 = token1
            self.reading = reading
        }
    }

    /// What `observe([window, 0])` gave.
    public enum Reading: Sendable, Hashable {
        /// The tick cumulatives `window` seconds ago and now.
        case cumulatives(start: Int64, end: Int64)
        /// `observe` reverted with `OLD`: the pool's oldest observation is younger than the window.
        case historyTooShort
        /// Any other failure: a revert with its decoded reason, or an answer that does not decode.
        case failed(String)
    }

    /// `latestRoundData(feedId)`: all zero before the first push.
    public struct SinkRound: Sendable, Hashable {
        public var roundID: U256
        public var price: U256
        public var observedAt: UInt64
        public var updatedAt: UInt64

        public init(roundID: U256, price: U256, observedAt: UInt64, updatedAt: UInt64) {
            self.roundID = roundID
            self.price = price
            self.observedAt = observedAt
            self.updatedAt = updatedAt
        }

        /// Whether the feed has never been pushed.
        public var isEmpty: Bool { roundID == .zero }
    }
}
