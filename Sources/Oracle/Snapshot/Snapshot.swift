
/// Everything one tick knows about the world, read at one pinned block, as plain values.
///
/// The Oracle builds it (RPC batches and Multicall3 reads at `block.number`, subgraph pages for
/// discovery); strategies decide from it and nothing else, so a decision can be replayed and
/// tested without a network. Each strategy's observation is its own section; a section is nil
/// when that strategy is disabled or its reads failed this tick.
public struct Snapshot: Sendable {
    public var chainID: UInt64
    /// The block every chain read of this snapshot is pinned to.
    public var block: BlockHeader
    /// Observations keyed by strategy name; each strategy knows its own type.
    public var sections: [String: any Sendable]
    /// What the keeper has already done, for cooldowns and idempotency.
    public var history: IntentHistory

    public init(chainID: UInt64, block: BlockHeader, sections: [String: any Sendable] = [:], history: IntentHistory = IntentHistory()) {
        self.chainID = chainID
        self.block = block
        self.sections = sections
        self.history = history
    }

    /// The section of `strategy`, when present and of the expected type.
    public func section<T: Sendable>(_ strategy: String, as type: T.Type = T.self) -> T? {
        sections[strategy] as? T
    }
}

/// What the keeper remembers of earlier intents: the last effect time per idempotency key and
/// per subject (a user, a feed), so strategies can apply cooldowns without doing I/O.
public struct IntentHistory: Sendable, Hashable {
    /// Idempotency keys that already produced (or are producing) an effect.
    public var keys: Set<String>
    /// The block time of the latest intent per subject (for example `aave-protection/0xabc..`).
    public var lastActionTime: [String: UInt64]

    public init(keys: Set<String> = [], lastActionTime: [String: UInt64] = [:]) {
        self.keys = keys
        self.lastActionTime = lastActionTime
    }
}
