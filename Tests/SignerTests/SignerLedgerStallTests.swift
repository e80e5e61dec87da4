import EVM
import Foundation
import ProcessTestKit
import SQLite
import SignerWire
import Testing

/// The real `signer serve` with a ledger that cannot commit for a while (another process holds
/// the database's write lock): the request is refused within the commit timeout with a reason
/// that says so, never a hang and never a signature; once the lock goes it signs again, and the
/// refused request counts against the budget (over-counted, never under-counted).
@Suite(.enabled(if: builtSignerPath != nil))
struct SignerLedgerStallTests {
    /// A signer (commit timeout 300 ms, a count budget) that has signed nonce 0, and another
    /// connection that now holds its database's write lock.
    static func signedOnceThenLocked() async throws -> (sut: SignerUnderTest, serve: ManagedProcess, client: SignerClient, holder: SQLite.Connection) {
        let sut = try await SignerUnderTest(
            policy: SignerUnderTest.policy(extra: "[[budget]]\nwindow = \"24h\"\nmax_count = 1_000\n"),
            database: "commit_timeout = \"300ms\"")
        let serve = try await sut.signer.start()
        let client = sut.client()
        _ = try await client.signTransaction(try SignerUnderTest.resolve(nonce: 0), methodSignature: "resolve(uint256,bool)")
        let holder = try SQLite.Connection(path: sut.signer.databasePath)
        try holder.execute("BEGIN IMMEDIATE")
        return (sut, serve, client, holder)
    }

    @Test func aLedgerThatCannotCommitIsARefusalWithinTheCommitTimeout() async throws {
        let (sut, serve, client, holder) = try await Self.signedOnceThenLocked()
        defer {
            client.close()
            withExtendedLifetime(sut) {}  // its directory and signer live until the test ends
        }
        let started = ContinuousClock.now
        let error = await #expect(throws: SignerClientError.self) {
            try await client.signTransaction(try SignerUnderTest.resolve(nonce: 1), methodSignature: "resolve(uint256,bool)")
        }
        let waited = ContinuousClock.now - started
        try holder.execute("COMMIT")
        try holder.close()

        // Refused after the commit timeout, long before SQLite's 5 s busy timeout, saying why.
        #expect(waited >= .milliseconds(300))
        #expect(waited < .seconds(4))
        #expect(error?.rpcError?.knownCode == .internalError)
        #expect(error?.message.contains("did not commit within 300ms") == true, "\(String(describing: error))")
        try await serve.waitForLogLine("could not record a signature durably", within: .seconds(10))

        // The ledger commits again, and the refused request was counted.
        _ = try await client.signTransaction(try SignerUnderTest.resolve(nonce: 2), methodSignature: "resolve(uint256,bool)")
        let count = try #require(try await client.status().budgets.first { $0.kind == .count })
        #expect(count.used == U256(3))
        #expect(serve.isRunning)
    }

    /// A commit that fails outright (the write lock held past SQLite's 5 s wait): the store
    /// refuses everything, the signer stops and exits 1 so that systemd restarts it, and the
    /// restarted signer signs again on the same ledger.
    @Test func aFailedCommitStopsTheSignerWithExitStatusOne() async throws {
        let (sut, serve, client, holder) = try await Self.signedOnceThenLocked()
        defer { client.close() }
        let error = await #expect(throws: SignerClientError.self) {
            try await client.signTransaction(try SignerUnderTest.resolve(nonce: 1), methodSignature: "resolve(uint256,bool)")
        }
        #expect(error?.rpcError?.knownCode == .internalError)
        // The commit gives up after SQLite's 5 s busy wait; then the signer stops by itself.
        let exit = try await serve.waitForExit(within: .seconds(30))
        try holder.execute("COMMIT")
        try holder.close()
        #expect(exit == .exited(1), "\(serve.log.suffix(1500))")
        #expect(serve.log.contains("signer database commit failed"))
        #expect(serve.log.contains("the signer stops because its ledger failed"))

        // Restarted (as systemd would), it signs again; the failed batch left nothing behind,
        // so nonce 1 is free.
        let restarted = try await sut.signer.start()
        defer { restarted.kill() }
        let again = sut.client()
        defer { again.close() }
        #expect(try await again.signTransaction(try SignerUnderTest.resolve(nonce: 1), methodSignature: "resolve(uint256,bool)").hash.count == 32)
    }
}
