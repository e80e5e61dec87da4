import EVM
import Foundation
import ProcessTestKit
import SQLite
import SignerWire
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// kill -9 of the real `signer serve` under load, then a restart on the same state: the ledger
/// holds a spend for every signature that was returned (a crash may over-count, never
/// under-count), the audit chain verifies, and the signed-nonce record survived.
@Suite(.enabled(if: builtSignerPath != nil))
struct SignerKillRestartTests {
    static let connections = 4
    /// Signatures returned before the kill.
    static let target = 300

    /// What the clients got back: per nonce, the signed transaction's hash and raw bytes.
    struct Returned: Sendable {
        var byNonce: [UInt64: (hash: String, raw: [UInt8])] = [:]
        var refusals: [String] = []
    }

    /// ``Returned``, shared by the client tasks.
    final class Collector: Sendable {
        let state = Mutex(Returned())
    }

    @Test func everySignatureReturnedBeforeAKillDashNineIsInTheLedgerAfterTheRestart() async throws {
        let sut = try await SignerUnderTest(policy: SignerUnderTest.policy(extra: """
            [[budget]]
            window = "24h"
            max_count = 1_000_000

            """))
        let serve = try await sut.signer.start()
        let returned = Collector()

        // Several connections sign as fast as they can; the kill comes while they do.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for connection in 0..<Self.connections {
                let client = sut.client()
                group.addTask {
                    defer { client.close() }
                    var nonce = UInt64(connection) * 1_000_000
                    while true {
                        let transaction = try SignerUnderTest.resolve(nonce: nonce)
                        do {
                            let result = try await client.signTransaction(transaction, methodSignature: "resolve(uint256,bool)")
                            returned.state.withLock { $0.byNonce[nonce] = (Hex.encode(result.hash), result.raw) }
                        } catch {
                            // The kill (the connection drops); anything else is recorded.
                            if let refusal = (error as? SignerClientError)?.refusal { returned.state.withLock { $0.refusals.append("\(refusal.rule): \(refusal.reason)") } }
                            return
                        }
                        nonce += 1
                    }
                }
            }
            try await Poll.until("\(Self.target) signatures before the kill", within: .seconds(30)) {
                returned.state.withLock { $0.byNonce.count } >= Self.target
            }
            serve.send(SIGKILL)
            try await group.waitForAll()
        }
        #expect(try await serve.waitForExit(within: .seconds(10)) == .signalled(SIGKILL))
        let result = returned.state.withLock { $0 }
        #expect(result.refusals.isEmpty)
        #expect(result.byNonce.count >= Self.target)

        // Restart on the same directory (its socket file is now stale).
        try await sut.signer.start()
        let database = try SQLite.Connection(path: sut.signer.databasePath, mode: .readOnly)
        let spent = Set(try database.query("SELECT lower(hex(tx_hash)) FROM spends") { "0x" + (try $0.string(at: 0)) })
        let signed = Set(try database.query("SELECT lower(hex(tx_hash)) FROM signed_transactions") { "0x" + (try $0.string(at: 0)) })
        let missing = result.byNonce.values.map(\.hash).filter { !spent.contains($0) || !signed.contains($0) }
        #expect(missing.isEmpty, "returned but not in the ledger: \(missing.prefix(5))")
        // Over-counted at most by the requests in flight at the kill: one per connection.
        #expect(spent.count >= result.byNonce.count)
        #expect(spent.count <= result.byNonce.count + Self.connections)

        let client = sut.client()
        let status = try await client.status()
        let count = try #require(status.budgets.first { $0.kind == .count })
        #expect(count.used >= U256(UInt64(result.byNonce.count)))
        #expect(count.used <= U256(UInt64(result.byNonce.count + Self.connections)))
        #expect(try await sut.signer.run(["audit", "verify", "--db", sut.signer.databasePath]).status == 0)

        // The signed nonces survived: another call on a signed nonce is refused, the same
        // transaction again gets the same signature.
        let (nonce, first) = try #require(result.byNonce.min { $0.key < $1.key })
        let different = try SignerUnderTest.resolve(nonce: nonce, marketId: 8)
        let refusal = await #expect(throws: SignerClientError.self) {
            try await client.signTransaction(different, methodSignature: "resolve(uint256,bool)")
        }
        #expect(refusal?.refusal?.rule == "nonce")
        let again = try await client.signTransaction(try SignerUnderTest.resolve(nonce: nonce), methodSignature: "resolve(uint256,bool)")
        #expect(again.raw == first.raw)
        client.close()
    }
}
