import EVM
public import Oracle
public import Strategies
import Synchronization

/// The oracle's latest figures per TWAP feed, for the read API: the price the last tick computed
/// and the last push the sink holds, read from the chain at the tick's block, with the block and
/// transaction that mined it (found by the observer from the sink's `PricePushed` log). The
/// keeper updates it once per tick with ``record(_:)`` (it picks the ``TWAPObservation`` sections
/// out of the snapshot) and swaps its feeds on a reload with ``configure(strategies:)``; HTTP
/// handlers read it from any thread.
public final class PriceBook: Sendable {
    /// What the last tick computed for a feed.
    public struct Computed: Sendable, Hashable {
        public var price: TWAPFeedPrice
        public var block: UInt64
        public var timestamp: UInt64
    }

    /// The sink's latest round for a feed, as read at `readAtBlock`; `block` and
    /// `transactionHash` of the push that made it, once found on chain.
    public struct Pushed: Sendable, Hashable {
        public var round: TWAPObservation.SinkRound
        public var readAtBlock: UInt64
        public var block: UInt64?
        public var transactionHash: [UInt8]?
    }

    /// Everything known about one feed.
    public struct Entry: Sendable, Hashable {
        public var feed: String
        public var feedID: [UInt8]
        public var outputDecimals: Int
        public var lastComputed: Computed?
        public var lastPushed: Pushed?
    }

    private struct State: Sendable {
        var entries: [String: Entry] = [:]
    }

    private let state = Mutex(State())

    /// A book that knows `feeds` (so the API answers for them before the first tick).
    public init(feeds: [TWAPFeedSpec] = []) {
        register(feeds)
    }

    /// A book for the feeds of every `twap-push` strategy among `strategies`.
    public convenience init(strategies: [any Strategy]) {
        self.init(feeds: Self.feeds(of: strategies))
    }

    /// Makes `feeds` known (a feed already known keeps its figures).
    public func register(_ feeds: [TWAPFeedSpec]) {
        state.withLock { state in
            for spec in feeds where state.entries[spec.name] == nil {
                state.entries[spec.name] = Entry(feed: spec.name, feedID: spec.feedID, outputDecimals: spec.outputDecimals)
            }
        }
    }

    /// Makes the feeds of the `twap-push` strategies among `strategies` exactly the known ones
    /// (a config reload): a feed no longer configured is forgotten, a new one is known at once,
    /// and one that stays keeps its figures unless its on-chain id or decimals changed (then the
    /// old figures describe another feed, and the next tick fills it again).
    public func configure(strategies: [any Strategy]) {
        configure(feeds: Self.feeds(of: strategies))
    }

    /// Makes `feeds` exactly the known feeds (see ``configure(strategies:)``).
    public func configure(feeds: [TWAPFeedSpec]) {
        state.withLock { state in
            var entries: [String: Entry] = [:]
            for spec in feeds where entries[spec.name] == nil {
                if let old = state.entries[spec.name], old.feedID == spec.feedID, old.outputDecimals == spec.outputDecimals {
                    entries[spec.name] = old
                } else {
                    entries[spec.name] = Entry(feed: spec.name, feedID: spec.feedID, outputDecimals: spec.outputDecimals)
                }
            }
            state.entries = entries
        }
    }

    static func feeds(of strategies: [any Strategy]) -> [TWAPFeedSpec] {
        strategies.compactMap { $0 as? TWAPPushStrategy }.flatMap { $0.config.feeds.map(\.spec) }
    }

    /// Records every TWAP section of a tick's snapshot.
    public func record(_ snapshot: Snapshot) {
        for section in snapshot.sections.values {
            if let observation = section as? TWAPObservation { record(observation) }
        }
    }

    /// Records one observation: the computed price of each known feed and the sink's latest
    /// round. A feed the book does not know is ignored: an observation made before a reload that
    /// removed the feed must not bring it back.
    public func record(_ observation: TWAPObservation) {
        let computed = observation.feeds.map { ($0, TWAPFeedPrice.compute($0)) }
        state.withLock { state in
            for (feed, price) in computed {
                let spec = feed.spec
                guard var entry = state.entries[spec.name], entry.feedID == spec.feedID,
                    entry.outputDecimals == spec.outputDecimals
                else { continue }
                entry.lastComputed = Computed(price: price, block: observation.block, timestamp: observation.timestamp)
                if let round = feed.lastRound, !round.isEmpty {
                    var pushed = Pushed(round: round, readAtBlock: observation.block)
                    if let push = feed.lastPush {
                        pushed.block = push.block
                        pushed.transactionHash = push.transactionHash
                    } else if let old = entry.lastPushed, old.round == round {
                        // The same round as before, whose block was found then (this tick's
                        // lookup failed): keep it.
                        pushed.block = old.block
                        pushed.transactionHash = old.transactionHash
                    }
                    entry.lastPushed = pushed
                }
                state.entries[spec.name] = entry
            }
        }
    }

    /// The figures of `feed`, nil when the feed is unknown.
    public func entry(_ feed: String) -> Entry? {
        state.withLock { $0.entries[feed] }
    }

    /// The known feeds, sorted.
    public var feeds: [String] {
        state.withLock { $0.entries.keys.sorted() }
    }
}
