import EVM
import Foundation
import ProcessTestKit
import SQLite
import Synchronization
import Testing
@testable import Signer

/// The store on a real database: durability across reopen, group commit and check-and-reserve
/// under concurrency, the failed state, and opening bad files.
@Suite struct LedgerStoreTests {
    // MARK: Across restarts

    @Test func theReplacementRuleHoldsAcrossRestarts() throws {
        let directory = try LedgerDirectory()
        let key = try LedgerFixture.key()
        let policy = try LedgerFixture.policy(account: key.address)
        let original = LedgerFixture.transaction(nonce: 0, maxFee: 10_000_000_000, tip: 1_000_000_000)
        do {
            let store = try LedgerFixture.open(directory)
            let (decision, signed) = try LedgerFixture.sign(store, policy: policy, key: key, original)
            #expect(decision.isAllowed && signed != nil)
            store.close()
        }
        let store = try LedgerFixture.open(directory)
        defer { store.close() }
        let differentCall = LedgerFixture.transaction(nonce: 0, maxFee: 20_000_000_000, tip: 2_000_000_000, data: [0x60, 0x01])
        #expect(try LedgerFixture.sign(store, policy: policy, key: key, differentCall).0.refusingRule == PolicyRuleID.nonce)
        let smallBump = LedgerFixture.transaction(nonce: 0, maxFee: 10_500_000_000, tip: 1_100_000_000)
        #expect(try LedgerFixture.sign(store, policy: policy, key: key, smallBump).0.refusingRule == PolicyRuleID.nonce)
        #expect(try LedgerFixture.sign(store, policy: policy, key: key, original).0.isAllowed, "re-signing the identical transaction")
        let bump = LedgerFixture.transaction(nonce: 0, maxFee: 11_000_000_000, tip: 1_100_000_000)
        #expect(try LedgerFixture.sign(store, policy: policy, key: key, bump).0.isAllowed)
        // The replacement is the new bar.
        let sameAsOriginalBump = LedgerFixture.transaction(nonce: 0, maxFee: 11_500_000_000, tip: 1_150_000_000)
        #expect(try LedgerFixture.sign(store, policy: policy, key: key, sameAsOriginalBump).0.refusingRule == PolicyRuleID.nonce)
        #expect(try LedgerFixture.count("signed_transactions", in: directory.database) == 2)
    }

    @Test func checkpointsRunOffTheCommitPathAndKeepTheLogSmall() throws {
        let directory = try LedgerDirectory()
        let key = try LedgerFixture.key()
        let policy = try LedgerFixture.policy(account: key.address)
        let store = try LedgerFixture.open(directory, options: .init(checkpointEvery: 4, checkpointBackstopPages: 64))
        let wal = directory.database + "-wal"
        var largest = 0
        for nonce in 0..<200 {
            #expect(try LedgerFixture.sign(store, policy: policy, key: key, LedgerFixture.transaction(nonce: UInt64(nonce))).0.isAllowed)
            largest = max(largest, (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0)
        }
        // Each commit appends a few pages to the log: 200 commits back to back would leave it at
        // megabytes. The checkpointer copies them back, and the backstop lets the log start over.
        let deadline = ContinuousClock.now + .seconds(30)
        while store.statistics.checkpoints == 0, ContinuousClock.now < deadline { usleep(10_000) }  // poll until the deadline
        #expect(store.statistics.checkpoints > 0)
        #expect(largest < 1_000_000, "the log grew to \(largest) bytes")
        store.close()
        #expect(try LedgerFixture.count("spends", in: directory.database) == 200)
    }

    @Test func budgetsSeeSpendsFromBeforeARestart() throws {
        let directory = try LedgerDirectory()
        let key = try LedgerFixture.key()
        let policy = try LedgerFixture.policy(account: key.address, budgets: [Budget(window: try #require(BudgetWindow("1h")), maxCount: 3)])
        do {
            let store = try LedgerFixture.open(directory)
            for nonce in 0..<3 {
                let now = LedgerFixture.start.addingTimeInterval(Double(nonce))
                #expect(try LedgerFixture.sign(store, policy: policy, key: key, LedgerFixture.transaction(nonce: UInt64(nonce)), now: now).0.isAllowed)
            }
            store.close()
        }
        let later = LedgerFixture.start.addingTimeInterval(600)
        let store = try LedgerFixture.open(directory, now: later, options: .init(retention: 60))
        defer { store.close() }
        // The store kept only 60 s in memory, but the request looks back an hour: the older spends load.
        let decision = try LedgerFixture.sign(store, policy: policy, key: key, LedgerFixture.transaction(nonce: 3), now: later).0
        #expect(decision.refusingRule == "budget.count.1h")
        // An hour after the first three, the budget has room again.
        let muchLater = LedgerFixture.start.addingTimeInterval(3601)
        #expect(try LedgerFixture.sign(store, policy: policy, key: key, LedgerFixture.transaction(nonce: 3), now: muchLater).0.isAllowed)
    }

    @Test func aDeclinedReservationWritesARefusalAndNoSpend() throws {
        let directory = try LedgerDirectory()
        let key = try LedgerFixture.key()
        let store = try LedgerFixture.open(directory)
        let tx = LedgerFixture.transaction(nonce: 0)
        let reservation = try store.reserve(LedgerRequest(account: key.address, transaction: tx, now: LedgerFixture.start, lookback: 0)) { _ in
            .allow(matched: "creation")
        }
        reservation.decline(audit: LedgerFixture.audit(1), rule: "internal", reason: "the key could not sign")
        try reservation.waitDurable()
        let other = LedgerFixture.transaction(nonce: 0, data: [0x61])
        let second = try store.reserve(LedgerRequest(account: key.address, transaction: other, now: LedgerFixture.start, lookback: 0)) { _ in
            .allow(matched: "creation")
        }
        #expect(second.decision.isAllowed, "the declined transaction no longer holds the nonce")
        second.decline(audit: LedgerFixture.audit(2), rule: "internal", reason: "test")
        try second.waitDurable()
        store.close()
        #expect(try LedgerFixture.count("spends", in: directory.database) == 0)
        let rows = try AuditLog.last(10, in: AuditLog.openReadOnly(path: directory.database))
        #expect(rows.map(\.entry.decision) == [.refused, .refused])
        #expect(rows.first?.entry.rule == "internal" && rows.first?.entry.reason == "the key could not sign")
    }

    @Test func misuseIsReportedNotRecorded() throws {
        let directory = try LedgerDirectory()
        let key = try LedgerFixture.key()
        let store = try LedgerFixture.open(directory)
        defer { store.close() }
        let tx = LedgerFixture.transaction(nonce: 0)
        let refused = try store.reserve(LedgerRequest(account: key.address, transaction: tx, now: LedgerFixture.start, lookback: 0)) { _ in
            .refuse(rule: "value", reason: "too much")
        }
        let signed = try tx.sign(with: key)
        #expect(throws: SignerStoreError(.misuse, "")) { try refused.commit(signed, audit: LedgerFixture.audit(0)) }
        #expect(throws: SignerStoreError(.misuse, "")) { try refused.waitDurable() }
        refused.decline(audit: LedgerFixture.audit(0))
        try refused.waitDurable()
        let allowed = try store.reserve(LedgerRequest(account: key.address, transaction: tx, now: LedgerFixture.start, lookback: 0)) { _ in
            .allow(matched: "x")
        }
        let otherSigned = try LedgerFixture.transaction(nonce: 0, data: [1]).sign(with: key)
        #expect(throws: SignerStoreError(.misuse, "")) { try allowed.commit(otherSigned, audit: LedgerFixture.audit(1)) }
        try allowed.commit(signed, audit: LedgerFixture.audit(1))
        #expect(throws: SignerStoreError(.misuse, "")) { try allowed.commit(signed, audit: LedgerFixture.audit(1)) }
        try allowed.waitDurable()
    }

    // MARK: Concurrency

    @Test func groupCommitUnderConcurrencyMakesEveryReturnedReservationDurable() throws {
        let directory = try LedgerDirectory()
        let key = try LedgerFixture.key()
        let policy = try LedgerFixture.policy(account: key.address)
        let store = try LedgerFixture.open(directory)
        let threads = 8
        let perThread = 400
        // Sign outside the timed part: the test measures the store, not secp256k1.
        let signed = try (0..<threads * perThread).map { try LedgerFixture.transaction(nonce: UInt64($0)).sign(with: key) }
        let durable = Mutex<[UInt64]>([])
        let failures = Mutex<[String]>([])
        let clock = ContinuousClock()
        let started = clock.now
        let finished = onThreads(threads) { t in
            var mine: [UInt64] = []
            for i in 0..<perThread {
                let n = t * perThread + i
                let tx = signed[n].transaction
                do {
                    let request = PolicyRequest(from: key.address, transaction: tx)
                    let reservation = try store.reserve(LedgerRequest(account: key.address, transaction: tx, now: LedgerFixture.start, lookback: 0)) { view in
                        policy.evaluate(request, spends: view.spends, signedAtNonce: view.signedAtNonce, now: view.now)
                    }
                    try reservation.commit(signed[n], audit: LedgerFixture.audit(n))
                    try reservation.waitDurable()
                    mine.append(tx.nonce)
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            durable.withLock { $0.append(contentsOf: mine) }
        }
        let elapsed = clock.now - started
        #expect(finished)
        let statistics = store.statistics
        store.close()
        #expect(failures.withLock { $0 } == [])
        let count = threads * perThread
        #expect(durable.withLock { $0.count } == count)
        // Reopen from disk: every reservation that returned is there.
        let connection = try SQLite.Connection(path: directory.database, mode: .readOnly)
        let nonces = Set(try connection.query("SELECT nonce FROM spends") { UInt64(bitPattern: try $0.int64(at: 0)) })
        #expect(nonces == Set(durable.withLock { $0 }))
        #expect(try LedgerFixture.count("signed_transactions", in: directory.database) == count)
        let verification = try AuditLog.verify(connection)
        #expect(verification.isValid && verification.rowCount == Int64(count))
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("""
            [ledger figures] group commit, \(threads) threads x \(perThread) requests (reserve + evaluate + commit + wait, \
            synchronous=FULL): \(Int(Double(count) / seconds)) requests/s; \(statistics.commits) commits, \
            \(String(format: "%.1f", Double(count) / Double(max(1, statistics.commits)))) requests per commit on average, largest batch \(statistics.largestBatch); \
            \(microseconds(statistics.commitTime) / max(1, statistics.commits)) us per commit (write + fsync), \
            gathering \(microseconds(statistics.gatherTime) / 1000) ms of \(microseconds(elapsed) / 1000) ms
            """)
    }

    @Test(arguments: [1, 5, 17])
    func exactlyTheRequestsThatFitABudgetPass(_ fits: Int) throws {
        let directory = try LedgerDirectory()
        let key = try LedgerFixture.key()
        let policy = try LedgerFixture.policy(account: key.address, budgets: [Budget(window: try #require(BudgetWindow("1h")), maxCount: fits)])
        let store = try LedgerFixture.open(directory)
        let threads = 32
        let allowed = Atomic<Int>(0)
        let refusedByBudget = Atomic<Int>(0)
        let errors = Atomic<Int>(0)
        let finished = onThreads(threads) { t in
            do {
                let (decision, _) = try LedgerFixture.sign(store, policy: policy, key: key, LedgerFixture.transaction(nonce: UInt64(t)), n: t)
                if decision.isAllowed {
                    allowed.add(1, ordering: .relaxed)
                } else if decision.refusingRule == "budget.count.1h" {
                    refusedByBudget.add(1, ordering: .relaxed)
                }
            } catch {
                errors.add(1, ordering: .relaxed)
            }
        }
        #expect(finished)
        store.close()
        #expect(errors.load(ordering: .relaxed) == 0)
        #expect(allowed.load(ordering: .relaxed) == fits)
        #expect(refusedByBudget.load(ordering: .relaxed) == threads - fits)
        #expect(try LedgerFixture.count("spends", in: directory.database) == fits)
        #expect(try LedgerFixture.count("audit", in: directory.database) == threads)
    }

    @Test func aLoneRequestDoesNotWaitForATimer() throws {
        let directory = try LedgerDirectory()
        let key = try LedgerFixture.key()
        let store = try LedgerFixture.open(directory)
        defer { store.close() }
        let signed = try (0..<300).map { try LedgerFixture.transaction(nonce: UInt64($0)).sign(with: key) }
        let clock = ContinuousClock()
        var latencies: [Duration] = []
        for (n, tx) in signed.enumerated() {
            let started = clock.now
            let reservation = try store.reserve(LedgerRequest(account: key.address, transaction: tx.transaction, now: LedgerFixture.start, lookback: 0)) { _ in
                .allow(matched: "x")
            }
            try reservation.commit(tx, audit: LedgerFixture.audit(n))
            try reservation.waitDurable()
            latencies.append(clock.now - started)
        }
        latencies.sort()
        #expect(store.statistics.commits == signed.count, "one commit per request when requests come one at a time")
        print("[ledger figures] lone request, reserve to durable (one commit each, synchronous=FULL): p50 \(microseconds(percentile(latencies, 0.5))) us, p99 \(microseconds(percentile(latencies, 0.99))) us, max \(microseconds(latencies.last ?? .zero)) us")
    }

    // MARK: Failure

    @Test func aFailedCommitRefusesItsBatchAndEverythingAfter() throws {
        let directory = try LedgerDirectory()
        let key = try LedgerFixture.key()
        let policy = try LedgerFixture.policy(account: key.address)
        let store = try LedgerFixture.open(directory)
        defer { store.close() }
        try LedgerFixture.sign(store, policy: policy, key: key, LedgerFixture.transaction(nonce: 0))
        // Another connection makes every later insert into spends fail, as a full disk would.
        let saboteur = try SQLite.Connection(path: directory.database)
        try saboteur.execute("CREATE TRIGGER sabotage BEFORE INSERT ON spends BEGIN SELECT RAISE(ABORT, 'injected failure'); END")
        #expect(throws: SignerStoreError(.failed, "")) {
            try LedgerFixture.sign(store, policy: policy, key: key, LedgerFixture.transaction(nonce: 1))
        }
        #expect(store.failure?.kind == .io)
        try saboteur.execute("DROP TRIGGER sabotage")
        // Failed stays failed: fail closed until restart.
        #expect(throws: SignerStoreError(.failed, "")) {
            try LedgerFixture.sign(store, policy: policy, key: key, LedgerFixture.transaction(nonce: 2))
        }
        #expect(throws: SignerStoreError(.failed, "")) {
            try store.record(AuditEntry(request: LedgerFixture.audit(3, method: "account_list"), decision: .allowed)).waitDurable()
        }
        #expect(try LedgerFixture.count("spends", in: directory.database) == 1)
    }

    /// Another process holding the database's write lock stalls the committer (SQLite waits up to
    /// its 5 s busy timeout): a request waits only the commit timeout, is refused, and returns no
    /// signature; once the lock goes, its records commit after all (over-counted) and the store
    /// goes on.
    @Test func waitingForACommitIsBoundedByTheCommitTimeout() async throws {
        let directory = try LedgerDirectory()
        let database = directory.database
        let outcome = try await onOwnThread { () -> (first: SignerStoreError?, waited: Duration, second: SignedTransaction?, spends: Int) in
            let key = try LedgerFixture.key()
            let policy = try LedgerFixture.policy(account: key.address)
            let store = try SignerStore(
                path: database, options: .init(commitTimeout: .milliseconds(200)), logger: LedgerFixture.quietLogger, now: LedgerFixture.start)
            defer { store.close() }
            try LedgerFixture.sign(store, policy: policy, key: key, LedgerFixture.transaction(nonce: 0))
            let holder = try SQLite.Connection(path: database)
            try holder.execute("BEGIN IMMEDIATE")
            let started = ContinuousClock.now
            var first: SignerStoreError?
            do {
                try LedgerFixture.sign(store, policy: policy, key: key, LedgerFixture.transaction(nonce: 1))
            } catch {
                first = error as? SignerStoreError
            }
            let waited = ContinuousClock.now - started
            try holder.execute("COMMIT")
            let (_, second) = try LedgerFixture.sign(store, policy: policy, key: key, LedgerFixture.transaction(nonce: 2))
            return (first, waited, second, try LedgerFixture.count("spends", in: database))
        }
        #expect(outcome.first == SignerStoreError(.timedOut, ""))
        #expect(outcome.first?.message.contains("within 200ms") == true)
        #expect(outcome.waited >= .milliseconds(200))
        #expect(outcome.waited < .seconds(4))
        #expect(outcome.second != nil)
        #expect(outcome.spends == 3)
    }

    @Test func closeCommitsWhatIsPendingAndThenRefuses() throws {
        let directory = try LedgerDirectory()
        let key = try LedgerFixture.key()
        let store = try LedgerFixture.open(directory)
        let ticket = try store.record(AuditEntry(request: LedgerFixture.audit(0, method: "account_list"), decision: .allowed))
        store.close()
        try ticket.waitDurable()
        #expect(throws: SignerStoreError(.closed, "")) {
            try store.reserve(LedgerRequest(account: key.address, transaction: LedgerFixture.transaction(nonce: 0), now: LedgerFixture.start, lookback: 0)) { _ in .allow(matched: "x") }
        }
        #expect(try LedgerFixture.count("audit", in: directory.database) == 1)
        #expect(try AuditLog.verify(path: directory.database).isValid)
    }

    // MARK: Opening

    @Test func aCorruptFileIsAClearError() throws {
        let directory = try LedgerDirectory()
        try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 37) }).write(to: URL(fileURLWithPath: directory.database))
        let error = try #require(throws: SignerStoreError.self) { try LedgerFixture.open(directory) }
        #expect(error.kind == .corrupt)
        #expect(error.message.contains(directory.database) && error.message.contains("restore it from a backup"))
    }

    @Test func aDamagedPageIsFoundByTheIntegrityCheck() throws {
        let directory = try LedgerDirectory()
        do {
            let store = try LedgerFixture.open(directory)
            let key = try LedgerFixture.key()
            let policy = try LedgerFixture.policy(account: key.address)
            for nonce in 0..<200 { try LedgerFixture.sign(store, policy: policy, key: key, LedgerFixture.transaction(nonce: UInt64(nonce))) }
            store.close()
        }
        // Fold the WAL into the file, then overwrite the middle of the file (past the header).
        let connection = try SQLite.Connection(path: directory.database)
        try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try connection.close()
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: directory.database))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2)
        handle.write(Data(repeating: 0xFF, count: 4096))
        try handle.close()
        let error = try #require(throws: SignerStoreError.self) { try LedgerFixture.open(directory) }
        #expect(error.kind == .corrupt)
    }

    @Test func aNewerSchemaIsRefused() throws {
        let directory = try LedgerDirectory()
        try LedgerFixture.open(directory).close()
        let connection = try SQLite.Connection(path: directory.database)
        try connection.setUserVersion(LedgerSchema.migrations.count + 1)
        try connection.close()
        let error = try #require(throws: SignerStoreError.self) { try LedgerFixture.open(directory) }
        #expect(error.kind == .schemaTooNew && error.message.contains("newer signer"))
    }

    @Test func anotherProgramsDatabaseIsRefused() throws {
        let directory = try LedgerDirectory()
        let connection = try SQLite.Connection(path: directory.database)
        try connection.execute("CREATE TABLE intents(key TEXT PRIMARY KEY)")
        try connection.close()
        let error = try #require(throws: SignerStoreError.self) { try LedgerFixture.open(directory) }
        #expect(error.kind == .notASignerDatabase)
    }

    @Test func anUnopenablePathIsAClearError() throws {
        let directory = try LedgerDirectory()
        try FileManager.default.createDirectory(atPath: directory.database, withIntermediateDirectories: false)
        let error = try #require(throws: SignerStoreError.self) { try LedgerFixture.open(directory) }
        #expect(error.kind == .cannotOpen || error.kind == .corrupt || error.kind == .io)
        #expect(error.message.contains(directory.database))
        let missing = try #require(throws: SignerStoreError.self) {
            try SignerStore(path: directory.path + "/no/such/dir/signer.db", logger: LedgerFixture.quietLogger)
        }
        #expect(missing.kind == .cannotOpen)
    }

    @Test func aTruncatedAuditLogStopsTheSignerFromStarting() throws {
        let directory = try LedgerDirectory()
        do {
            let store = try LedgerFixture.open(directory)
            for n in 0..<5 {
                try store.record(AuditEntry(request: LedgerFixture.audit(n, method: "account_list"), decision: .allowed)).waitDurable()
            }
            store.close()
        }
        let connection = try SQLite.Connection(path: directory.database)
        try connection.execute("DELETE FROM audit WHERE seq = 5")
        try connection.close()
        let error = try #require(throws: SignerStoreError.self) { try LedgerFixture.open(directory) }
        #expect(error.kind == .auditTampered && error.message.contains("signer audit verify"))
    }
}
