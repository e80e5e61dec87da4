import EVM
public import Oracle
public import Strategies

/// Computes a feed's TWAP on demand, over any window, at the latest block: the observer's reads
/// (``TWAPObserver/read(at:multicall:)``) and the strategy's math (``TWAPFeedPrice/compute(_:)``),
/// for `GET /api/twap/{feed}/{window}`.
public struct TWAPQuoter: Sendable {
    /// A configured feed and the sink its strategy pushes to.
    struct Source: Sendable {
        var spec: TWAPFeedSpec
        var sink: Address
    }

    /// One on-demand answer.
    public struct Quote: Sendable, Hashable {
        public var block: UInt64
        public var timestamp: UInt64
        public var price: TWAPFeedPrice
    }

    private let sources: [String: Source]
    private let rpc: EthereumRPC
    private let multicall: Multicall3

    /// A quoter for the feeds of every `twap-push` strategy among `strategies` (the first
    /// strategy that names a feed wins).
    public init(strategies: [any Strategy], rpc: EthereumRPC, multicall: Multicall3) {
        var sources: [String: Source] = [:]
        for strategy in strategies.compactMap({ $0 as? TWAPPushStrategy }) {
            for feed in strategy.config.feeds where sources[feed.spec.name] == nil {
                sources[feed.spec.name] = Source(spec: feed.spec, sink: strategy.config.sink)
            }
        }
        self.sources = sources
        self.rpc = rpc
        self.multicall = multicall
    }

    /// Whether `feed` is configured.
    public func knows(_ feed: String) -> Bool { sources[feed] != nil }

    /// The configured feeds, sorted.
    public var feeds: [String] { sources.keys.sorted() }

    /// The TWAP of `feed` over `window` seconds at the latest block; nil for an unknown feed.
    public func quote(feed: String, window: UInt32) async throws -> Quote? {
        guard var source = sources[feed] else { return nil }
        source.spec.window = window
        guard let head = try await rpc.block(.latest) else {
            throw RPCError(.malformed, endpoint: nil, message: "the node has no latest block")
        }
        let observer = TWAPObserver(strategy: "api", sink: source.sink, feeds: [source.spec])
        let observation = try await observer.read(at: head, multicall: multicall)
        guard let observed = observation.feeds.first else { return nil }
        return Quote(block: observation.block, timestamp: observation.timestamp, price: TWAPFeedPrice.compute(observed))
    }
}
