public import EVM
public import Oracle
public import TOML

/// The `[strategies.NAME]` table of a `twap-push` strategy, read and checked.
///
/// ```toml
/// [strategies.twap-push]
/// kind = "twap-push"
/// enabled = true
/// sink = "PriceFeedSink"          # [contracts] name or 0x address
/// window_seconds = 1800           # defaults for every feed (shown: the defaults)
/// deviation_bps = 50
/// heartbeat_seconds = 3600
/// output_decimals = 18
///
/// [[strategies.twap-push.feeds]]
/// id = "WETH/USDC"                # pushed as bytes32: ASCII, left-aligned, zero-padded
/// base = "WETH"                   # [contracts] name or 0x address
/// quote = "USDC"
/// pools = ["WETH/USDC-500", "WETH/USDC-3000"]
/// ```
///
/// Each feed may override `window_seconds`, `deviation_bps`, `heartbeat_seconds`,
/// `output_decimals`, `min_pools` and `retry_after_seconds`, and may give `base_decimals` /
/// `quote_decimals` (otherwise `decimals()` is read on chain at the pinned block) and `feed_id`
/// (a 0x bytes32 to push instead of the ASCII id).
public struct TWAPPushConfig: Sendable, Hashable {
    public static let defaultWindowSeconds: UInt32 = 1800
    public static let defaultDeviationBps = 50
    public static let defaultHeartbeatSeconds: UInt64 = 3600
    public static let defaultOutputDecimals = 18
    public static let defaultMinPools = 1
    public static let defaultRetryAfterSeconds: UInt64 = 600

    /// The `PriceFeedSink` by its config name and address.
    public var sinkName: String
    public var sink: Address
    public var feeds: [Feed]

    /// One feed with its push rules.
    public struct Feed: Sendable, Hashable {
        public var spec: TWAPFeedSpec
        /// Push when the price moved at least this much (basis points) from the last push.
        public var deviationBps: Int
        /// Push when at least this long (seconds) has passed since the last push (`updatedAt`).
        public var heartbeatSeconds: UInt64
        /// Fewest usable pools to compute a price from.
        public var minPools: Int
        /// When a push for the next round was planned but the sink has not moved this long after,
        /// plan it again (under a new idempotency key).
        public var retryAfterSeconds: UInt64

        public init(spec: TWAPFeedSpec, deviationBps: Int, heartbeatSeconds: UInt64, minPools: Int = 1, retryAfterSeconds: UInt64 = 600) {
            self.spec = spec
            self.deviationBps = deviationBps
            self.heartbeatSeconds = heartbeatSeconds
            self.minPools = minPools
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    public init(sinkName: String, sink: Address, feeds: [Feed]) {
        self.sinkName = sinkName
        self.sink = sink
        self.feeds = feeds
    }

    /// Reads the strategy's table. Every key of the strategy's table and of each feed is read
    /// here; unknown keys inside a feed are rejected here, those of the strategy's own table by
    /// the keeper (which also reads `kind` and `enabled`).
    public init(table: TOML.Table, environment: StrategyEnvironment) throws {
        let sinkText = try table.string("sink")
        sinkName = sinkText
        sink = try Self.resolve(sinkText, key: "sink", in: table, environment)
        let window = try Self.window(table, "window_seconds", default: Self.defaultWindowSeconds)
        let deviation = try Self.int(table, "deviation_bps", in: 1...10_000, default: Self.defaultDeviationBps)
        let heartbeat = try Self.seconds(table, "heartbeat_seconds", default: Self.defaultHeartbeatSeconds)
        let outputDecimals = try Self.int(table, "output_decimals", in: 0...38, default: Self.defaultOutputDecimals)
        let minPools = try Self.int(table, "min_pools", in: 1...64, default: Self.defaultMinPools)
        let retryAfter = try Self.seconds(table, "retry_after_seconds", default: Self.defaultRetryAfterSeconds)

        let feedTables = try table.arrayOfTables("feeds")
        guard !feedTables.isEmpty else { throw table.error(key: "feeds", "needs at least one feed ([[\(table.keyPath).feeds]])") }
        var feeds: [Feed] = []
        var names: Set<String> = []
        var ids: Set<[UInt8]> = []
        for feed in feedTables {
            let name = try feed.string("id")
            guard names.insert(name).inserted else { throw feed.error(key: "id", "feed '\(name)' is configured twice") }
            let feedID: [UInt8]
            if let raw = try feed.optionalString("feed_id") {
                guard raw.hasPrefix("0x"), let bytes = try? [UInt8](hex: raw), bytes.count == 32 else {
                    throw feed.error(key: "feed_id", "expected a 0x-prefixed bytes32 (64 hex digits), found '\(raw)'")
                }
                feedID = bytes
            } else {
                guard let bytes = TWAPFeedSpec.feedID(ascii: name) else {
                    throw feed.error(key: "id", "'\(name)' is not 1 to 31 printable ASCII characters, so it cannot be a bytes32 feed id; shorten it or give feed_id = \"0x...\"")
                }
                feedID = bytes
            }
            guard ids.insert(feedID).inserted else { throw feed.error(key: "id", "feed id \(Hex.encode(feedID)) is used by another feed") }

            let baseText = try feed.string("base")
            let quoteText = try feed.string("quote")
            let base = TWAPToken(
                name: baseText, address: try Self.resolve(baseText, key: "base", in: feed, environment),
                decimals: try Self.optionalInt(feed, "base_decimals", in: 0...38))
            let quote = TWAPToken(
                name: quoteText, address: try Self.resolve(quoteText, key: "quote", in: feed, environment),
                decimals: try Self.optionalInt(feed, "quote_decimals", in: 0...77))
            guard base.address != quote.address else { throw feed.error(key: "quote", "is the same token as base") }

            let poolArray = try feed.array("pools")
            let poolNames = try poolArray.strings()
            guard !poolNames.isEmpty else { throw feed.error(key: "pools", "needs at least one Uniswap V3 pool") }
            var pools: [TWAPPoolSpec] = []
            for poolName in poolNames {
                let address = try Self.resolve(poolName, key: "pools", in: feed, environment)
                guard !pools.contains(where: { $0.address == address }) else {
                    throw feed.error(key: "pools", "lists the pool '\(poolName)' (\(address.checksummed)) twice")
                }
                pools.append(TWAPPoolSpec(name: poolName, address: address))
            }
            let feedMinPools = try Self.int(feed, "min_pools", in: 1...64, default: minPools)
            guard feedMinPools <= pools.count else {
                throw feed.error(key: "min_pools", "is \(feedMinPools), but the feed has only \(pools.count) pool(s)")
            }
            let spec = TWAPFeedSpec(
                name: name, feedID: feedID, base: base, quote: quote, pools: pools,
                window: try Self.window(feed, "window_seconds", default: window),
                outputDecimals: try Self.int(feed, "output_decimals", in: 0...38, default: outputDecimals))
            feeds.append(Feed(
                spec: spec, deviationBps: try Self.int(feed, "deviation_bps", in: 1...10_000, default: deviation),
                heartbeatSeconds: try Self.seconds(feed, "heartbeat_seconds", default: heartbeat), minPools: feedMinPools,
                retryAfterSeconds: try Self.seconds(feed, "retry_after_seconds", default: retryAfter)))
            try feed.rejectUnknownKeys()
        }
        self.feeds = feeds
    }

    // MARK: Reading helpers

    /// A `[contracts]` name, or a 0x address.
    static func resolve(_ text: String, key: String, in table: TOML.Table, _ environment: StrategyEnvironment) throws -> Address {
        if text.hasPrefix("0x") {
            do {
                return try Address(text)
            } catch {
                throw table.error(key: key, "'\(text)' is not an address: \(error)")
            }
        }
        if let contract = environment.contracts[text] { return contract.address }
        let known = environment.contracts.byName.keys.sorted().joined(separator: ", ")
        throw table.error(
            key: key,
            "names the contract '\(text)', which is not in [contracts] (known: \(known.isEmpty ? "none" : known)); add it there or write its 0x address")
    }

    static func int(_ table: TOML.Table, _ key: String, in range: ClosedRange<Int>, default value: Int) throws -> Int {
        try optionalInt(table, key, in: range) ?? value
    }

    static func optionalInt(_ table: TOML.Table, _ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = try table.optionalInt(key) else { return nil }
        guard range.contains(value) else {
            throw table.error(key: key, "is \(value); expected an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    static func seconds(_ table: TOML.Table, _ key: String, default value: UInt64) throws -> UInt64 {
        guard let seconds = try optionalInt(table, key, in: 1...Int(Int32.max)) else { return value }
        return UInt64(seconds)
    }

    static func window(_ table: TOML.Table, _ key: String, default value: UInt32) throws -> UInt32 {
        guard let seconds = try optionalInt(table, key, in: 1...Int(TWAPFeedSpec.maxWindowSeconds)) else { return value }
        return UInt32(seconds)
    }
}
