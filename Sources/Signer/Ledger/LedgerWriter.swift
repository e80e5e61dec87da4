import EVM
import Foundation
import Logging
import SQLite

/// The store's write connection and the head of the audit chain: owned by the committer thread
/// alone once the store has started it (hence `@unchecked Sendable`: it crosses to that thread
/// once, and no other thread touches it after).
final class LedgerWriter: @unchecked Sendable {
    let connection: SQLite.Connection
    /// The last committed audit row; nil for an empty log.
    private(set) var head: AuditAnchor?
    let anchorLogInterval: Duration
    private var lastAnchorLog: ContinuousClock.Instant?
    private var loggedHead: AuditAnchor?
    private let logger: Logger

    init(connection: SQLite.Connection, head: AuditAnchor?, anchorLogInterval: Duration, logger: Logger) {
        self.connection = connection
        self.head = head
        self.anchorLogInterval = anchorLogInterval
        self.logger = logger
    }

    /// Writes one batch in one transaction and commits it (durable when this returns, with
    /// `synchronous=FULL`). The audit rows are chained onto ``head`` and the anchor is updated in
    /// the same transaction. On failure the transaction is rolled back and ``head`` is unchanged.
    func write(_ writes: PendingWrites, now: Date) throws(SignerStoreError) {
        var newHead = head
        do {
            try connection.transaction(.immediate) {
                for row in writes.spends {
                    let r = row.record
                    try connection.run(
                        "INSERT INTO spends(account, chain_id, nonce, at_us, value, fee_exposure, tx_hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        Hex.encode(r.account.bytes), Int64(bitPattern: r.chainId), Int64(bitPattern: r.nonce), LedgerTime.micros(r.at),
                        r.value.decimalString, r.feeExposure.decimalString, row.transactionHash)
                }
                for row in writes.signed {
                    let tx = row.signed.transaction
                    try connection.run(
                        """
                        INSERT INTO signed_transactions(account, chain_id, nonce, tx_type, to_address, value, gas_limit, \
                        max_fee_per_gas, max_priority_fee_per_gas, tx_hash, raw, signed_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                        Hex.encode(row.key.account.bytes), Int64(bitPattern: row.key.chainId), Int64(bitPattern: row.key.nonce),
                        Int64(tx.type.rawValue), tx.to.map { Hex.encode($0.bytes) }, tx.value.decimalString,
                        Int64(bitPattern: tx.gasLimit), tx.maxFeePerGas.decimalString, tx.maxPriorityFeePerGas.decimalString,
                        row.signed.hash, row.signed.raw, LedgerTime.micros(row.at))
                }
                for entry in writes.audits {
                    let sequence = (newHead?.sequence ?? 0) + 1
                    let record = AuditRecord.chained(entry, sequence: sequence, previousHash: newHead?.rowHash ?? AuditRecord.genesisHash)
                    try connection.run(
                        """
                        INSERT INTO audit(seq, at_us, peer_uid, peer_pid, request_digest, method, decision, rule, reason, tx_hash, row_hash) \
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                        sequence, entry.timeMicros, Int64(entry.request.peerUID), Int64(entry.request.peerPID),
                        entry.request.requestDigest, entry.request.method, entry.decision.rawValue, entry.rule, entry.reason,
                        entry.transactionHash, record.rowHash)
                    newHead = AuditAnchor(sequence: sequence, rowHash: record.rowHash)
                }
                if let newHead, newHead != head {
                    try connection.run(
                        """
                        INSERT INTO audit_anchor(id, seq, row_hash, updated_at_us) VALUES (1, ?, ?, ?) \
                        ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, row_hash = excluded.row_hash, updated_at_us = excluded.updated_at_us
                        """,
                        newHead.sequence, newHead.rowHash, LedgerTime.micros(now))
                }
            }
        } catch {
            throw SignerStoreError(
                .io,
                "could not commit \(writes.spends.count) spends, \(writes.signed.count) signed transactions and \(writes.audits.count) audit rows to '\(connection.path)': \(error); the requests in this batch are refused (nothing they asked for was returned) and the signer stops (exit status 1; systemd restarts it): fix the cause (disk space, permissions, the file) if it keeps failing",
                cause: error)
        }
        head = newHead
        logAnchor(force: false)
    }

    /// Whether the head moved since it was last logged.
    var hasUnloggedHead: Bool { head != loggedHead }

    /// How long until the head may be logged again.
    var untilNextAnchorLog: Duration {
        guard let last = lastAnchorLog else { return .zero }
        return max(.zero, anchorLogInterval - (ContinuousClock.now - last))
    }

    /// Logs the chain head if it moved (at most once per `anchorLogInterval`, unless `force`),
    /// so an operator who keeps the journal can tell a truncated log from a whole one.
    func logAnchor(force: Bool) {
        guard let head, head != loggedHead else { return }
        let now = ContinuousClock.now
        if !force, let last = lastAnchorLog, now - last < anchorLogInterval { return }
        lastAnchorLog = now
        loggedHead = head
        logger.info(
            "audit anchor",
            metadata: ["signer.audit.sequence": "\(head.sequence)", "signer.audit.hash": "\(Hex.encode(head.rowHash))"])
    }
}
