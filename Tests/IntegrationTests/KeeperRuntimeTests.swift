import DevnetTestKit
import EVM
import Foundation
import Keeper
import Oracle
import Strategies
import Testing

/// The keeper's runtime on the devnet: end to end with the test strategy, RPC faults, a held
/// transaction replaced, restarts between steps, signer refusals, reorgs and dry-run.
///
/// Signing goes through `LocalKeySigner` (TEST ONLY, the `TransactionSigner` seam) until the
/// signer's client and its `serve` command are on main.
@Suite(.serialized) struct KeeperRuntimeTests {
    static let key = "push/\(KeeperHarness.feed)/period-0"

    static func devnet() async throws -> Devnet { try await Devnet.start(scenario: "contracts") }

    @Test func endToEndOnePushSentMinedConfirmedOnce() async throws {
        let devnet = try await Self.devnet()
        let h = try KeeperHarness(devnet: devnet)
        let app = try await h.app()
        let first = try await app.engine.tick()
        #expect(first.sent == [Self.key], "\(first.summary)")
        try await h.tick(app) { $0.confirmed.contains(Self.key) }
        // More ticks on new blocks: the strategy still wants it, the key says no.
        try await h.mine(3)
        let later = try await h.tick(app) { $0.head != .unchanged }
        #expect(later.allSatisfy { $0.sent.isEmpty })
        #expect(try await h.rounds() == U256(1))
        #expect(try await h.minedNonce() == 1)
        let store = try IntentStore(path: h.databasePath)
        let stored = try #require(try store.intent(key: Self.key))
        #expect(stored.state == .confirmed)
        #expect(stored.attempts.count == 1)
        #expect(stored.mined?.succeeded == true)
        let metrics = app.metrics.renderText()
        #expect(metrics.contains("keeper_transactions_sent_total 1"))
        #expect(metrics.contains("keeper_transactions_confirmed_total 1"))
        #expect(metrics.contains(#"keeper_intents{state="confirmed"} 1"#))
    }

    @Test func intentsPastTheInFlightBoundAreHeldUnsimulated() async throws {
        let devnet = try await Self.devnet()
        let h = try KeeperHarness(devnet: devnet, fees: "max_in_flight = 2", strategy: "copies = 5")
        let app = try await h.app()
        let first = try await app.engine.tick()
        // Two sent, three held, and only the two sent were simulated (one plan each).
        #expect(first.sent.count == 2 && first.held.count == 3, "\(first.summary)")
        #expect(first.plans.count == 2)
        // Once they are mined the held ones go out, two at a time; each key exactly once.
        var sent = first.sent
        let deadline = ContinuousClock.now + .seconds(60)
        while sent.count < 5, ContinuousClock.now < deadline {
            try await h.mine(1)
            let report = try await app.engine.tick()
            #expect(report.plans.count <= 2, "\(report.summary)")
            sent += report.sent
        }
        #expect(Set(sent).count == 5 && sent.count == 5)
    }

    /// Each fault hits the first requests of the tick; retries and failover carry it.
    static let faults: [(String, [String: JSONValue])] = [
        ("timeout", ["kind": "delay", "ms": 1500, "count": 2]),
        ("429", ["kind": "http429", "count": 3]),
        ("5xx", ["kind": "http5xx", "count": 3]),
        ("garbage", ["kind": "malformed", "count": 3]),
        ("dropped connection", ["kind": "drop", "count": 3]),
        ("error envelope", ["kind": "errorEnvelope", "count": 3, "methods": ["eth_getBlockByNumber", "eth_call", "eth_feeHistory"]]),
    ]

    @Test(arguments: faults.map(\.0)) func rpcFaultsNoCrashNoDuplicate(_ name: String) async throws {
        let fault = try #require(Self.faults.first { $0.0 == name }?.1)
        let devnet = try await Self.devnet()
        let h = try KeeperHarness(devnet: devnet)
        let app = try await h.app()
        try await devnet.control("devnet_setFault", [.object(fault)])
        try await h.tick(app) { $0.confirmed.contains(Self.key) }
        try await devnet.control("devnet_setFault", [.object(fault)])
        try await h.mine(2)
        try await h.tick(app) { $0.head != .unchanged }
        #expect(try await h.rounds() == U256(1))
        #expect(try await h.minedNonce() == 1)
        #expect(app.metrics.renderText().contains("keeper_rpc_errors_total{endpoint=\"devnet\""))
    }

    @Test func endpointDownFailsOverToTheNext() async throws {
        let devnet = try await Self.devnet()
        // Port 9 on loopback: nothing listens (connection refused).
        let h = try KeeperHarness(devnet: devnet, endpoints: [("down", "http://127.0.0.1:9/"), ("devnet", devnet.url.absoluteString)])
        let app = try await h.app()
        try await h.tick(app) { $0.confirmed.contains(Self.key) }
        #expect(try await h.rounds() == U256(1))
        #expect(app.metrics.renderText().contains("keeper_rpc_errors_total{endpoint=\"down\",kind=\"transport\"}"))
    }

    /// Held the way a real chain holds a transaction: the base fee rises above its fee cap
    /// (`anvil_setNextBlockBaseFeePerGas`, then EIP-1559 from there), so blocks are mined
    /// without it; after `bump_after_blocks` the keeper replaces it with fees that cover the new
    /// base fee, and the replacement, not the original, is mined.
    @Test func heldTransactionIsReplacedThenMined() async throws {
        let devnet = try await Self.devnet()
        let h = try KeeperHarness(devnet: devnet)
        let app = try await h.app()
        try await h.setAutomine(false)
        let first = try await app.engine.tick()
        #expect(first.sent == [Self.key], "\(first.summary)")
        let sent = try #require(try IntentStore(path: h.databasePath).intent(key: Self.key)?.attempts.first)
        let heldAt = sent.fees.maxFeePerGas.multipliedReportingOverflow(by: 2).partialValue
        try await devnet.control("anvil_setNextBlockBaseFeePerGas", [.string(heldAt.hexQuantity)])
        try await h.mine(2)
        // Two blocks above its fee cap (2x, then 1.75x after an empty block): still pending.
        #expect(try await h.rpc.receipt(sent.hash) == nil)
        #expect(try await h.minedNonce() == 0)
        let bumped = try await h.tick(app) { !$0.replaced.isEmpty }
        #expect(bumped.last?.replaced == [Self.key])
        try await h.mine()
        try await h.tick(app) { $0.confirmed.contains(Self.key) }
        #expect(try await h.rounds() == U256(1))
        #expect(try await h.minedNonce() == 1)
        let stored = try #require(try IntentStore(path: h.databasePath).intent(key: Self.key))
        #expect(stored.attempts.count == 2)
        let replacement = try #require(stored.attempts.last)
        #expect(FeePolicy.isValidReplacement(replacement.fees, of: sent.fees))
        #expect(replacement.fees.maxFeePerGas > heldAt - heldAt / 8, "the replacement covers the base fee it met")
        #expect(stored.mined?.hash == replacement.hash)
        #expect(try await h.rpc.receipt(sent.hash) == nil, "the held original was never mined")
        #expect(app.metrics.renderText().contains("keeper_transactions_replaced_total 1"))
    }

    /// A crash between broadcast and receipt: the first keeper is abandoned without any shutdown
    /// (its store was last written when it recorded `sent`), a second one opens the same database.
    @Test func restartBetweenSendAndReceiptExactlyOneEffect() async throws {
        let devnet = try await Self.devnet()
        let h = try KeeperHarness(devnet: devnet)
        try await h.setAutomine(false)
        do {
            let crashed = try await h.app()
            let first = try await crashed.engine.tick()
            #expect(first.sent == [Self.key])
        }
        let restarted = try await h.app()
        try await h.mine()
        try await h.tick(restarted, mineBetween: true) { $0.confirmed.contains(Self.key) }
        #expect(try await h.rounds() == U256(1))
        #expect(try await h.minedNonce() == 1)
        #expect(h.signer.requests.count == 1)
    }

    /// A crash after the nonce was fixed but before the signer answered: the restarted keeper asks
    /// for the identical transaction.
    @Test func restartBeforeSigningAsksForTheIdenticalTransaction() async throws {
        let devnet = try await Self.devnet()
        let h = try KeeperHarness(devnet: devnet)
        h.signer.behave(.unavailable)
        do {
            let crashed = try await h.app()
            let first = try await crashed.engine.tick()
            #expect(first.sent.isEmpty && !first.problems.isEmpty)
            #expect(try IntentStore(path: h.databasePath).intent(key: Self.key)?.state == .planned)
        }
        h.signer.behave(.sign)
        let restarted = try await h.app()
        try await h.tick(restarted) { $0.confirmed.contains(Self.key) }
        let requests = h.signer.requests
        #expect(requests.count == 2)
        #expect(requests[0] == requests[1])
        #expect(try await h.rounds() == U256(1))
    }

    @Test func signerRefusalIsRecordedAndTheLoopGoesOn() async throws {
        let devnet = try await Self.devnet()
        let h = try KeeperHarness(devnet: devnet, strategy: "period_seconds = 1000")
        let app = try await h.app()
        h.signer.behave(.refuse(rule: "max_fee_per_gas", reason: "maxFeePerGas above 100 gwei"))
        let refused = try await app.engine.tick()
        let firstKey = try #require(refused.refused.keys.first)
        #expect(refused.refused[firstKey] == "max_fee_per_gas")
        let stored = try #require(try IntentStore(path: h.databasePath).intent(key: firstKey))
        #expect(stored.state == .failed)
        #expect(stored.failureRule == "max_fee_per_gas")
        #expect(app.metrics.renderText().contains(#"keeper_signer_refusals_total{rule="max_fee_per_gas"} 1"#))
        // The next period: the signer signs again, the keeper pushes; the nonce was given back.
        h.signer.behave(.sign)
        let block = try #require(try await h.rpc.block(.latest))
        try await devnet.control("evm_mine", [.object(["timestamp": .number(String(block.timestamp + 1_000))])])
        try await h.tick(app) { !$0.confirmed.isEmpty }
        #expect(try await h.rounds() == U256(1))
        #expect(try await h.minedNonce() == 1)
    }

    @Test func reorgPutsTheTransactionBackAndItIsMinedAgain() async throws {
        let devnet = try await Self.devnet()
        let h = try KeeperHarness(devnet: devnet, head: "", strategy: "")
        let app = try await h.app()
        // Three confirmations, so the receipt is seen before it is final.
        var settings = await app.engine.settings
        settings.confirmations = 3
        await app.engine.reconfigure(
            settings: settings,
            strategies: try h.config().enabledStrategies.map { .init(observer: $0.observer, strategy: $0.strategy) })
        let snapshot = try await devnet.control("evm_snapshot")
        _ = try await app.engine.tick()
        try await h.tick(app) { _ in
            (try? IntentStore(path: h.databasePath).intent(key: Self.key)?.mined) != nil
        }
        let minedBefore = try #require(try IntentStore(path: h.databasePath).intent(key: Self.key)?.mined)
        // The block holding it leaves the chain; another block takes its height. (A fork that
        // comes back several blocks longer: aReorgThatComesBackLongerIsReportedAsAReorg.)
        try await devnet.control("evm_revert", [snapshot])
        try await h.setAutomine(false)
        try await h.mine(1)
        try await h.setAutomine(true)
        let reports = try await h.tick(app, mineBetween: true) { $0.confirmed.contains(Self.key) }
        #expect(reports.contains { $0.head == .reorganised })
        let minedAfter = try #require(try IntentStore(path: h.databasePath).intent(key: Self.key)?.mined)
        #expect(minedAfter.blockHash != minedBefore.blockHash)
        #expect(try await h.rounds() == U256(1))
        #expect(try await h.minedNonce() == 1)
    }

    /// The chain forks below the keeper's head and the new branch is already longer when the
    /// keeper next looks: the new head's parent is nothing the keeper saw, yet it is a reorg.
    @Test func aReorgThatComesBackLongerIsReportedAsAReorg() async throws {
        let devnet = try await Self.devnet()
        let h = try KeeperHarness(devnet: devnet)
        let app = try await h.app(.dryRun)
        let snapshot = try await devnet.control("evm_snapshot")
        try await h.mine(2)
        let before = try await app.engine.tick()
        #expect(before.head == .first)
        try await devnet.control("evm_revert", [snapshot])
        // Five blocks on another branch, the first at another time, so that every hash differs.
        try await devnet.control("evm_mine", [.object(["timestamp": .number(String(before.block.timestamp + 100))])])
        try await h.mine(4)
        let after = try await app.engine.tick()
        #expect(after.block.number == before.block.number + 3)
        #expect(after.head == .reorganised, "\(after.summary)")
        #expect(after.summary.contains("reorg"))
    }

    @Test func dryRunPlansFieldByFieldAndWritesNothing() async throws {
        let devnet = try await Self.devnet()
        let h = try KeeperHarness(devnet: devnet)
        let app = try await h.app(.dryRun)
        let report = try await app.engine.tick()
        let plan = try #require(report.plans.first)
        #expect(report.plans.count == 1)
        #expect(h.signer.requests.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: h.databasePath))
        #expect(try await h.minedNonce() == 0)

        let json = try JSONValue.parse(String(PlanFormatter.jsonLines(report.plans, block: report.block.number).split(separator: "\n")[0]))
        #expect(json["block"] == .number(String(report.block.number)))
        #expect(json["strategy"] == "push")
        #expect(json["key"] == .string(Self.key))
        #expect(json["to"]?["name"] == "PriceFeedSink")
        #expect(json["to"]?["address"] == .string(h.sink.checksummed))
        #expect(json["from"] == .string(h.keeperAccount.checksummed))
        #expect(json["function"] == "function pushPrice(bytes32 feedId, uint256 price, uint256 observedAt)")
        let args = try #require(json["arguments"]?.arrayValue)
        #expect(args.map { $0["name"] } == ["feedId", "price", "observedAt"])
        #expect(args[1]["value"] == "1000000000000000000000")
        #expect(args[2]["value"] == .string(String(report.block.timestamp)))
        #expect(json["value"] == "0")
        #expect(json["simulation"]?["status"] == "ok")
        #expect(json["calldata"] == .string(Hex.encode(plan.calldata)))
        let estimate = try #require(plan.gasEstimate)
        #expect(estimate > 21_000)
        #expect(json["gasEstimate"] == .number(String(estimate)))
        #expect(json["gasLimit"] == .number(String(estimate + estimate * 2_000 / 10_000)))
        #expect(json["maxFeePerGas"]?.stringValue != nil)
        #expect(json["expectedFeeWei"]?.stringValue != nil)

        let text = PlanFormatter.text(report.plans, block: report.block.number)
        #expect(text.contains("#1  push  \(Self.key)"))
        #expect(text.contains("to         PriceFeedSink \(h.sink.checksummed)"))
        #expect(text.contains("call       pushPrice(feedId=0x"))
        #expect(text.contains("simulation ok"))
    }

    @Test func dryRunShowsARevertWithItsReason() async throws {
        let devnet = try await Self.devnet()
        let h = try KeeperHarness(devnet: devnet, strategy: "revert = true")
        let app = try await h.app(.dryRun)
        let report = try await app.engine.tick()
        let plan = try #require(report.plans.first)
        guard case .reverted(let reason, _) = plan.simulation else {
            Issue.record("expected a revert, got \(plan.simulation)")
            return
        }
        #expect(!reason.isEmpty)
        #expect(report.reverted == [Self.key])
        #expect(PlanFormatter.text(report.plans, block: report.block.number).contains("REVERTS: \(reason) (will not be sent)"))
    }

    @Test func tickServiceExitsWhenTheHeadStalls() async throws {
        let devnet = try await Self.devnet()
        let h = try KeeperHarness(devnet: devnet, head: "stall_after = \"1s\"")
        let app = try await h.app()
        try await devnet.control("devnet_setFault", [.object(["kind": "stallHead"])])
        let service = TickService(
            engine: app.engine, metrics: app.metrics, notifier: nil, watchdogInterval: nil, clock: ContinuousClock(),
            logger: KeeperHarness.logger)
        do {
            try await service.run()
            Issue.record("the tick service returned without an error")
        } catch let error as KeeperRuntimeError {
            #expect(error.message.contains("has not moved"))
        }
    }
}
