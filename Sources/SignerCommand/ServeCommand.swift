import ArgumentParser
import Logging
import ServiceLogging
import Signer
import Systemd
import TOML

#if canImport(Glibc)
import Glibc
#endif

/// `signer serve`: runs the signing service until SIGTERM.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the signing service (as the systemd unit does).",
        discussion: """
            Loads the keys, the operator-approved policy and the ledger, then answers on the Unix \
            socket. Refuses to start, saying what to run, when anything is missing or unapproved.

            Signals: SIGTERM or SIGINT stop gracefully (requests in flight finish, keys are \
            zeroed); SIGHUP loads a newly approved policy (an unapproved change keeps the old one). \
            During start-up, SIGTERM or SIGINT stop the signer once it is loaded, without serving \
            (exit 0), and SIGHUP reads the policy again once it is loaded.

            A ledger commit that fails (a full disk, a database locked past SQLite's wait) makes             the signer refuse every request, stop, and exit 1, so that systemd restarts it.

            Example:
              signer serve --config /etc/keeper-signer/signer.toml
            """
    )

    @Option(name: .long, help: "The signer's configuration file (signer.toml).")
    var config: String

    func run() throws {
        // First of all, so that no signal during start-up kills the process with its default action.
        let signals = ServeSignals()
        let settings: SignerConfig
        do {
            settings = try SignerConfig.load(path: config)
        } catch {
            printToStandardError("Error: \(error)")
            Glibc.exit(2)
        }
        // SignerConfig.load accepted both values, so the fallbacks are never taken.
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        let format = LogFormat(rawValue: settings.logFormat) ?? .logfmt
        LoggingSystem.bootstrap(ServiceLogHandler.factory(format: format, level: level), metadataProvider: nil)
        let logger = Logger(label: "signer")
        signals.log(to: logger)
        let app: SignerApp
        do {
            app = try SignerApp(config: settings, logger: logger)
        } catch {
            printToStandardError("Error: the signer did not start: \(error)")
            Glibc.exit(1)
        }
        guard signals.loaded(app) else {
            // SIGTERM or SIGINT while loading: stop cleanly, never having been ready.
            app.shutdown()
            return
        }
        _ = try? Systemd.ready()
        _ = try? Systemd.status("serving; policy sha256 \(app.service.policy.sha256.prefix(12))")

        app.whenLedgerFails { _ in signals.ledgerFailed() }
        let reason = signals.waitForStop()
        _ = try? Systemd.stopping()
        app.shutdown()
        signals.cancel()
        if reason == .ledgerFailed {
            // Refusing everything while alive would leave it failed until someone notices;
            // exiting 1 lets systemd (Restart=on-failure) start it again on a fresh connection.
            logger.critical("the signer stops because its ledger failed (see the error above); exit status 1 for a restart")
            Glibc.exit(1)
        }
    }
}
