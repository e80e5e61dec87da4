import Foundation
public import SQLite

/// Reading and verifying the audit log in a signer database (the store writes it; see
/// ``SignerStore``).
///
/// ## What verification proves
/// Each row's hash covers its fields, its sequence number and the previous row's hash
/// (``AuditRecord``), so an edited, inserted or deleted row breaks the chain at that row, and
/// ``verify(_:)`` names the first bad sequence number. Removing rows from the end leaves a whole
/// chain: the `audit_anchor` row, written in the same transaction as the rows, catches that. The
/// chain has no secret, so someone who can write the file could rewrite every later row and the
/// anchor; the store therefore also logs the anchor (`audit anchor` with `signer.audit.sequence`
/// and `signer.audit.hash`, at most once a second and at shutdown). An operator who keeps the
/// journal can check that each logged (sequence, hash) is the hash of that row in the database:
/// a log rewritten after the fact does not match what the journal saw.
public enum AuditLog {
    /// Opens a signer database read-only, for verification and tailing.
    public static func openReadOnly(path: String) throws(SignerStoreError) -> SQLite.Connection {
        guard FileManager.default.fileExists(atPath: path) else {
            throw SignerStoreError(.cannotOpen, "no signer database at '\(path)'; pass the path from the signer's config (--db)")
        }
        do {
            return try SQLite.Connection(path: path, mode: .readOnly)
        } catch {
            throw LedgerSchema.openError(error, path: path)
        }
    }

    /// Verifies the database at `path` (opened read-only).
    public static func verify(path: String) throws(SignerStoreError) -> AuditVerification {
        try verify(try openReadOnly(path: path))
    }

    /// Walks the whole chain in sequence order and checks the anchor. Throws only when the
    /// database cannot be read; a damaged log is a result with a ``AuditVerification/problem``.
    public static func verify(_ connection: SQLite.Connection) throws(SignerStoreError) -> AuditVerification {
        do {
            let statement = try connection.prepare("SELECT \(columns) FROM audit ORDER BY seq")
            var previous = AuditAnchor(sequence: 0, rowHash: AuditRecord.genesisHash)
            var count: Int64 = 0
            while try statement.step() {
                count += 1
                let sequence = (try? statement.int64(at: 0)) ?? 0
                let expected = previous.sequence + 1
                if sequence > expected {
                    let missing = sequence == expected + 1 ? "row \(expected) is missing" : "rows \(expected) to \(sequence - 1) are missing"
                    return result(count, previous, try anchor(connection), .missingRows, expected, "\(missing) (deleted); the row after it is \(sequence)")
                }
                if sequence < expected {
                    return result(count, previous, try anchor(connection), .badSequence, sequence, "sequence number \(sequence) follows \(previous.sequence)")
                }
                let decoded: (record: AuditRecord, timeMicros: Int64)
                switch decode(statement) {
                case .success(let value): decoded = value
                case .failure(let problem):
                    return result(count, previous, try anchor(connection), .malformedRow, sequence, problem.message)
                }
                let encoding = AuditRecord.encode(decoded.record.entry, sequence: sequence, timeMicros: decoded.timeMicros)
                let computed = AuditRecord.hash(previousHash: previous.rowHash, encoding: encoding)
                guard computed == decoded.record.rowHash else {
                    return result(
                        count, previous, try anchor(connection), .hashMismatch, sequence,
                        "its fields hash to \(hex(computed)) after row \(previous.sequence), but it stores \(hex(decoded.record.rowHash)): the row was edited or inserted (or the one before it was replaced)")
                }
                previous = AuditAnchor(sequence: sequence, rowHash: computed)
            }
            let head = count == 0 ? nil : previous
            let stored = try anchor(connection)
            switch (head, stored) {
            case (nil, nil):
                return AuditVerification(rowCount: 0, head: nil, anchor: nil, problem: nil)
            case (let head?, nil):
                return result(count, head, nil, .anchorMissing, 1, "the log has \(count) rows up to \(head.sequence) but no anchor: the audit_anchor row was deleted")
            case (nil, let stored?):
                return result(count, nil, stored, .anchorMissing, 1, "the log has no rows, but the anchor names row \(stored.sequence): every row was deleted")
            case (let head?, let stored?):
                if head == stored { return AuditVerification(rowCount: count, head: head, anchor: stored, problem: nil) }
                if stored.sequence > head.sequence {
                    return result(
                        count, head, stored, .anchorMismatch, head.sequence + 1,
                        "the log ends at row \(head.sequence), but the anchor says it ends at row \(stored.sequence): rows \(head.sequence + 1) to \(stored.sequence) were removed from the end")
                }
                if stored.sequence < head.sequence {
                    return result(
                        count, head, stored, .anchorMismatch, stored.sequence + 1,
                        "the anchor says the log ends at row \(stored.sequence), but it goes on to row \(head.sequence): rows \(stored.sequence + 1) to \(head.sequence) were added without the signer")
                }
                return result(
                    count, head, stored, .anchorMismatch, stored.sequence,
                    "the anchor names row \(stored.sequence) with hash \(hex(stored.rowHash)), but that row hashes to \(hex(head.rowHash)): the chain was rewritten without the signer")
            }
        } catch let error as SignerStoreError {
            throw error
        } catch {
            throw LedgerReader.readError(error, what: "the audit log")
        }
    }

    private static func result(
        _ count: Int64, _ head: AuditAnchor?, _ anchor: AuditAnchor?, _ kind: AuditVerification.Problem.Kind, _ sequence: Int64, _ message: String
    ) -> AuditVerification {
        AuditVerification(
            rowCount: count, head: head?.sequence == 0 ? nil : head, anchor: anchor,
            problem: .init(kind: kind, sequence: sequence, message: message))
    }

    /// The anchor row, if present.
    public static func anchor(_ connection: SQLite.Connection) throws(SignerStoreError) -> AuditAnchor? {
        do {
            return try connection.query("SELECT seq, row_hash FROM audit_anchor WHERE id = 1") {
                AuditAnchor(sequence: try $0.int64(at: 0), rowHash: try $0.blob(at: 1))
            }.first
        } catch {
            throw LedgerReader.readError(error, what: "the audit anchor")
        }
    }

    /// The last `count` rows, oldest first.
    public static func last(_ count: Int, in connection: SQLite.Connection) throws(SignerStoreError) -> [AuditRecord] {
        try read(connection, "SELECT * FROM (SELECT \(columns) FROM audit ORDER BY seq DESC LIMIT ?) ORDER BY seq", [max(0, count)])
    }

    /// Up to `limit` rows after sequence number `sequence`, oldest first.
    public static func records(after sequence: Int64, limit: Int, in connection: SQLite.Connection) throws(SignerStoreError) -> [AuditRecord] {
        try read(connection, "SELECT \(columns) FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", [sequence, max(0, limit)])
    }

    private static func read(_ connection: SQLite.Connection, _ sql: String, _ values: [any SQLite.Bindable]) throws(SignerStoreError) -> [AuditRecord] {
        do {
            return try connection.query(sql, values) { row in
                switch decode(row) {
                case .success(let decoded): return decoded.record
                case .failure(let problem): throw problem
                }
            }
        } catch {
            throw LedgerReader.readError(error, what: "the audit log")
        }
    }

    static let columns = "seq, at_us, peer_uid, peer_pid, request_digest, method, decision, rule, reason, tx_hash, row_hash"

    /// A row that a signer did not write.
    struct MalformedRow: Error {
        let message: String
    }

    /// Decodes a row read with ``columns``; strict, so a value no signer writes is reported.
    static func decode(_ row: SQLite.Statement) -> Result<(record: AuditRecord, timeMicros: Int64), MalformedRow> {
        do {
            let sequence = try row.int64(at: 0)
            let micros = try row.int64(at: 1)
            let uid = try row.int64(at: 2)
            let pid = try row.int64(at: 3)
            guard let peerUID = UInt32(exactly: uid), let peerPID = Int32(exactly: pid) else {
                return .failure(MalformedRow(message: "peer uid \(uid) or pid \(pid) is out of range"))
            }
            let decisionText = try row.string(at: 6)
            guard let decision = AuditDecision(rawValue: decisionText) else {
                return .failure(MalformedRow(message: "decision '\(decisionText)' is neither 'allowed' nor 'refused'"))
            }
            let entry = AuditEntry(
                request: AuditRequest(
                    time: LedgerTime.date(micros), peerUID: peerUID, peerPID: peerPID, requestDigest: try row.blob(at: 4),
                    method: try row.string(at: 5)),
                decision: decision, rule: try row.optionalString(at: 7), reason: try row.optionalString(at: 8),
                transactionHash: try row.optionalBlob(at: 9))
            return .success((AuditRecord(sequence: sequence, entry: entry, rowHash: try row.blob(at: 10)), micros))
        } catch {
            return .failure(MalformedRow(message: "\(error)"))
        }
    }
}
