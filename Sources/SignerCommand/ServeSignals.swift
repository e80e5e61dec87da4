import Dispatch
import Logging
import Signer
import Synchronization
import Systemd

#if canImport(Glibc)
import Glibc
#endif

/// The signals `signer serve` answers: SIGTERM and SIGINT stop it, SIGHUP reloads the policy.
///
/// Taken over at the first instant of `run()`, before the configuration is read and the keys are
/// decrypted: with the default actions, a SIGTERM or SIGHUP during start-up would kill the
/// process by signal (systemd sees a failure, and a reload would be a crash). Here a stop that
/// arrives before the signer is ready makes it stop cleanly once loading ends (exit 0, no
/// `READY=1`), and a SIGHUP before ready reads the policy again once loaded, so an approval made
/// during start-up is not missed.
///
/// The handlers run on one serial queue, so reloads never overlap each other.
final class ServeSignals: @unchecked Sendable {
    /// Why `signer serve` stops.
    enum StopReason: Equatable {
        /// SIGTERM or SIGINT: a clean stop, exit 0.
        case signal
        /// The ledger failed: stop, exit 1, and let systemd restart the signer.
        case ledgerFailed
    }

    private struct State {
        var stopRequested = false
        var reason = StopReason.signal
        var reloadPending = false
        var app: SignerApp?
        var logger: Logger?
    }

    // `@unchecked Sendable`: the state is behind the mutex, the rest is set once in `init`.
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "signer.signals")
    private let stopped = DispatchSemaphore(value: 0)
    private var sources: [any DispatchSourceSignal] = []

    /// Ignores the default actions of SIGTERM, SIGINT and SIGHUP and starts handling them.
    init() {
        for signalNumber in [SIGTERM, SIGINT, SIGHUP] { signal(signalNumber, SIG_IGN) }
        for signalNumber in [SIGTERM, SIGINT] {
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { [self] in stop(signalNumber) }
            source.resume()
            sources.append(source)
        }
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: queue)
        hangup.setEventHandler { [self] in reload() }
        hangup.resume()
        sources.append(hangup)
    }

    /// Where to log what the handlers do, once logging is set up.
    func log(to logger: Logger) {
        state.withLock { $0.logger = logger }
    }

    /// Loading ended with `app`. Returns false when a stop signal arrived meanwhile: then shut
    /// `app` down without serving. Otherwise SIGHUP reloads `app`'s policy from now on, and a
    /// SIGHUP that arrived during start-up reloads it before this returns.
    func loaded(_ app: SignerApp) -> Bool {
        let (stop, reload) = state.withLock { s -> (Bool, Bool) in
            defer { s.reloadPending = false }
            if !s.stopRequested { s.app = app }
            return (s.stopRequested, s.reloadPending)
        }
        if stop { return false }
        if reload { queue.sync { _ = app.reloadPolicy() } }
        return true
    }

    /// Blocks until SIGTERM or SIGINT, or ``ledgerFailed()``; says which came first.
    func waitForStop() -> StopReason {
        stopped.wait()
        return state.withLock { $0.reason }
    }

    /// The ledger failed: stop serving as a stop signal would, with ``StopReason/ledgerFailed``.
    func ledgerFailed() {
        let first = state.withLock { s in
            defer { s.stopRequested = true }
            if !s.stopRequested { s.reason = .ledgerFailed }
            return !s.stopRequested
        }
        if first { stopped.signal() }
    }

    /// Stops handling signals.
    func cancel() {
        sources.forEach { $0.cancel() }
    }

    private func stop(_ signalNumber: Int32) {
        let (first, loading, logger) = state.withLock { s in
            defer { s.stopRequested = true }
            return (!s.stopRequested, s.app == nil, s.logger)
        }
        guard first else { return }
        if loading {
            logger?.notice("stop signal during start-up; the signer stops once loaded, without serving", metadata: ["signer.signal": "\(signalNumber)"])
        }
        stopped.signal()
    }

    private func reload() {
        let (app, logger) = state.withLock { s -> (SignerApp?, Logger?) in
            if s.app == nil { s.reloadPending = true }
            return (s.app, s.logger)
        }
        guard let app else {
            logger?.notice("SIGHUP during start-up; the policy is read again once the signer is loaded")
            return
        }
        _ = try? Systemd.reloading()
        app.reloadPolicy()
        _ = try? Systemd.ready()
    }
}
