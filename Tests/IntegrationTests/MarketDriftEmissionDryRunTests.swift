import DevnetTestKit
import EVM
import Foundation
import Keeper
import Oracle
import Strategies
import Testing

/// The three strategies' intents on the demo scenario, planned by the keeper's Planner as
/// `keeper plan` would: every one simulates ok, and the dry-run text shows its reason and call.
/// Set `STRATEGIES_DRY_RUN_OUT=FILE` to keep the text (docs/strategies.md quotes it).
@Suite struct MarketDriftEmissionDryRunTests {
    @Test func everyPlannedIntentSimulatesOK() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dry-run-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let devnet = try await Devnet.start(scenario: "demo", options: ["data_dir": dir.appendingPathComponent("monitoring").path])
        let manifest = try #require(devnet.manifest)
        let dataDir = try #require(manifest["models"]?["dataDir"]?.stringValue)
        let configFile = dir.appendingPathComponent("keeper.toml")
        try Data("""
            [strategies.markets]
            kind = "market-resolution"

            [strategies.drift]
            kind = "drift-receipts"
            directory = "\(dataDir)"

            [strategies.emissions]
            kind = "emission-minting"
            """.utf8).write(to: configFile)
        let env = try StrategyDevnet.environment(devnet)
        let kinds: [(String, any StrategyKind.Type)] = [
            ("markets", MarketResolutionKind.self), ("drift", DriftReceiptsKind.self), ("emissions", EmissionMintingKind.self),
        ]
        let rpc = EthereumRPC(client: devnet.client())
        let planner = Planner(rpc: rpc, feePolicy: FeePolicy(maxFeePerGasCap: U256(200_000_000_000)))
        var text = ""
        for (name, kind) in kinds {
            let (observer, strategy) = try kind.make(
                name: name, table: try StrategyDevnet.table("", name: name, file: configFile.path), environment: env)
            let (head, decision) = try await StrategyDevnet.tick(observer, strategy, devnet)
            #expect(!decision.intents.isEmpty, "\(name)")
            let history = try await rpc.feeHistory(blocks: 5, newest: .number(head.number), percentiles: [50])
            let plans = await planner.plan(decision.intents, from: env.account, block: head, feeHistory: history)
            for plan in plans {
                #expect(plan.simulation.isOK, "\(plan.intent.idempotencyKey): \(plan.simulation)")
                #expect(plan.isActionable)
            }
            let printed = PlanFormatter.text(plans, block: head.number)
            for intent in decision.intents { #expect(printed.contains(intent.reason)) }
            text += printed
        }
        if let out = ProcessInfo.processInfo.environment["STRATEGIES_DRY_RUN_OUT"] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: out))
        }
    }
}
