import DevnetTestKit
import EVM
import Foundation
import Glibc
import Keeper
import Oracle
import ProcessTestKit
import Testing

/// `kill -9` of the real `keeper run` between broadcast and receipt, with the real signer and
/// the twap-push strategy of the shipped binary: the restarted keeper resumes tracking from its
/// database, and the idempotency key gets exactly one transaction and one effect on chain.
@Suite(.serialized) struct KeeperKillRestartTests {
    static let key = KeeperProcessHarness.roundTwoKey

    @Test func killNineBetweenSendAndReceiptThenRestartGivesExactlyOneEffect() async throws {
        let h = try await KeeperProcessHarness()
        defer { h.stopAll() }
        try await h.startSigner()
        // An hour on: the feed's heartbeat is due, so the keeper pushes round 2.
        try await h.advance(3600)
        let roundBefore = try await h.round()
        let nonceBefore = try await h.minedNonce()
        #expect(roundBefore == U256(1))
        // Hold what is sent in the pool: the transaction stays sent and unmined.
        try await h.setAutomine(false)
        try h.writeConfig()

        let first = try h.startKeeper()
        let sent = try await Poll.until("the intent stored as sent; keeper log: \(first.log.suffix(1500))", within: .seconds(45)) {
            try h.storedIntent(Self.key).flatMap { $0.state == .sent ? $0 : nil }
        }
        #expect(sent.attempts.count == 1)
        #expect(try await h.pooled() == 1)
        first.send(SIGKILL)
        #expect(try await first.waitForExit(within: .seconds(10)) == .signalled(SIGKILL))

        // The same database, a new process; it is ready after its first good tick.
        let notify = try h.notifySocket()
        let second = try h.startKeeper(notify: notify)
        defer { second.kill() }
        try await notify.wait(for: "READY=1", within: .seconds(45)) { $0.contains("READY=1") }
        try await second.waitForLogLine("resuming: tracking the transaction", Self.key, within: .seconds(5))
        // It decided on the same head and found the key taken: still one transaction, pooled.
        #expect(try await h.pooled() == 1)
        #expect(try h.storedIntent(Self.key)?.attempts.count == 1)

        // Release the pool: the held transaction is mined, and the restarted keeper confirms it.
        try await h.setAutomine(true)
        let confirmed = try await Poll.until("the intent confirmed; keeper log: \(second.log.suffix(1500))", within: .seconds(30)) {
            try h.storedIntent(Self.key).flatMap { $0.state == .confirmed ? $0 : nil }
        }
        // Three more blocks, each ticked: the strategy decides again and nothing more is sent.
        try await h.devnet.control("evm_mine", [.object(["blocks": .number("3")])])
        let head = try await h.rpc.blockNumber()
        try await notify.wait(for: "a tick at block \(head)", within: .seconds(20)) { $0.contains { $0.hasPrefix("STATUS=block \(head):") } }

        #expect(try await h.round() == roundBefore + U256(1))
        #expect(try await h.minedNonce() == nonceBefore + 1)
        #expect(try await h.pooled() == 0)
        let attempt = try #require(confirmed.attempts.first)
        #expect(confirmed.attempts.count == 1)
        #expect(confirmed.mined?.hash == attempt.hash)
        #expect(confirmed.mined?.succeeded == true)
        #expect(try h.storedKeys().filter { $0.hasPrefix("twap-push/") } == [Self.key])
        // The signer signed once, ever: the restarted keeper asked for nothing.
        let signer = try #require(h.signer)
        let signed = try await signer.signedTransactionHashes()
        #expect(signed == [Hex.encode(attempt.hash)])
        // Its nonce bookkeeping survived the kill: no false alarm about another sender.
        #expect(!second.log.contains("the chain's nonce is ahead"), "\(second.logLines.filter { $0.contains("nonce") })")

        second.send(SIGTERM)
        #expect(try await second.waitForExit(within: .seconds(15)) == .exited(0))
    }
}
