public import EVM

/// A decided request, holding its place in the budgets and the nonce slot until it is committed
/// or declined. Returned by ``SignerStore/reserve(_:evaluate:)``; owned by the request's thread
/// (not `Sendable`).
///
/// Complete it exactly once: ``commit(_:audit:)`` after signing an allowed request, or
/// ``decline(audit:rule:reason:)`` for a refusal (or an allowed request that was not signed after
/// all). Then ``waitDurable()`` before answering. A reservation dropped without either is taken
/// back (and logged), with no audit row.
public final class Reservation {
    /// The decision: the policy's, or a `nonce` refusal when the store's own check of the nonce
    /// rule disagreed.
    public let decision: PolicyDecision
    private let store: SignerStore
    private let ticket: ReservationTicket
    private var completed = false
    private var batch: UInt64?
    private var closedError: SignerStoreError?

    init(store: SignerStore, ticket: ReservationTicket) {
        self.store = store
        self.ticket = ticket
        self.decision = ticket.decision
    }

    deinit {
        if !completed { store.abandon(ticket) }
    }

    /// Queues the spend, the signed transaction (for a first signature or a replacement) and the
    /// audit row (allowed, with the matched rule and the transaction hash) for the next commit.
    /// `signed` must be the reserved transaction. Throws when the reservation was refused or
    /// already completed, or when the store failed: then return no signature.
    public func commit(_ signed: SignedTransaction, audit: AuditRequest) throws(SignerStoreError) {
        guard !completed else {
            throw SignerStoreError(.misuse, "this reservation was already committed or declined; reserve again")
        }
        batch = try store.commit(ticket, signed: signed, audit: audit)
        completed = true
    }

    /// Takes the reservation back and queues a refusal audit row: with the decision's rule and
    /// reason, or `rule` and `reason` when given (required to say why, for an allowed request that
    /// is not signed, e.g. `rule: "internal"`). Without a live store the row is not written and
    /// ``waitDurable()`` throws.
    public func decline(audit: AuditRequest, rule: String? = nil, reason: String? = nil) {
        guard !completed else { return }
        completed = true
        batch = store.decline(ticket, audit: audit, rule: rule, reason: reason)
        if batch == nil {
            closedError = store.failure.map(LedgerState.failedError)
                ?? SignerStoreError(.closed, "the signer's store is closed (the signer is shutting down); the audit row was not written")
        }
    }

    /// Blocks until the rows queued by ``commit(_:audit:)`` or ``decline(audit:rule:reason:)`` are
    /// committed. Throws when the commit failed or the store closed first: then answer with a
    /// refusal and return no signature.
    public func waitDurable() throws(SignerStoreError) {
        try durableTicket().waitDurable()
    }

    /// What ``waitDurable()`` waits for, to wait for later (with others: see
    /// ``DeferredDurability``). Throws what ``waitDurable()`` would throw at once.
    public func durableTicket() throws(SignerStoreError) -> DurableTicket {
        if let closedError { throw closedError }
        guard let batch else {
            throw SignerStoreError(.misuse, "waitDurable() before commit or decline: nothing was queued")
        }
        return DurableTicket(store: store, batch: batch)
    }
}

/// A queued audit row (``SignerStore/record(_:)``): wait for it before answering.
public struct DurableTicket: Sendable {
    let store: SignerStore
    let batch: UInt64

    /// Blocks until the row is committed; throws when the commit failed or the store closed first.
    public func waitDurable() throws(SignerStoreError) {
        try store.waitDurable(batch)
    }
}
