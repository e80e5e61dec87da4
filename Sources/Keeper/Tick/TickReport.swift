public import Oracle

/// What one tick did, for logs, `STATUS=` and tests.
public struct TickReport: Sendable {
    /// How the head moved.
    public enum Head: String, Sendable, Hashable {
        case first, advanced, reorganised, unchanged
    }

    /// The block the snapshot was pinned to.
    public var block: BlockHeader
    public var head: Head
    /// Every intent planned this tick (actionable or not), in decision order: what dry-run prints.
    public var plans: [PlannedTransaction] = []
    /// Strategies whose observer failed or timed out, with the reason.
    public var observerFailures: [String: String] = [:]
    /// Intents whose simulation reverted (dropped, never sent).
    public var reverted: [String] = []
    /// Intents skipped because their key is already stored.
    public var alreadyKnown: [String] = []
    /// Intents held back because the account is at its in-flight bound.
    public var held: [String] = []
    /// Intents whose first transaction was broadcast this tick.
    public var sent: [String] = []
    /// Intents the signer refused, with the rule.
    public var refused: [String: String] = [:]
    /// Intents failed for another reason this tick (node refusal, revert on chain).
    public var failed: [String] = []
    /// Replacements broadcast this tick.
    public var replaced: [String] = []
    /// Transactions that reached their confirmations this tick.
    public var confirmed: [String] = []
    /// Transactions whose nonce went elsewhere.
    public var dropped: [String] = []
    /// Unmined transactions of the account after the tick.
    public var inFlight = 0
    /// The account's next nonce after the tick (dry-run: the chain's pending count).
    public var nextNonce: UInt64?
    /// Something went wrong that the next tick retries (signer or node unreachable).
    public var problems: [String] = []

    public init(block: BlockHeader, head: Head) {
        self.block = block
        self.head = head
    }

    /// One line for `STATUS=` and the tick log: `block 1234: 2 planned, 1 sent, 1 in flight`.
    public var summary: String {
        var parts = ["block \(block.number)"]
        if head == .unchanged { parts.append("head unchanged") }
        if head == .reorganised { parts.append("reorg") }
        if !plans.isEmpty { parts.append("\(plans.count) planned") }
        if !sent.isEmpty { parts.append("\(sent.count) sent") }
        if !replaced.isEmpty { parts.append("\(replaced.count) replaced") }
        if !confirmed.isEmpty { parts.append("\(confirmed.count) confirmed") }
        if !reverted.isEmpty { parts.append("\(reverted.count) reverted in simulation") }
        if !refused.isEmpty { parts.append("\(refused.count) refused by the signer") }
        if !failed.isEmpty { parts.append("\(failed.count) failed") }
        if !held.isEmpty { parts.append("\(held.count) held") }
        if !observerFailures.isEmpty { parts.append("\(observerFailures.count) observer(s) failed") }
        parts.append("\(inFlight) in flight")
        return parts[0] + ": " + parts.dropFirst().joined(separator: ", ")
    }
}
