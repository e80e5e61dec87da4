/// The durability waits of a run of requests that arrived together on one connection, left to
/// the end of the run: the answers are held until everything the run recorded (spends, signed
/// transactions, audit rows) is durable, then sent at once.
///
/// Waiting once per run instead of once per request lets a client that pipelines put many
/// requests in one group commit; what leaves the process is the same: no answer, signature or
/// refusal, before its records are durable (``RPCDispatcher/respond(toRun:peer:into:)``).
/// Owned by the connection's thread for the run (hence `@unchecked Sendable`: it only rides in
/// the ``RequestContext``).
public final class DeferredDurability: @unchecked Sendable {
    /// The latest batch queued by the run: batches commit in order, so waiting for it waits for
    /// all of them.
    private var latest: DurableTicket?

    public init() {}

    /// Adds what a request of the run queued.
    func include(_ ticket: DurableTicket) {
        if let latest, latest.batch >= ticket.batch { return }
        latest = ticket
    }

    /// Blocks until everything the run queued is durable; throws when a commit failed or the
    /// store closed first (then none of the run's answers may leave).
    public func wait() throws(SignerStoreError) {
        try latest?.waitDurable()
    }
}
