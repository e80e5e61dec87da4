import EVM
import Foundation

/// Where ``LedgerState`` reads what is not in memory: the database, or a fake in tests.
protocol LedgerBacking {
    /// The transactions signed for `key`, oldest first.
    func signedTransactions(at key: NonceSlotKey) throws(SignerStoreError) -> [Transaction]
    /// Every spend record later than `start`.
    func spends(after start: Date) throws(SignerStoreError) -> [SpendRecord]
}

/// A reservation as the state knows it: enough to commit it or take it back.
struct ReservationTicket: Sendable {
    var id: UInt64
    var key: NonceSlotKey
    var transaction: Transaction
    var decision: PolicyDecision
    /// The spend added to memory, when the decision allowed.
    var spend: SpendRecord?
    /// Whether the transaction was added to its nonce slot (first signature or a replacement;
    /// re-signing the identical transaction adds nothing).
    var addedToSlot: Bool
}

/// Everything the signer's store keeps in memory, with the rules that change it; pure, so it can
/// be driven event by event in tests. ``SignerStore`` holds one under its lock and does the I/O.
///
/// - Spends: per (account, chain), the records inside the retention window (committed, pending
///   and reserved alike), so a budget check sees every signature that may leave the process.
/// - Nonce slots: what was signed per (account, chain, nonce), cached (see ``SlotCache``); the
///   highest nonce signed per (account, chain) lets a new, higher nonce skip the database.
/// - The group commit (see ``GroupCommit``).
struct LedgerState {
    /// Seconds of spends kept in memory.
    private(set) var retention: Int64
    private(set) var spends: [AccountChain: AccountSpends] = [:]
    private(set) var slots: SlotCache
    private(set) var highestSignedNonce: [AccountChain: UInt64] = [:]
    var commit = GroupCommit()
    private(set) var isClosed = false
    /// Set while the committer waits for requests in flight to join its batch.
    var isGathering = false
    /// Requests released by the last commit that have not come back yet (estimated: every new
    /// request counts as one coming back). Under steady load they are about to send the next.
    private(set) var returning = 0
    private var nextReservation: UInt64 = 1
    /// Reservations neither committed nor declined.
    private(set) var openReservations: Set<UInt64> = []

    init(retention: Int64, slotCapacity: Int) {
        self.retention = max(0, retention)
        self.slots = SlotCache(capacity: slotCapacity)
    }

    // MARK: Loading

    /// Adds spend records read from the database (idempotent).
    mutating func load(spends records: some Sequence<SpendRecord>) {
        let byAccount = Dictionary(grouping: records) { AccountChain(account: $0.account, chainId: $0.chainId) }
        for (key, records) in byAccount {
            spends[key, default: AccountSpends()].merge(records)
        }
    }

    /// Records the highest nonce signed so far for an account and chain.
    mutating func load(highestNonce: UInt64, for key: AccountChain) {
        highestSignedNonce[key] = max(highestSignedNonce[key] ?? 0, highestNonce)
    }

    // MARK: Requests

    /// Decides a request and reserves it when allowed: all of it under the caller's lock, so no
    /// two requests can both pass a budget that only one fits.
    ///
    /// Refuses (throws) when the store failed or closed. `evaluate` sees the spends and the nonce
    /// slot; when it allows, the store checks the nonce rule once more (``NonceSlot``) and turns a
    /// violation into a `nonce` refusal, then adds the spend and (for a first signature or a
    /// replacement) the transaction to memory.
    mutating func reserve(
        _ request: LedgerRequest, backing: some LedgerBacking, evaluate: (LedgerView) -> PolicyDecision
    ) throws(SignerStoreError) -> ReservationTicket {
        try checkOpen()
        returning = max(0, returning - 1)
        let key = request.slotKey
        let accountKey = key.accountChain
        // Never earlier than a spend already recorded for the account: threads take the time
        // before the lock, and a clock may step back. Deciding (and recording) at the later time
        // keeps each budget window moving forward only; a record stays in the windows a little
        // longer, never shorter, so this can over-count, never under-count.
        var now = max(LedgerTime.rounded(request.now), spends[accountKey]?.clock ?? .distantPast)
        if request.lookback > retention {
            load(spends: try backing.spends(after: now.addingTimeInterval(-Double(request.lookback))))
            retention = request.lookback
            now = max(now, spends[accountKey]?.clock ?? .distantPast)
        }
        spends[accountKey]?.prune(through: now.addingTimeInterval(-Double(retention)))
        if !request.budgetWindows.isEmpty {
            spends[accountKey, default: AccountSpends()].prepare(windows: request.budgetWindows, now: now)
        }

        let signedAtNonce = try slot(key, backing: backing)
        var decision = evaluate(LedgerView(now: now, signedAtNonce: signedAtNonce, account: spends[accountKey], lookback: request.lookback))
        var spend: SpendRecord?
        var addedToSlot = false
        if decision.isAllowed {
            switch NonceSlot(signed: signedAtNonce).check(request.transaction) {
            case .refuse(let reason):
                decision = .refuse(rule: PolicyRuleID.nonce, reason: reason)
            case .signAgain:
                break
            case .signFirst, .signReplacement:
                addedToSlot = true
            }
        }
        if decision.isAllowed {
            let record = SpendRecord(account: request.account, transaction: request.transaction, at: now)
            spends[accountKey, default: AccountSpends()].add(record)
            spend = record
            if addedToSlot {
                slots.append(request.transaction, at: key)
                highestSignedNonce[accountKey] = max(highestSignedNonce[accountKey] ?? 0, key.nonce)
            }
        }
        let id = nextReservation
        nextReservation += 1
        openReservations.insert(id)
        return ReservationTicket(
            id: id, key: key, transaction: request.transaction, decision: decision, spend: spend, addedToSlot: addedToSlot)
    }

    /// The transactions signed at `key`: from the cache, or (for a nonce at or below the highest
    /// signed) from the database.
    private mutating func slot(_ key: NonceSlotKey, backing: some LedgerBacking) throws(SignerStoreError) -> [Transaction] {
        if let entry = slots[key] { return entry.signed }
        guard let highest = highestSignedNonce[key.accountChain], key.nonce <= highest else { return [] }
        let signed = try backing.signedTransactions(at: key)
        slots.install(key, signed: signed)
        return signed
    }

    /// Queues the durable records of an allowed reservation that was signed: the spend, the
    /// signed transaction (when it changed the slot) and the audit row. Returns the batch.
    mutating func commit(
        _ ticket: ReservationTicket, signed: SignedTransaction, audit request: AuditRequest
    ) throws(SignerStoreError) -> (batch: UInt64, wakeCommitter: Bool) {
        guard openReservations.contains(ticket.id) else {
            throw SignerStoreError(.misuse, "this reservation was already committed or declined; reserve again")
        }
        guard let spend = ticket.spend, case .allow(let matched) = ticket.decision else {
            throw SignerStoreError(.misuse, "the reservation was refused (\(ticket.decision)); decline it instead of committing a signature")
        }
        guard signed.transaction == ticket.transaction else {
            throw SignerStoreError(.misuse, "the signed transaction is not the one reserved; decline the reservation and reserve the signed one")
        }
        if let failure = commit.failure { throw Self.failedError(failure) }
        openReservations.remove(ticket.id)
        let entry = AuditEntry(request: request, decision: .allowed, rule: matched, transactionHash: signed.hash)
        return commit.append { pending in
            pending.spends.append(SpendRow(record: spend, transactionHash: signed.hash))
            if ticket.addedToSlot {
                pending.signed.append(SignedRow(key: ticket.key, signed: signed, at: spend.at))
                pending.unpin.append(ticket.key)
            }
            pending.audits.append(entry)
        }
    }

    /// Takes back whatever the reservation added to memory and queues its audit row: a refusal
    /// with the decision's rule and reason, or `rule`/`reason` when given (an allowed request that
    /// was not signed after all). Returns the batch; nil when the store failed or closed (the
    /// audit row is not written then, and nothing was signed).
    mutating func decline(_ ticket: ReservationTicket, audit request: AuditRequest, rule: String?, reason: String?) -> (batch: UInt64, wakeCommitter: Bool)? {
        guard openReservations.remove(ticket.id) != nil else { return nil }
        release(ticket)
        var entry = AuditEntry(request: request, decision: .refused, rule: rule, reason: reason)
        if case .refuse(let decidedRule, let decidedReason) = ticket.decision {
            entry.rule = rule ?? decidedRule
            entry.reason = reason ?? decidedReason
        }
        guard commit.failure == nil, !isClosed else { return nil }
        return commit.append { $0.audits.append(entry) }
    }

    /// Takes back a reservation that was dropped without commit or decline.
    mutating func abandon(_ ticket: ReservationTicket) {
        guard openReservations.remove(ticket.id) != nil else { return }
        release(ticket)
    }

    private mutating func release(_ ticket: ReservationTicket) {
        if let spend = ticket.spend {
            spends[ticket.key.accountChain]?.remove(spend)
        }
        if ticket.addedToSlot {
            slots.removeReserved(ticket.transaction, at: ticket.key)
        }
    }

    /// Queues an audit row for a request that reserved nothing (`account_list`, a malformed line).
    mutating func record(_ entry: AuditEntry) throws(SignerStoreError) -> (batch: UInt64, wakeCommitter: Bool) {
        try checkOpen()
        returning = max(0, returning - 1)
        return commit.append { $0.audits.append(entry) }
    }

    // MARK: Committer

    /// The committer's batch committed: unpins its slots, evicts if the cache is over capacity.
    mutating func committed(_ batch: GroupCommit.Batch) {
        commit.committed(batch.number)
        returning = batch.writes.audits.count
        for key in batch.writes.unpin { slots.unpin(key) }
        slots.evictIfNeeded()
    }

    /// Stops accepting requests; the committer drains what is pending.
    mutating func close() { isClosed = true }

    private func checkOpen() throws(SignerStoreError) {
        if let failure = commit.failure { throw Self.failedError(failure) }
        if isClosed { throw SignerStoreError(.closed, "the signer's store is closed (the signer is shutting down)") }
    }

    static func failedError(_ failure: SignerStoreError) -> SignerStoreError {
        SignerStoreError(
            .failed,
            "an earlier commit to the signer's database failed, so nothing more is signed until the signer restarts: \(failure.message)",
            cause: failure)
    }

    // MARK: Reading

    /// The account's spends on a chain later than `start` (one record per nonce).
    func spends(of key: AccountChain, after start: Date) -> [SpendRecord] {
        spends[key]?.condensed(after: start) ?? []
    }
}
