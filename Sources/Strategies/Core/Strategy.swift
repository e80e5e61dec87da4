public import Oracle

/// A pure decision: from a Snapshot to the intents it calls for. No network, no signer, no
/// clock but the snapshot's block time, so the same snapshot always gives the same intents.
public protocol Strategy: Sendable {
    /// The configured name; also the key of this strategy's section in the snapshot.
    var name: String { get }

    /// The intents this snapshot calls for (often none), each with a human reason.
    func decide(_ snapshot: Snapshot) -> StrategyDecision
}

/// A strategy's answer: intents to act on, and notes for the operator about what it saw but did
/// not act on (missing data, a guard that held).
public struct StrategyDecision: Sendable {
    public var intents: [Intent]
    public var notes: [Note]

    public init(intents: [Intent] = [], notes: [Note] = []) {
        self.intents = intents
        self.notes = notes
    }

    /// Something an operator may want to know, logged at the given level.
    public struct Note: Sendable, Hashable {
        public enum Level: String, Sendable, Hashable { case info, warning }
        public var level: Level
        public var message: String

        public init(_ level: Level, _ message: String) {
            self.level = level
            self.message = message
        }
    }
}
