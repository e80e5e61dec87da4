public import EVM
public import Foundation
public import Logging
public import SQLite
import TOML

/// The signer's durable state in one SQLite database (WAL, `synchronous=FULL`): the spend ledger
/// behind the budgets, what was signed per (account, chain, nonce), and the hash-chained audit
/// log, with the in-memory view of them that the policy is evaluated against.
///
/// ## Use (one request)
///
/// ```swift
/// let windows = policy.budgets.map(\.window.seconds)
/// let request = LedgerRequest(account: from, transaction: tx, now: now, lookback: windows.max() ?? 0, budgetWindows: windows)
/// let reservation = try store.reserve(request) { view in
///     policy.evaluate(request, history: view, signedAtNonce: view.signedAtNonce, now: view.now)
/// }
/// guard reservation.decision.isAllowed else {
///     reservation.decline(audit: audit)
///     try reservation.waitDurable()          // the refusal's audit row is on disk
///     return refusal(reservation.decision)
/// }
/// let signed = try tx.sign(with: key)        // outside the lock, while a commit may be in flight
/// try reservation.commit(signed, audit: audit)
/// try reservation.waitDurable()              // only now may the signature leave the process
/// return signed
/// ```
///
/// Any error from `reserve`, `commit` or `waitDurable` means: refuse, return no signature. If
/// signing fails after an allowed reservation, `decline(audit:rule:reason:)` takes it back.
/// Requests that reserve nothing (`account_list`, a malformed line) write their audit row with
/// ``record(_:)``.
///
/// ## Durability: group commit
/// A spend and its signed-nonce row are durable before ``Reservation/waitDurable()`` returns, so
/// a crash can over-count (a reservation committed whose signature never left) but never
/// under-count. One committer thread owns the write connection. Request threads append their
/// rows to the open batch and wait; the committer takes the whole open batch the moment it is
/// idle — a lone request is committed at once, with no timer — and writes it in one transaction
/// (one fsync). Rows that arrive during that commit form the next batch, so batches grow with
/// the load by themselves. A failed commit fails every waiter of that batch and of every later
/// one, and the store refuses everything from then on (fail closed; the cause is logged at
/// `critical`); ``whenFailed(_:)`` tells `signer serve`, which stops and exits 1 for a restart.
///
/// Committing at once has a cost under steady load: the first thread back after a commit would
/// get a batch of its own while the others queue behind it, halving the batch size. So when
/// records are pending and more are likely within microseconds — other requests hold
/// reservations (they are signing), or threads released by the last commit have not sent their
/// next request yet — the committer waits for them, up to ``Options/gatherWindow`` (100 us by
/// default). A lone request (none in flight, none of the last batch still away) is committed at
/// once. Under steady load this keeps all the connections in one batch instead of two that
/// alternate.
///
/// ## Locking
/// One mutex guards all the in-memory state (``LedgerState``): spends, nonce slots, the pending
/// batch and the commit status. ``reserve(_:evaluate:)`` holds it while it reads the slot and
/// the spends, runs `evaluate` and adds the reservation, so check-and-reserve is atomic: two
/// requests can never both pass a budget only one fits. Keep `evaluate` pure and quick, and do
/// not call the store from it (the lock is not reentrant). The lock is *not* held during signing,
/// during the commit's I/O (the committer works on a batch it took out of the state), or while
/// waiting (a condition variable releases it). A nonce slot that is not cached is read from the
/// database under the lock, through a separate read connection; that happens only for a nonce at
/// or below the highest signed one, i.e. after a restart or an eviction.
///
/// ## What memory holds
/// Spends of the last `max(retention, lookback)` seconds (loaded at open; a request with a longer
/// lookback loads the rest once), pending and reserved ones included, with running totals per
/// budget window so that a budget check costs O(1) (``AccountSpends``). Nonce slots used since
/// start, up to ``Options/slotCacheCapacity`` (slots with rows not yet durable are never
/// evicted; the others are read back from the database when needed).
///
/// ## Opening
/// A file that cannot be opened, is not a SQLite database, fails `PRAGMA quick_check`, belongs
/// to another program, has a newer schema, or whose audit head does not match its anchor is an
/// error: the signer must not start on it.
public final class SignerStore: @unchecked Sendable {
    /// Settings for ``init(path:options:logger:now:)``.
    public struct Options: Sendable {
        /// `PRAGMA synchronous`; `.full` (the default) is what makes a commit durable.
        public var synchronous: SQLite.Connection.Synchronous
        /// Seconds of spends loaded at start and kept in memory: at least the longest budget
        /// window of the policy (a request asking for more loads the rest; see
        /// ``LedgerRequest/lookback``).
        public var retention: Int64
        /// How many nonce slots stay cached.
        public var slotCacheCapacity: Int
        /// Run `PRAGMA quick_check` when opening (reads the whole file once).
        public var integrityCheck: Bool
        /// The audit anchor is logged at most this often (and at close).
        public var anchorLogInterval: Duration
        /// How long the committer may wait, with records pending, for requests that have reserved
        /// and are signing to join the batch. Never waited when no request is in flight, so a
        /// lone request commits at once; zero turns gathering off.
        public var gatherWindow: Duration
        /// How long a request waits for its records to be committed (``Reservation/waitDurable()``)
        /// before it is refused with ``SignerStoreError/Kind/timedOut``: a commit normally takes
        /// well under a millisecond, so a longer wait means the database is locked by another
        /// process or the disk stalls, and the caller gets a refusal instead of a hang.
        public var commitTimeout: Duration
        /// Commits between two checkpoints, which a thread of their own runs (``LedgerCheckpointer``);
        /// zero leaves them to SQLite, inside the commits.
        public var checkpointEvery: Int
        /// With ``checkpointEvery``: the log size, in pages, at which a commit checkpoints itself
        /// (a backstop for logs the background checkpoints never quite catch up with).
        public var checkpointBackstopPages: Int

        public init(
            synchronous: SQLite.Connection.Synchronous = .full, retention: Int64 = 86_400, slotCacheCapacity: Int = 65_536,
            integrityCheck: Bool = true, anchorLogInterval: Duration = .seconds(1), gatherWindow: Duration = .microseconds(100),
            commitTimeout: Duration = .seconds(2), checkpointEvery: Int = 64, checkpointBackstopPages: Int = 4096
        ) {
            self.synchronous = synchronous
            self.retention = retention
            self.slotCacheCapacity = slotCacheCapacity
            self.integrityCheck = integrityCheck
            self.anchorLogInterval = anchorLogInterval
            self.gatherWindow = gatherWindow
            self.commitTimeout = commitTimeout
            self.checkpointEvery = checkpointEvery
            self.checkpointBackstopPages = checkpointBackstopPages
        }
    }

    /// The database file.
    public let path: String
    private let logger: Logger
    /// How long a request waits for its commit (``Options/commitTimeout``).
    public let commitTimeout: Duration
    private let lock = LedgerLock()
    /// Guarded by `lock`.
    private var state: LedgerState
    /// Guarded by `lock` (it holds the read connection).
    private let reader: LedgerReader
    /// Guarded by `lock`: set when the committer thread has returned.
    private var committerExited = false
    /// Guarded by `lock`: the checkpointer's state (see ``LedgerCheckpointer``).
    private var checkpoints = CheckpointState()

    private struct CheckpointState {
        /// Commits between checkpoints; 0: no checkpointer thread (SQLite checkpoints itself).
        var every = 0
        var commitsSince = 0
        var requested = false
        var exited = true
    }
    /// Guarded by `lock`: the last committed audit head.
    private var committedHead: AuditAnchor?
    /// Called once when a commit fails (``whenFailed(_:)``).
    private var failureHandler: (@Sendable (SignerStoreError) -> Void)?
    /// Guarded by `lock`: counters for figures and status.
    private var counters = Counters()

    /// Commit statistics since open.
    public struct Counters: Hashable, Sendable {
        /// Transactions committed.
        public var commits: Int = 0
        /// Spend, signed-transaction and audit rows committed.
        public var rows: Int = 0
        /// The largest batch, in audit rows.
        public var largestBatch: Int = 0
        /// Time spent writing and committing batches (the committer's I/O).
        public var commitTime: Duration = .zero
        /// Time the committer spent waiting for requests to join a batch.
        public var gatherTime: Duration = .zero
        /// Checkpoints run off the commit path.
        public var checkpoints: Int = 0
    }

    /// Opens (creating and migrating if needed) the database at `path`, checks it, loads the
    /// spends of the last `options.retention` seconds before `now`, and starts the committer.
    public init(path: String, options: Options = Options(), logger: Logger, now: Date = Date()) throws(SignerStoreError) {
        self.path = path
        self.logger = logger
        commitTimeout = options.commitTimeout
        let connection = try LedgerSchema.open(path: path, synchronous: options.synchronous, integrityCheck: options.integrityCheck)
        let head = try Self.checkAuditHead(connection, path: path)
        reader = try LedgerReader(path: path)
        var state = LedgerState(retention: options.retention, slotCapacity: options.slotCacheCapacity)
        state.load(spends: try reader.spends(after: now.addingTimeInterval(-Double(max(0, options.retention)))))
        for (key, nonce) in try reader.highestNonces() { state.load(highestNonce: nonce, for: key) }
        self.state = state
        self.committedHead = head
        let writer = LedgerWriter(connection: connection, head: head, anchorLogInterval: options.anchorLogInterval, logger: logger)
        if options.checkpointEvery > 0 {
            let checkpointer = try LedgerCheckpointer(path: path)
            try LedgerCheckpointer.setAutomaticCheckpoint(connection, pages: options.checkpointBackstopPages)
            checkpoints = CheckpointState(every: options.checkpointEvery, exited: false)
            let thread = Thread { [self] in self.runCheckpointer(checkpointer) }
            thread.name = "signer-ledger-checkpoint"
            thread.start()
        }
        let gatherWindow = options.gatherWindow
        let thread = Thread { [self] in self.runCommitter(writer, gatherWindow: gatherWindow) }
        thread.name = "signer-ledger-commit"
        thread.start()
    }

    /// The audit head must match the anchor, and the last row must hash right: a cheap check at
    /// every start (`signer audit verify` walks the whole chain).
    private static func checkAuditHead(_ connection: SQLite.Connection, path: String) throws(SignerStoreError) -> AuditAnchor? {
        let anchor = try AuditLog.anchor(connection)
        let tail = try AuditLog.last(2, in: connection)
        guard let last = tail.last else {
            if let anchor {
                throw tampered(path, "the audit log is empty but its anchor names row \(anchor.sequence)")
            }
            return nil
        }
        let previous = tail.count == 2 ? tail[0].rowHash : AuditRecord.genesisHash
        let expectedPrevious = tail.count == 2 ? tail[0].sequence : 0
        let computed = AuditRecord.chained(last.entry, sequence: last.sequence, previousHash: previous).rowHash
        guard last.sequence == expectedPrevious + 1, computed == last.rowHash else {
            throw tampered(path, "the last audit row (\(last.sequence)) does not hash to its stored hash")
        }
        let head = AuditAnchor(sequence: last.sequence, rowHash: last.rowHash)
        guard anchor == head else {
            throw tampered(path, "the audit log ends at row \(head.sequence) but its anchor names row \(anchor.map { String($0.sequence) } ?? "none")")
        }
        return head
    }

    private static func tampered(_ path: String, _ detail: String) -> SignerStoreError {
        SignerStoreError(
            .auditTampered,
            "signer database '\(path)': \(detail); the signer will not start on an altered audit log: run 'signer audit verify --db \(path)', investigate, and restore the database from a backup")
    }

    // MARK: Requests

    /// Decides a request with `evaluate` and, when it allows, reserves the spend and the nonce
    /// slot in memory: atomically, under the store's lock (see "Locking"). Always returns a
    /// reservation to complete: ``Reservation/commit(_:audit:)`` after signing, or
    /// ``Reservation/decline(audit:rule:reason:)``. Throws (refuse the request) when the store
    /// failed or is closed, or a needed read from the database failed.
    ///
    /// When `evaluate` allows, the store checks the nonce replacement rule itself as well
    /// (``NonceSlot``) and turns a violation into a `nonce` refusal.
    public func reserve(_ request: LedgerRequest, evaluate: (LedgerView) -> PolicyDecision) throws(SignerStoreError) -> Reservation {
        let ticket = try lock.withLock { () throws(SignerStoreError) -> ReservationTicket in
            try state.reserve(request, backing: reader, evaluate: evaluate)
        }
        return Reservation(store: self, ticket: ticket)
    }

    /// Queues the audit row of a request that reserves nothing; wait on the ticket before
    /// answering. Throws when the store failed or is closed.
    public func record(_ entry: AuditEntry) throws(SignerStoreError) -> DurableTicket {
        let batch = try lock.withLock { () throws(SignerStoreError) -> UInt64 in
            let (batch, wake) = try state.record(entry)
            if wake || state.isGathering { lock.signal(.work) }
            return batch
        }
        return DurableTicket(store: self, batch: batch)
    }

    func commit(_ ticket: ReservationTicket, signed: SignedTransaction, audit: AuditRequest) throws(SignerStoreError) -> UInt64 {
        try lock.withLock { () throws(SignerStoreError) -> UInt64 in
            if committerExited { throw SignerStoreError(.closed, "the signer's store is closed (the signer is shutting down)") }
            let (batch, wake) = try state.commit(ticket, signed: signed, audit: audit)
            if wake || state.isClosed || state.isGathering { lock.signal(.work) }
            return batch
        }
    }

    func decline(_ ticket: ReservationTicket, audit: AuditRequest, rule: String?, reason: String?) -> UInt64? {
        lock.withLock {
            let queued = committerExited ? nil : state.decline(ticket, audit: audit, rule: rule, reason: reason)
            if committerExited { state.abandon(ticket) }
            if queued?.wakeCommitter == true || state.isClosed || state.isGathering { lock.signal(.work) }
            return queued?.batch
        }
    }

    func abandon(_ ticket: ReservationTicket) {
        lock.withLock {
            state.abandon(ticket)
            if state.isClosed || state.isGathering { lock.signal(.work) }
        }
        logger.warning("a reservation was dropped without commit or decline; its spend was taken back", metadata: ["signer.nonce": "\(ticket.key.nonce)"])
    }

    /// Blocks until batch `batch` is committed; throws if it (or an earlier one) failed, the
    /// store closed before it could commit, or the commit timeout passed first. After a timeout
    /// the records stay queued and may still commit: a refused request can then be counted
    /// (over-counting, never under-counting).
    func waitDurable(_ batch: UInt64) throws(SignerStoreError) {
        let deadline = ContinuousClock.now + commitTimeout
        lock.lock()
        defer { lock.unlock() }
        while true {
            switch state.commit.status(batch) {
            case .durable:
                return
            case .failed(let failure):
                throw LedgerState.failedError(failure)
            case .pending:
                if committerExited {
                    throw SignerStoreError(.closed, "the signer's store closed before this request's records were committed; it was not signed")
                }
                let left = deadline - ContinuousClock.now
                guard left > .zero else {
                    throw SignerStoreError(
                        .timedOut,
                        "the signer's database '\(path)' did not commit this request's records within \(TOML.formatDuration(commitTimeout)) (another process may hold its write lock, or the disk stalls); the request is refused and its signature was not returned; the records may still commit later and then count against the budgets")
                }
                lock.wait(.durable, timeout: left)
            }
        }
    }

    // MARK: State

    /// The error that put the store in its failed state, if any.
    public var failure: SignerStoreError? { lock.withLock { state.commit.failure } }

    /// Calls `handler` once, on a global queue, when a commit fails and the store starts
    /// refusing everything (at once when it already has). `signer serve` stops on it and exits
    /// non-zero, so that systemd restarts it on a fresh connection to the database.
    public func whenFailed(_ handler: @escaping @Sendable (SignerStoreError) -> Void) {
        let failedAlready = lock.withLock { () -> SignerStoreError? in
            if let failure = state.commit.failure { return failure }
            failureHandler = handler
            return nil
        }
        if let failedAlready { handler(failedAlready) }
    }

    /// The last committed audit head.
    public var auditHead: AuditAnchor? { lock.withLock { committedHead } }

    /// Commit statistics since open.
    public var statistics: Counters { lock.withLock { counters } }

    /// The account's spends on `chainId` in the `window` seconds before `now`, one record per
    /// nonce, pending and reserved included (for `signer_status`): from memory, so a window longer
    /// than the retention (or the longest lookback requested so far) sees only that much.
    public func spends(account: Address, chainId: UInt64, window: Int64, now: Date) -> [SpendRecord] {
        lock.withLock {
            state.spends(of: AccountChain(account: account, chainId: chainId), after: now.addingTimeInterval(-Double(window)))
        }
    }

    /// Stops taking requests, lets the requests in flight complete (their reservations committed
    /// or declined), commits what is pending, and stops the committer. Call it once, at shutdown;
    /// later requests are refused with ``SignerStoreError/Kind/closed``.
    public func close() {
        lock.lock()
        state.close()
        lock.signal(.work)
        while !committerExited || !checkpoints.exited { lock.wait(.durable) }
        lock.unlock()
    }

    // MARK: Checkpointer

    private func runCheckpointer(_ checkpointer: LedgerCheckpointer) {
        lock.lock()
        while true {
            while !checkpoints.requested, !committerExited { lock.wait(.checkpoint) }
            if committerExited { break }
            checkpoints.requested = false
            checkpoints.commitsSince = 0
            lock.unlock()
            var failure: SignerStoreError?
            do {
                _ = try checkpointer.checkpoint()
            } catch {
                failure = error
            }
            lock.lock()
            if let failure {
                logger.warning("checkpoint failed; the write-ahead log keeps every commit and the next checkpoint retries", metadata: [
                    "signer.error": "\(failure)"
                ])
            } else {
                counters.checkpoints += 1
            }
        }
        checkpoints.exited = true
        lock.broadcast(.durable)
        lock.unlock()
        try? checkpointer.connection.close()
    }

    // MARK: Committer

    private func runCommitter(_ writer: LedgerWriter, gatherWindow: Duration) {
        lock.lock()
        while true {
            if state.commit.failure != nil { break }
            if state.commit.pending.isEmpty {
                if state.isClosed, state.openReservations.isEmpty { break }
                if writer.hasUnloggedHead {
                    // Idle with a head not yet in the log: log it when the interval is up.
                    lock.wait(.work, timeout: writer.untilNextAnchorLog)
                    if state.commit.pending.isEmpty, writer.untilNextAnchorLog == .zero {
                        lock.unlock()
                        writer.logAnchor(force: true)
                        lock.lock()
                    }
                } else {
                    lock.wait(.work)
                }
                continue
            }
            // Records are pending. Requests that hold reservations (signing) are about to join,
            // and under steady load so are the requests the last commit released: wait for them,
            // up to the gather window. A lone request (nothing in flight, nobody released by the
            // last commit still away) commits at once.
            if gatherWindow > .zero, shouldGather {
                let gatherStart = ContinuousClock.now
                defer { counters.gatherTime += ContinuousClock.now - gatherStart }
                let deadline = gatherStart + gatherWindow
                state.isGathering = true
                while shouldGather, state.commit.failure == nil {
                    let left = deadline - ContinuousClock.now
                    if left <= .zero { break }
                    lock.wait(.work, timeout: left)
                }
                state.isGathering = false
            }
            guard let batch = state.commit.takeBatch() else { continue }
            lock.unlock()

            let now = Date()
            let writeStart = ContinuousClock.now
            let result: Result<Void, SignerStoreError>
            do {
                try writer.write(batch.writes, now: now)
                result = .success(())
            } catch {
                result = .failure(error)
            }
            let writeTime = ContinuousClock.now - writeStart

            lock.lock()
            switch result {
            case .success:
                state.committed(batch)
                committedHead = writer.head
                counters.commits += 1
                counters.commitTime += writeTime
                counters.rows += batch.writes.spends.count + batch.writes.signed.count + batch.writes.audits.count
                counters.largestBatch = max(counters.largestBatch, batch.writes.audits.count)
                if checkpoints.every > 0 {
                    checkpoints.commitsSince += 1
                    if checkpoints.commitsSince >= checkpoints.every, !checkpoints.requested {
                        checkpoints.requested = true
                        lock.signal(.checkpoint)
                    }
                }
            case .failure(let error):
                state.commit.failed(batch.number, error)
                logger.critical(
                    "signer database commit failed; refusing every request until restart",
                    metadata: ["signer.error": "\(error)", "signer.batch.rows": "\(batch.writes.audits.count)"])
                if let handler = failureHandler, let failure = state.commit.failure {
                    failureHandler = nil
                    // Not under the store's lock: the handler may call back into the store.
                    DispatchQueue.global().async { handler(failure) }
                }
            }
            lock.broadcast(.durable)
        }
        committerExited = true
        lock.broadcast(.durable)
        lock.signal(.checkpoint)
        lock.unlock()
        writer.logAnchor(force: true)
        try? writer.connection.close()
    }

    /// Whether more requests are likely to join the pending batch right away (under the lock).
    private var shouldGather: Bool {
        !state.openReservations.isEmpty || state.returning > 0
    }
}
