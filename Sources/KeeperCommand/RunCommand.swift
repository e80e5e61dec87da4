import ArgumentParser
import Foundation
import Keeper
import Logging
import Systemd

/// `keeper run --config keeper.toml [--dry-run [--json] [--policy FILE]]`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the keeper: tick every poll interval until SIGTERM.",
        discussion: """
            Live: signs through the signer ([signer] socket) and sends. --dry-run: plans and
            prints every tick, needs no signer, signs and writes nothing.

            SIGTERM/SIGINT: the tick in flight finishes, then exit 0. SIGHUP: reload the config
            (on error the running config stays). Exits non-zero when the chain head has not
            moved for [head] stall_after, so that systemd restarts the keeper. Under systemd
            (Type=notify): READY=1 after the first good tick, WATCHDOG=1 while ticks succeed,
            STATUS= with the last tick's summary, STOPPING=1.
            """
    )

    @OptionGroup var options: KeeperOptions

    @Flag(name: .long, help: "Plan and print every tick; sign and send nothing.")
    var dryRun = false

    @Flag(name: .long, help: "With --dry-run: JSON lines instead of the table.")
    var json = false

    @Option(name: .long, help: "With --dry-run: a signer policy file, to show the signer's verdicts.")
    var policy: String?

    func run() async throws {
        // SIGHUP's default action ends the process. The reload handler is installed only when
        // the service group starts, after the config, database and first RPC calls; a reload in
        // that window must not kill the keeper. (The handler reads signals through a dispatch
        // source, which needs the signal ignored anyway.)
        signal(SIGHUP, SIG_IGN)
        AllocatorTuning.apply()
        let config = try options.load()
        let logger = Logger(label: "keeper")
        let notifier: Systemd.Notifier?
        do {
            notifier = try Systemd.Notifier.fromEnvironment()
        } catch {
            logger.warning("NOTIFY_SOCKET is set but unusable; not notifying systemd", metadata: ["error.message": "\(error)"])
            notifier = nil
        }
        let json = self.json
        let policy = self.policy
        let app: KeeperApp
        do {
            if dryRun {
                app = try await KeeperApp.make(
                    config: config, kinds: StrategyKinds.all, mode: .dryRun, signer: nil,
                    metricsRegistry: KeeperMetrics.bootstrapMetricsSystem(), notifier: notifier, logger: logger,
                    onTick: { report in
                        guard report.head != .unchanged else { return }
                        let text = DryRunPrinter.render(report, config: config, json: json, policy: policy)
                        FileHandle.standardOutput.write(Data(text.utf8))
                    })
            } else {
                guard let signer = SignerConnection.make(config: config, logger: logger) else {
                    printError("error: this keeper build has no signer client yet; use --dry-run, or a build with SignerWire's client")
                    throw ExitCode.failure
                }
                app = try await KeeperApp.make(
                    config: config, kinds: StrategyKinds.all, mode: .live, signer: signer,
                    metricsRegistry: KeeperMetrics.bootstrapMetricsSystem(), notifier: notifier, logger: logger)
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
        do {
            try await app.run()
        } catch {
            logger.critical("keeper stopped", metadata: ["error.message": "\(error)"])
            throw ExitCode.failure
        }
    }
}
