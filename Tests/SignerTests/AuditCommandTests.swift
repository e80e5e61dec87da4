import EVM
import Foundation
import ProcessTestKit
import SQLite
import Testing
@testable import Signer

/// The `signer` binary built next to this test binary, if there is one.
let builtSignerPath: String? = try? BuiltExecutable.path("signer")

/// `signer audit verify|tail` as a process: the real `signer` binary next to this test binary
/// (built by `swift build --build-tests`; the tests are skipped when it is missing).
@Suite(.enabled(if: builtSignerPath != nil))
struct AuditCommandTests {

    /// Runs `signer` with `arguments` off the cooperative pool; the exit status and what it wrote
    /// (standard output, then standard error).
    func signer(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let run = try await ChildProcess.run(try #require(builtSignerPath), arguments)
        return (run.status, run.stdout + run.stderr)
    }

    func makeLog() throws -> LedgerDirectory {
        let directory = try LedgerDirectory()
        let key = try LedgerFixture.key()
        let policy = try LedgerFixture.policy(account: key.address)
        let store = try LedgerFixture.open(directory)
        for n in 0..<6 {
            try LedgerFixture.sign(store, policy: policy, key: key, LedgerFixture.transaction(nonce: UInt64(n)), n: n)
        }
        store.close()
        return directory
    }

    @Test func verifyExitsZeroOnAnIntactLogAndOneNamingTheFirstBadRow() async throws {
        let directory = try makeLog()
        let clean = try await signer(["audit", "verify", "--db", directory.database])
        #expect(clean.status == 0 && clean.output.contains("intact: 6 rows"), "\(clean.output)")
        let connection = try SQLite.Connection(path: directory.database)
        try connection.execute("DELETE FROM audit WHERE seq = 3")
        try connection.close()
        let damaged = try await signer(["audit", "verify", "--db", directory.database])
        #expect(damaged.status == 1 && damaged.output.contains("first bad row 3"), "\(damaged.output)")
        let missing = try await signer(["audit", "verify", "--db", directory.path + "/nothing.db"])
        #expect(missing.status == 1 && missing.output.contains("no signer database"), "\(missing.output)")
    }

    @Test func tailShowsOneLinePerRow() async throws {
        let directory = try makeLog()
        let result = try await signer(["audit", "tail", "--db", directory.database, "-n", "2"])
        #expect(result.status == 0)
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == 2, "\(result.output)")
        #expect(lines.first?.hasPrefix("5  ") == true && lines.last?.hasPrefix("6  ") == true)
        #expect(lines.allSatisfy { $0.contains("uid=1000") && $0.contains("account_signTransaction  allowed") && $0.contains("0x") })
    }
}
