import EVM
import Foundation
import SQLite
import Testing
@testable import Signer

/// The audit log: the chain the store writes, and what `verify` finds after each kind of
/// tampering (done through a second connection, as an intruder with the file would).
@Suite struct AuditLogTests {
    /// A database with `rows` audit rows: every third a signed transaction, the rest refusals
    /// and `account_list` calls.
    func makeLog(rows: Int = 10) throws -> LedgerDirectory {
        let directory = try LedgerDirectory()
        let key = try LedgerFixture.key()
        let policy = try LedgerFixture.policy(account: key.address)
        let store = try LedgerFixture.open(directory)
        var nonce: UInt64 = 0
        for n in 0..<rows {
            let at = LedgerFixture.start.addingTimeInterval(Double(n))
            switch n % 3 {
            case 0:
                try LedgerFixture.sign(store, policy: policy, key: key, LedgerFixture.transaction(nonce: nonce), now: at, n: n)
                nonce += 1
            case 1:
                let tooMuchGas = LedgerFixture.transaction(nonce: nonce, gas: 5_000_000)
                let (decision, _) = try LedgerFixture.sign(store, policy: policy, key: key, tooMuchGas, now: at, n: n)
                #expect(decision.refusingRule == PolicyRuleID.gas)
            default:
                try store.record(AuditEntry(request: LedgerFixture.audit(n, at: at, method: "account_list"), decision: .allowed)).waitDurable()
            }
        }
        store.close()
        return directory
    }

    func tamper(_ directory: LedgerDirectory, _ sql: String) throws {
        let connection = try SQLite.Connection(path: directory.database)
        try connection.execute(sql)
        try connection.close()
    }

    func verify(_ directory: LedgerDirectory) throws -> AuditVerification {
        try AuditLog.verify(path: directory.database)
    }

    @Test func aCleanLogVerifies() throws {
        let directory = try makeLog()
        let result = try verify(directory)
        #expect(result.isValid, "\(result)")
        #expect(result.rowCount == 10 && result.head?.sequence == 10 && result.anchor == result.head)
        let rows = try AuditLog.last(10, in: AuditLog.openReadOnly(path: directory.database))
        #expect(rows.map(\.sequence) == Array(1...10))
        #expect(rows[0].entry.decision == .allowed && rows[0].entry.transactionHash?.count == 32)
        #expect(rows[1].entry.decision == .refused && rows[1].entry.rule == PolicyRuleID.gas && rows[1].entry.reason != nil)
        #expect(rows[2].entry.request.method == "account_list" && rows[2].entry.transactionHash == nil)
        #expect(rows[0].entry.request == LedgerFixture.audit(0), "time, uid, pid, digest and method survive the round trip")
    }

    @Test func anEmptyLogVerifies() throws {
        let directory = try LedgerDirectory()
        try LedgerFixture.open(directory).close()
        let result = try verify(directory)
        #expect(result.isValid && result.rowCount == 0 && result.head == nil)
    }

    @Test(arguments: [
        ("UPDATE audit SET decision = 'allowed', rule = NULL, reason = NULL WHERE seq = 5", Int64(5)),
        ("UPDATE audit SET at_us = at_us + 1 WHERE seq = 7", 7),
        ("UPDATE audit SET peer_uid = 0 WHERE seq = 1", 1),
        ("UPDATE audit SET tx_hash = zeroblob(32) WHERE seq = 4", 4),
        ("UPDATE audit SET method = 'signer_status' WHERE seq = 10", 10),
    ])
    func anEditedFieldIsFoundAtItsRow(_ edit: String, _ row: Int64) throws {
        let directory = try makeLog()
        try tamper(directory, edit)
        let problem = try #require(try verify(directory).problem)
        #expect(problem.kind == .hashMismatch && problem.sequence == row, "\(problem)")
    }

    @Test func anEditedRowWithItsHashRecomputedIsFoundAtTheNextRow() throws {
        let directory = try makeLog()
        // The intruder fixes row 3's own hash, but row 4 still chains from the old one.
        let connection = try SQLite.Connection(path: directory.database)
        let rows = try AuditLog.last(10, in: connection)
        var edited = rows[2].entry
        edited.decision = .refused
        let forged = AuditRecord.chained(edited, sequence: 3, previousHash: rows[1].rowHash)
        try connection.run("UPDATE audit SET decision = 'refused', row_hash = ? WHERE seq = 3", forged.rowHash)
        try connection.close()
        let problem = try #require(try verify(directory).problem)
        #expect(problem.kind == .hashMismatch && problem.sequence == 4, "\(problem)")
    }

    @Test func anInsertedRowIsFound() throws {
        let directory = try makeLog()
        let connection = try SQLite.Connection(path: directory.database)
        let rows = try AuditLog.last(10, in: connection)
        // Make room at 5 and insert a well-formed row that chains correctly from row 4.
        try connection.execute("UPDATE audit SET seq = -seq WHERE seq >= 5; UPDATE audit SET seq = 1 - seq WHERE seq < 0")
        let entry = AuditEntry(request: LedgerFixture.audit(99, method: "account_list"), decision: .allowed)
        let forged = AuditRecord.chained(entry, sequence: 5, previousHash: rows[3].rowHash)
        try connection.run(
            "INSERT INTO audit(\(AuditLog.columns)) VALUES (5, ?, 1000, 4099, ?, 'account_list', 'allowed', NULL, NULL, NULL, ?)",
            entry.timeMicros, entry.request.requestDigest, forged.rowHash)
        try connection.close()
        let problem = try #require(try verify(directory).problem)
        #expect(problem.kind == .hashMismatch && problem.sequence == 6, "the row after the insertion no longer chains: \(problem)")
    }

    @Test func anInsertedRowWithABadHashIsFoundAtItself() throws {
        let directory = try makeLog()
        try tamper(directory, """
            UPDATE audit SET seq = -seq WHERE seq >= 5; UPDATE audit SET seq = 1 - seq WHERE seq < 0;
            INSERT INTO audit(\(AuditLog.columns)) VALUES (5, 0, 0, 0, x'00', 'account_list', 'allowed', NULL, NULL, NULL, zeroblob(32));
            """)
        let problem = try #require(try verify(directory).problem)
        #expect(problem.kind == .hashMismatch && problem.sequence == 5, "\(problem)")
    }

    @Test func aDeletedMiddleRowIsFound() throws {
        let directory = try makeLog()
        try tamper(directory, "DELETE FROM audit WHERE seq = 5")
        let problem = try #require(try verify(directory).problem)
        #expect(problem.kind == .missingRows && problem.sequence == 5, "\(problem)")
        #expect(problem.message.contains("row 5 is missing"))
    }

    @Test func aTruncatedTailIsFoundByTheAnchor() throws {
        let directory = try makeLog()
        try tamper(directory, "DELETE FROM audit WHERE seq >= 8")
        let result = try verify(directory)
        let problem = try #require(result.problem)
        #expect(problem.kind == .anchorMismatch && problem.sequence == 8, "\(problem)")
        #expect(result.rowCount == 7)
    }

    @Test func aRowAppendedWithoutTheSignerIsFoundByTheAnchor() throws {
        let directory = try makeLog()
        let connection = try SQLite.Connection(path: directory.database)
        let last = try #require(try AuditLog.last(1, in: connection).first)
        let entry = AuditEntry(request: LedgerFixture.audit(50, method: "account_list"), decision: .allowed)
        let forged = AuditRecord.chained(entry, sequence: 11, previousHash: last.rowHash)
        try connection.run(
            "INSERT INTO audit(\(AuditLog.columns)) VALUES (11, ?, 1000, 4050, ?, 'account_list', 'allowed', NULL, NULL, NULL, ?)",
            entry.timeMicros, entry.request.requestDigest, forged.rowHash)
        try connection.close()
        let problem = try #require(try verify(directory).problem)
        #expect(problem.kind == .anchorMismatch && problem.sequence == 11, "\(problem)")
    }

    @Test func aDeletedAnchorIsFound() throws {
        let directory = try makeLog()
        try tamper(directory, "DELETE FROM audit_anchor")
        let problem = try #require(try verify(directory).problem)
        #expect(problem.kind == .anchorMissing)
    }

    @Test func aValueNoSignerWritesIsAMalformedRow() throws {
        let directory = try makeLog()
        try tamper(directory, "UPDATE audit SET decision = 'maybe' WHERE seq = 6")
        let problem = try #require(try verify(directory).problem)
        #expect(problem.kind == .malformedRow && problem.sequence == 6, "\(problem)")
    }

    /// The canonical encoding, byte by byte, against the table in ``AuditRecord``'s documentation.
    @Test func theCanonicalEncodingIsTheDocumentedOne() {
        let entry = AuditEntry(
            request: AuditRequest(
                time: Date(timeIntervalSince1970: 1.000002), peerUID: 0x0102_0304, peerPID: -2, requestDigest: [0xAA, 0xBB], method: "m"),
            decision: .refused, rule: "r", reason: nil, transactionHash: [0xCC])
        let domain = Array("keeper-signer audit v1".utf8)
        var expected: [UInt8] = [0, 0, 0, UInt8(domain.count)] + domain
        expected += [0, 0, 0, 0, 0, 0, 0, 9]                    // sequence 9
        expected += [0, 0, 0, 0, 0, 0x0F, 0x42, 0x42]           // 1,000,002 us
        expected += [1, 2, 3, 4]                                 // uid
        expected += [0xFF, 0xFF, 0xFF, 0xFE]                     // pid -2
        expected += [0, 0, 0, 2, 0xAA, 0xBB]                     // digest
        expected += [0, 0, 0, 1, UInt8(ascii: "m")]              // method
        expected += [0]                                          // refused
        expected += [1, 0, 0, 0, 1, UInt8(ascii: "r")]           // rule
        expected += [0]                                          // no reason
        expected += [1, 0, 0, 0, 1, 0xCC]                        // tx hash
        #expect(AuditRecord.encode(entry, sequence: 9, timeMicros: entry.timeMicros) == expected)
        let record = AuditRecord.chained(entry, sequence: 9, previousHash: AuditRecord.genesisHash)
        #expect(record.rowHash == Keccak256.hash(AuditRecord.genesisHash + expected))
        let line = Array(#"{"jsonrpc":"2.0","id":1,"method":"account_list"}"#.utf8)
        #expect(AuditRequest(time: .distantPast, peerUID: 0, peerPID: 0, line: line, method: "account_list").requestDigest == Keccak256.hash(line))
    }
}
