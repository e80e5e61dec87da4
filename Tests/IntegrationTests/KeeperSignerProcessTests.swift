import DevnetTestKit
import EVM
import Foundation
import Glibc
import Keeper
import Oracle
import ProcessTestKit
import Testing

/// The real `keeper run` with the real `signer serve` over its Unix socket, when the signer is
/// not there yet: the keeper keeps ticking, the intent waits with its nonce, and once the signer
/// is up the identical transaction is signed and sent, once.
@Suite(.serialized) struct KeeperSignerProcessTests {
    static let key = KeeperProcessHarness.roundTwoKey

    @Test func aSignerStartedLateSignsTheWaitingIntentOnce() async throws {
        let h = try await KeeperProcessHarness()
        defer { h.stopAll() }
        try await h.advance(3600)
        let nonceBefore = try await h.minedNonce()
        try h.writeConfig()
        let notify = try h.notifySocket()
        let keeper = try h.startKeeper(notify: notify)
        defer { keeper.kill() }

        // No signer: ticks still succeed (the keeper is ready), the intent stays planned.
        try await notify.wait(for: "READY=1", within: .seconds(45)) { $0.contains("READY=1") }
        try await keeper.waitForLogLine("signing failed; retrying the identical transaction next tick", Self.key, within: .seconds(10))
        let waiting = try #require(try h.storedIntent(Self.key))
        #expect(waiting.state == .planned)
        #expect(waiting.nonce == nonceBefore)
        #expect(try await h.round() == U256(1))

        try await h.startSigner()
        let confirmed = try await Poll.until("the intent confirmed once the signer is up; keeper log: \(keeper.log.suffix(1500))", within: .seconds(30)) {
            try h.storedIntent(Self.key).flatMap { $0.state == .confirmed ? $0 : nil }
        }
        #expect(confirmed.nonce == nonceBefore)
        #expect(confirmed.attempts.count == 1)
        #expect(try await h.round() == U256(2))
        #expect(try await h.minedNonce() == nonceBefore + 1)
        let signer = try #require(h.signer)
        let attempt = try #require(confirmed.attempts.first)
        let signed = try await signer.signedTransactionHashes()
        #expect(signed == [Hex.encode(attempt.hash)])
        #expect(keeper.isRunning)

        keeper.send(SIGTERM)
        #expect(try await keeper.waitForExit(within: .seconds(15)) == .exited(0))
    }

    /// A policy whose fee cap is below what the keeper offers: the real signer refuses, naming
    /// its rule; the keeper records the intent failed with that rule and goes on ticking.
    @Test func aRefusalByTheRealSignerFailsTheIntentWithItsRuleAndTheLoopGoesOn() async throws {
        let h = try await KeeperProcessHarness()
        defer { h.stopAll() }
        try await h.startSigner { policy in
            policy.replacingOccurrences(of: "max_fee_per_gas = \"200 gwei\"", with: "max_fee_per_gas = \"0.001 gwei\"")
        }
        try await h.advance(3600)
        let nonceBefore = try await h.minedNonce()
        try h.writeConfig()
        let notify = try h.notifySocket()
        let keeper = try h.startKeeper(notify: notify)
        defer { keeper.kill() }

        let failed = try await Poll.until("the intent failed by the signer's refusal; keeper log: \(keeper.log.suffix(1500))", within: .seconds(45)) {
            try h.storedIntent(Self.key).flatMap { $0.state == .failed ? $0 : nil }
        }
        #expect(failed.failureRule == "max_fee_per_gas", "\(failed.failureReason ?? "")")
        #expect(failed.attempts.isEmpty)
        let signer = try #require(h.signer)
        #expect(try await signer.refusalRules() == ["max_fee_per_gas"])
        #expect(try await signer.signedTransactionHashes().isEmpty)
        try await keeper.waitForLogLine("the signer refused; intent failed", "keeper.signer.rule=max_fee_per_gas", within: .seconds(5))

        // The loop goes on: ticks on later blocks succeed, nothing was sent, the nonce is free.
        try await h.devnet.control("evm_mine")
        let head = try await h.rpc.blockNumber()
        try await notify.wait(for: "a good tick at block \(head)", within: .seconds(20)) { $0.contains { $0.hasPrefix("STATUS=block \(head):") } }
        #expect(keeper.isRunning)
        #expect(try await h.minedNonce() == nonceBefore)
        #expect(try await h.round() == U256(1))
        keeper.send(SIGTERM)
        #expect(try await keeper.waitForExit(within: .seconds(15)) == .exited(0))
    }
}
