import ArgumentParser
import Dispatch
import Logging
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
            zeroed); SIGHUP loads a newly approved policy (an unapproved change keeps the old one).

            Example:
              signer serve --config /etc/keeper-signer/signer.toml
            """
    )

    @Option(name: .long, help: "The signer's configuration file (signer.toml).")
    var config: String

    func run() throws {
        let settings: SignerConfig
        do {
            settings = try SignerConfig.load(path: config)
        } catch {
            printToStandardError("Error: \(error)")
            Glibc.exit(2)
        }
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "signer")
        let app: SignerApp
        do {
            app = try SignerApp(config: settings, logger: logger)
        } catch {
            printToStandardError("Error: the signer did not start: \(error)")
            Glibc.exit(1)
        }
        _ = try? Systemd.ready()
        _ = try? Systemd.status("serving; policy sha256 \(app.service.policy.sha256.prefix(12))")

        // Signals arrive on a queue; the main thread waits for the stop.
        for signalNumber in [SIGTERM, SIGINT, SIGHUP] { signal(signalNumber, SIG_IGN) }
        let queue = DispatchQueue(label: "signer.signals")
        let stopped = DispatchSemaphore(value: 0)
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { stopped.signal() }
            source.resume()
            sources.append(source)
        }
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: queue)
        hangup.setEventHandler {
            _ = try? Systemd.reloading()
            app.reloadPolicy()
            _ = try? Systemd.ready()
        }
        hangup.resume()
        sources.append(hangup)

        stopped.wait()
        _ = try? Systemd.stopping()
        app.shutdown()
        sources.forEach { $0.cancel() }
    }
}
