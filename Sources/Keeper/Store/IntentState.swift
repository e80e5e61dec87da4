/// Where an intent is in its life. Persisted as its raw value.
///
///     planned -> signed -> sent -> confirmed
///        |          \        \---> failed (reverted on chain) | dropped (nonce used elsewhere)
///        \-> failed (simulation revert, signer refusal)
///
/// A planned intent that already has a nonce and fees is being signed: after a crash the keeper
/// asks the signer for exactly the same transaction again, which is safe because signatures are
/// deterministic and the signer allows re-signing an identical transaction.
public enum IntentState: String, Sendable, Hashable, CaseIterable {
    case planned, signed, sent, confirmed, failed, dropped

    /// Whether nothing more will happen to an intent in this state.
    public var isFinal: Bool { self == .confirmed || self == .failed || self == .dropped }
}
