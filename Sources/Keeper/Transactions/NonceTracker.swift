public import EVM

/// The next nonce per account, kept by the keeper (and persisted) rather than asked of the node
/// each time: a node's pending count lags, forgets dropped transactions and differs between
/// endpoints.
///
/// At start the keeper syncs with `max(local, chain pending)`, as Chainlink's transaction manager
/// does; a difference is reported so the operator learns that another process uses the key, or
/// that transactions were lost.
public struct NonceTracker: Sendable, Hashable {
    private var next: [Address: UInt64] = [:]

    public init() {}

    /// How the stored and the chain's nonces disagreed at sync.
    public enum Divergence: Sendable, Hashable {
        /// The chain is ahead: something else signed with this key.
        case chainAhead(local: UInt64, chain: UInt64)
        /// We are ahead: transactions we sent are unknown to the node (dropped from its pool).
        case localAhead(local: UInt64, chain: UInt64)
    }

    /// Sets the account's next nonce to max(local, chain pending); returns the divergence, if any.
    public mutating func sync(_ account: Address, local: UInt64?, chainPending: UInt64) -> Divergence? {
        let localValue = local ?? chainPending
        next[account] = max(localValue, chainPending)
        if localValue < chainPending { return .chainAhead(local: localValue, chain: chainPending) }
        if localValue > chainPending { return .localAhead(local: localValue, chain: chainPending) }
        return nil
    }

    /// The nonce the next transaction from `account` will use (nil before ``sync(_:local:chainPending:)``).
    public func peek(_ account: Address) -> UInt64? { next[account] }

    /// Takes the next nonce. Nil when the account was never synced.
    public mutating func reserve(_ account: Address) -> UInt64? {
        guard let n = next[account] else { return nil }
        next[account] = n + 1
        return n
    }

    /// Gives back a nonce that was reserved but never broadcast (the signer refused, say).
    /// Only the most recent reservation can be given back; otherwise returns false, and the
    /// caller must fill the gap, because a nonce gap stalls every later transaction.
    public mutating func release(_ account: Address, nonce: UInt64) -> Bool {
        guard let n = next[account], n == nonce + 1 else { return false }
        next[account] = nonce
        return true
    }
}
