import EVM
public import Oracle
public import Strategies
import Synchronization

/// The oracle's latest figures per TWAP feed, for the read API: the price the last tick computed
/// and the last push the sink holds. The keeper updates it once per tick with ``record(_:)``
/// (it picks the ``TWAPObservation`` sections out of the snapshot) and, when a push is mined,
/// with ``recordMinedPush(_:block:transactionHash:)``; HTTP handlers read it from any thread.
public final class PriceBook: Sendable {
    /// What the last tick computed for a feed.
    public struct Computed: Sendable, Hashable {
        public var price: TWAPFeedPrice
        public var block: UInt64
        public var timestamp: UInt64
    }

    /// The sink's latest round for a feed, as read at `readAtBlock`; `block` and
    /// `transactionHash` when the keeper saw the receipt of the push that made it.
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

    private struct MinedPush: Sendable, Hashable {
        var observedAt: UInt64
        var price: U256
        var block: UInt64
        var transactionHash: [UInt8]?
    }

    private struct State: Sendable {
        var entries: [String: Entry] = [:]
        /// Mined pushes by feed id, matched to the sink's round by `observedAt` and price.
        var mined: [[UInt8]: MinedPush] = [:]
    }

    private let state = Mutex(State())

    /// A book that knows `feeds` (so the API answers for them before the first tick).
    public init(feeds: [TWAPFeedSpec] = []) {
        register(feeds)
    }

    /// A book for the feeds of every `twap-push` strategy among `strategies`.
    public convenience init(strategies: [any Strategy]) {
        self.init(feeds: strategies.compactMap { $0 as? TWAPPushStrategy }.flatMap { $0.config.feeds.map(\.spec) })
    }

    /// Makes `feeds` known (a feed already known keeps its figures).
    public func register(_ feeds: [TWAPFeedSpec]) {
        state.withLock { state in
            for spec in feeds where state.entries[spec.name] == nil {
                state.entries[spec.name] = Entry(feed: spec.name, feedID: spec.feedID, outputDecimals: spec.outputDecimals)
            }
        }
    }

    /// Records every TWAP section of a tick's snapshot.
    public func record(_ snapshot: Snapshot) {
        for section in snapshot.sections.values {
            if let observation = section as? TWAPObservation { record(observation) }
        }
    }

    /// Records one observation: the computed price of each feed and the sink's latest round.
    public func record(_ observation: TWAPObservation) {
        let computed = observation.feeds.map { ($0, TWAPFeedPrice.compute($0)) }
        state.withLock { state in
            for (feed, price) in computed {
                let spec = feed.spec
                var entry = state.entries[spec.name]
                    ?? Entry(feed: spec.name, feedID: spec.feedID, outputDecimals: spec.outputDecimals)
                entry.outputDecimals = spec.outputDecimals
                entry.lastComputed = Computed(price: price, block: observation.block, timestamp: observation.timestamp)
                if let round = feed.lastRound, !round.isEmpty {
                    var pushed = Pushed(round: round, readAtBlock: observation.block)
                    if let mined = state.mined[spec.feedID], mined.observedAt == round.observedAt, mined.price == round.price {
                        pushed.block = mined.block
                        pushed.transactionHash = mined.transactionHash
                    }
                    entry.lastPushed = pushed
                }
                state.entries[spec.name] = entry
            }
        }
    }

    /// Records that a `pushPrice` intent was mined in `block`, so the API can name the push's
    /// block and transaction. Intents that are not `pushPrice` calls are ignored.
    public func recordMinedPush(_ intent: Intent, block: UInt64, transactionHash: [UInt8]?) {
        guard intent.function.selector == TWAPPushStrategy.pushPrice.selector, intent.arguments.count == 3,
            let feedID = intent.arguments[0].bytesValue, let price = intent.arguments[1].uintValue,
            let observedAt = intent.arguments[2].uintValue?.uint64
        else { return }
        state.withLock { state in
            state.mined[feedID] = MinedPush(observedAt: observedAt, price: price, block: block, transactionHash: transactionHash)
            for (name, entry) in state.entries where entry.feedID == feedID {
                if var pushed = entry.lastPushed, pushed.round.observedAt == observedAt, pushed.round.price == price {
                    pushed.block = block
                    pushed.transactionHash = transactionHash
                    state.entries[name]?.lastPushed = pushed
                }
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
