import EVM
public import Oracle
public import Strategies
import Synchronization

/// Computes a feed's TWAP on demand, over any window, at the latest block: the observer's reads
/// (``TWAPObserver/read(at:multicall:)``) and the strategy's math (``TWAPFeedPrice/compute(_:)``),
/// for `GET /api/twap/{feed}/{window}`. Its feeds are swapped by ``configure(strategies:)`` when
/// the config is reloaded; HTTP handlers may ask from any thread meanwhile.
public final class TWAPQuoter: Sendable {
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

    private let sources: Mutex<[String: Source]>
    private let rpc: EthereumRPC
    private let multicall: Multicall3

    /// A quoter for the feeds of every `twap-push` strategy among `strategies` (the first
    /// strategy that names a feed wins).
    public init(strategies: [any Strategy], rpc: EthereumRPC, multicall: Multicall3) {
        self.sources = Mutex(Self.sources(of: strategies))
        self.rpc = rpc
        self.multicall = multicall
    }

    /// Replaces the feeds with those of `strategies` (a config reload): a removed feed is
    /// unknown from now on, a new one is quoted at once.
    public func configure(strategies: [any Strategy]) {
        let new = Self.sources(of: strategies)
        sources.withLock { $0 = new }
    }

    private static func sources(of strategies: [any Strategy]) -> [String: Source] {
        var sources: [String: Source] = [:]
        for strategy in strategies.compactMap({ $0 as? TWAPPushStrategy }) {
            for feed in strategy.config.feeds where sources[feed.spec.name] == nil {
                sources[feed.spec.name] = Source(spec: feed.spec, sink: strategy.config.sink)
            }
        }
        return sources
    }

    /// Whether `feed` is configured.
    public func knows(_ feed: String) -> Bool { sources.withLock { $0[feed] != nil } }

    /// The configured feeds, sorted.
    public var feeds: [String] { sources.withLock { $0.keys.sorted() } }

    /// The TWAP of `feed` over `window` seconds at the latest block; nil for an unknown feed.
    public func quote(feed: String, window: UInt32) async throws -> Quote? {
        guard var source = sources.withLock({ $0[feed] }) else { return nil }
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
