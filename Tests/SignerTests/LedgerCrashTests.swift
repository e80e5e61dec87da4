import EVM
import Foundation
import ProcessTestKit
import SQLite
import Synchronization
import Testing
@testable import Signer

#if canImport(Glibc)
import Glibc
#endif

/// kill -9 under load: a child process (this test binary, in the writer role) signs through the
/// store on several threads and prints each nonce once `waitDurable()` returned, which is when a
/// signer would send the signature. The parent kills it with SIGKILL mid-stream, reopens the
/// database, and checks that every printed nonce is there.
@Suite struct LedgerCrashTests {
    static let roleVariable = "SIGNER_LEDGER_CRASH_WRITER_DB"
    static let threads = 4

    /// The child's role. A no-op in a normal run; with the variable set (by the crash test) it
    /// signs until killed (or for 60 s at most).
    @Test func writerRole() throws {
        guard let path = ProcessInfo.processInfo.environment[Self.roleVariable] else { return }
        let key = try LedgerFixture.key()
        let policy = try LedgerFixture.policy(account: key.address)
        let store = try SignerStore(path: path, logger: LedgerFixture.quietLogger)
        let deadline = ContinuousClock.now + .seconds(60)
        _ = onThreads(Self.threads, timeout: .seconds(90)) { t in
            var nonce = UInt64(t) * 1_000_000
            while ContinuousClock.now < deadline {
                do {
                    let (decision, _) = try LedgerFixture.sign(
                        store, policy: policy, key: key, LedgerFixture.transaction(nonce: nonce), now: Date(), n: Int(nonce))
                    if decision.isAllowed {
                        let line = Array("DURABLE \(nonce)\n".utf8)
                        // One write(2) per line: atomic on a pipe, so lines from threads never mix.
                        _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
                    }
                } catch {
                    let line = Array("ERROR \(error)\n".utf8)
                    _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
                    return
                }
                nonce += 1
            }
        }
    }

    /// What the killed writer left: whether it was still running at the kill, whether its pipe
    /// closed, how it ended, and what it printed.
    struct KilledWriter: Sendable {
        var runningAtKill: Bool
        var pipeClosed: Bool
        var reason: Process.TerminationReason
        var status: Int32
        var text: String
    }

    /// Starts the writer on `database`, lets it print `target` lines (or 90 s pass), kills it
    /// with SIGKILL and reaps it. Blocking: run it with `onOwnThread`.
    static func runWriterAndKill(database: String, target: Int) throws -> KilledWriter {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = ["--testing-library", "swift-testing", "--filter", "LedgerCrashTests/writerRole"]
        var environment = ProcessInfo.processInfo.environment
        environment[Self.roleVariable] = database
        child.environment = environment
        let output = Pipe()
        child.standardOutput = output
        child.standardError = FileHandle.nullDevice

        // A reader thread collects the child's output; we poll it with a deadline.
        let collected = Mutex<[UInt8]>([])
        let arrived = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let reading = output.fileHandleForReading
        Thread {
            while true {
                let data = reading.availableData
                if data.isEmpty { break }
                collected.withLock { $0.append(contentsOf: data) }
                arrived.signal()
            }
            done.signal()
        }.start()

        try child.run()
        defer { if child.isRunning { kill(child.processIdentifier, SIGKILL) } }
        let deadline = ContinuousClock.now + .seconds(90)
        var seen = 0
        while seen < target, ContinuousClock.now < deadline, child.isRunning {
            _ = arrived.wait(timeout: .now() + 1)
            seen = collected.withLock { $0.count { $0 == UInt8(ascii: "\n") } }
        }
        let runningAtKill = child.isRunning
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        let pipeClosed = done.wait(timeout: .now() + 30) == .success
        return KilledWriter(runningAtKill: runningAtKill, pipeClosed: pipeClosed, reason: child.terminationReason,
                            status: child.terminationStatus, text: String(decoding: collected.withLock { $0 }, as: UTF8.self))
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment[roleVariable] == nil))
    func killDashNineUnderLoadLosesNoSpendWhoseSignatureLeft() async throws {
        let directory = try LedgerDirectory()
        let target = 3000
        let writer = try await onOwnThread { [database = directory.database] in
            try Self.runWriterAndKill(database: database, target: target)
        }
        #expect(writer.runningAtKill, "the writer stopped before it was killed")
        #expect(writer.pipeClosed, "the pipe closes when the child dies")
        #expect(writer.reason == .uncaughtSignal && writer.status == SIGKILL)

        let text = writer.text
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(!lines.contains { $0.hasPrefix("ERROR") }, "the writer failed: \(lines.filter { $0.hasPrefix("ERROR") }.prefix(3))")
        let printed = Set(lines.compactMap { line -> UInt64? in
            guard line.hasPrefix("DURABLE ") else { return nil }
            return UInt64(line.dropFirst("DURABLE ".count))
        })
        #expect(printed.count >= target / 2, "the child printed \(printed.count) durable signatures before the kill")

        // Reopen: the store starts (the audit head matches its anchor), and every printed
        // spend and signed nonce is in the database.
        let store = try LedgerFixture.open(directory, now: Date())
        let connection = try SQLite.Connection(path: directory.database, mode: .readOnly)
        let spent = Set(try connection.query("SELECT nonce FROM spends") { UInt64(bitPattern: try $0.int64(at: 0)) })
        let signed = Set(try connection.query("SELECT nonce FROM signed_transactions") { UInt64(bitPattern: try $0.int64(at: 0)) })
        let missingSpends = printed.subtracting(spent)
        #expect(missingSpends.isEmpty, "spends returned but not durable: \(missingSpends.sorted().prefix(10))")
        #expect(printed.subtracting(signed).isEmpty)
        let verification = try AuditLog.verify(connection)
        #expect(verification.isValid, "\(verification)")
        print("[ledger figures] kill -9: \(printed.count) signatures returned before the kill, \(spent.count) spends in the database after restart (\(spent.count - printed.count) committed but not yet returned), audit log of \(verification.rowCount) rows intact")

        // The nonce rule survived the crash: a different call at a returned nonce is refused.
        let key = try LedgerFixture.key()
        let policy = try LedgerFixture.policy(account: key.address)
        let nonce = try #require(printed.min())
        let other = LedgerFixture.transaction(nonce: nonce, data: [0x60, 0x02])
        #expect(try LedgerFixture.sign(store, policy: policy, key: key, other, now: Date()).0.refusingRule == PolicyRuleID.nonce)
        store.close()
    }
}
