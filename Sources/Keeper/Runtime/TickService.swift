import Foundation
import Synchronization
import Oracle
public import Logging
public import ServiceLifecycle
import UnixSignals
public import Systemd

/// Why the keeper's run ended with an error (the process exits non-zero and systemd restarts it).
public struct KeeperRuntimeError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public static func headStalled(for age: Duration?, limit: Duration) -> KeeperRuntimeError {
        let seen = age.map { "for \(Int($0.components.seconds)) s" } ?? "since the start (no head read)"
        return KeeperRuntimeError(
            "the chain head has not moved \(seen) (stall_after \(Int(limit.components.seconds)) s); exiting so the supervisor restarts the keeper. Check the RPC endpoints and the node.")
    }

    public var description: String { message }
}

/// The tick loop as a `Service`: a tick every poll interval (on the injected clock), systemd
/// notifications (`READY=1` after the first good tick, `WATCHDOG=1` while ticks succeed,
/// `STATUS=` with the last tick's summary, `STOPPING=1`), and an error exit when the head stalls.
///
/// Graceful shutdown (SIGTERM, SIGINT) sends `STOPPING=1` at once and lets the tick in flight
/// finish; only the wait between ticks is cut short.
public struct TickService<C: Clock<Duration>>: Service {
    let engine: KeeperEngine
    let metrics: KeeperMetrics?
    let notifier: Systemd.Notifier?
    let watchdogInterval: Duration?
    let clock: C
    let logger: Logger
    /// Called after every tick (dry-run prints the plans here).
    let onTick: (@Sendable (TickReport) async -> Void)?
    /// Set when `READY=1` is sent; shared with the reload, which must not notify before it.
    let readiness: ServiceReadiness

    public init(
        engine: KeeperEngine, metrics: KeeperMetrics?, notifier: Systemd.Notifier?, watchdogInterval: Duration?, clock: C,
        logger: Logger, readiness: ServiceReadiness = ServiceReadiness(), onTick: (@Sendable (TickReport) async -> Void)? = nil
    ) {
        self.readiness = readiness
        self.engine = engine
        self.metrics = metrics
        self.notifier = notifier
        self.watchdogInterval = watchdogInterval
        self.clock = clock
        self.logger = logger
        self.onTick = onTick
    }

    public func run() async throws {
        let stopping = StoppingNotice()
        // STOPPING=1 goes out when the shutdown begins, not after the tick in flight (which may
        // take seconds against a slow node): systemd shows "deactivating" at once. The loop's
        // own exit (a stalled head, cancellation) sends it too, once.
        try await withGracefulShutdownHandler {
            defer { stopping.send { notify { try $0.stopping() } } }
            try await loop()
        } onGracefulShutdown: {
            stopping.send { notify { try $0.stopping() } }
        }
    }

    private func loop() async throws {
        var lastWatchdog: C.Instant?
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let started = ContinuousClock.now
            do {
                let report = try await engine.tick()
                let duration = ContinuousClock.now - started
                metrics?.tickFinished(duration: duration)
                let level: Logger.Level = report.head == .unchanged ? .debug : .info
                logger.log(level: level, "tick done", metadata: [
                    "keeper.block": "\(report.block.number)", "keeper.summary": "\(report.summary)",
                    "keeper.duration_ms": "\(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)",
                ])
                notify { try $0.status(report.summary) }
                if readiness.becomeReady() {
                    notify { try $0.ready() }
                }
                if let watchdogInterval {
                    let now = clock.now
                    if lastWatchdog.map({ $0.duration(to: now) >= watchdogInterval / 2 }) ?? true {
                        lastWatchdog = now
                        notify { try $0.watchdog() }
                    }
                }
                await onTick?(report)
                // What the tick read is garbage now: give its pages back (see AllocatorTuning).
                if report.head != .unchanged { AllocatorTuning.releaseFreeMemory() }
            } catch {
                metrics?.tickFailed(duration: ContinuousClock.now - started)
                logger.error("tick failed; retrying at the next poll", metadata: ["error.message": "\(error)"])
                notify { try $0.status("tick failed: \(error.shortDescription)") }
            }
            if await engine.isHeadStalled() {
                let error = KeeperRuntimeError.headStalled(for: await engine.headAge(), limit: await engine.settings.stallAfter)
                logger.critical("\(error.message)")
                notify { try $0.status("head stalled; exiting") }
                throw error
            }
            let interval = await engine.settings.pollInterval
            let clock = self.clock
            do {
                try await cancelWhenGracefulShutdown { try await clock.sleep(for: interval) }
            } catch {
                break
            }
        }
        logger.info("tick loop stopped")
    }

    private func notify(_ send: (Systemd.Notifier) throws -> Void) {
        guard let notifier else { return }
        do {
            try send(notifier)
        } catch {
            logger.warning("sd_notify failed", metadata: ["error.message": "\(error)"])
        }
    }
}

/// Sends `STOPPING=1` once, from whichever of the shutdown handler and the loop's end comes first.
private final class StoppingNotice: Sendable {
    private let sent = Mutex(false)

    func send(_ notify: () -> Void) {
        let first = sent.withLock { sent in
            defer { sent = true }
            return !sent
        }
        if first { notify() }
    }
}

/// Reloads the configuration on SIGHUP: re-read and re-checked; on error the old one stays.
public struct ReloadService: Service {
    let reload: @Sendable () async -> Void

    public init(reload: @escaping @Sendable () async -> Void) {
        self.reload = reload
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        let reload = self.reload
        await cancelWhenGracefulShutdown {
            for await _ in signals { await reload() }
        }
    }
}

/// The local HTTP server (`/metrics`, `/healthz`) as a `Service`: stops on graceful shutdown.
public struct HTTPService: Service {
    let server: LocalHTTPServer

    public init(server: LocalHTTPServer) { self.server = server }

    public func run() async throws {
        let server = self.server
        try await cancelWhenGracefulShutdown { try await server.run() }
    }
}
