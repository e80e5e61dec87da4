import ArgumentParser
import Foundation
import Keeper
import Logging
import Oracle

/// `keeper plan --config F [--json] [--policy FILE]`: one dry-run tick, printed.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Run one tick in dry-run and print the planned transactions.",
        discussion: """
            Observes at the latest block, lets every enabled strategy decide, simulates each
            intent (eth_call, eth_estimateGas) and prices it, then prints: strategy, reason,
            target by name and address, the decoded call, value, gas, fees in ETH and the
            simulation result. Needs no signer, signs nothing, writes nothing.

            --policy FILE adds the verdict the signer would give, from the signer's own checker
            ('signer policy check'), found next to keeper or on PATH (KEEPER_SIGNER_BINARY
            overrides).
            """
    )

    @OptionGroup var options: KeeperOptions

    @Flag(name: .long, help: "One JSON object per planned transaction, one per line.")
    var json = false

    @Option(name: .long, help: "A signer policy file: show the signer's verdict for each transaction.")
    var policy: String?

    func run() async throws {
        let config = try options.load()
        let logger = Logger(label: "keeper")
        var disabled = config
        disabled.http.enabled = false
        let app = try await KeeperApp.make(
            config: disabled, kinds: StrategyKinds.all, mode: .dryRun, signer: nil, logger: logger)
        let report: TickReport
        do {
            report = try await app.engine.tick()
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
        print(DryRunPrinter.render(report, config: config, json: json, policy: policy), terminator: "")
    }
}

/// Renders a dry-run tick, with policy verdicts when asked.
enum DryRunPrinter {
    static func render(_ report: TickReport, config: KeeperConfig, json: Bool, policy: String?) -> String {
        var plans = report.plans
        if let policy {
            let verdicts = PolicyVerdicts(policyPath: policy)
            var nonce = report.nextNonce ?? 0
            for i in plans.indices {
                plans[i].policyVerdict = verdicts.verdict(for: plans[i], chainID: config.chainID, nonce: nonce)
                if plans[i].isActionable { nonce += 1 }
            }
        }
        var out = json ? PlanFormatter.jsonLines(plans, block: report.block.number) : PlanFormatter.text(plans, block: report.block.number)
        if !json {
            for (name, why) in report.observerFailures.sorted(by: { $0.key < $1.key }) {
                out += "note: strategy \(name) observed nothing: \(why)\n"
            }
        }
        return out
    }
}
