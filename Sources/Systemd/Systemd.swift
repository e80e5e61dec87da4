import Glibc

/// The systemd service protocol, without libsystemd: readiness and status notifications
/// (`sd_notify`), the watchdog (`WATCHDOG_USEC`), and socket activation (`LISTEN_FDS`).
///
/// The static functions read the environment on each call and do nothing when the process was
/// not started by systemd (`NOTIFY_SOCKET` unset), so a daemon may call them unconditionally:
///
///     try Systemd.ready()
///     try Systemd.status("tick 1042 ok, 3 intents")
///     if let interval = try Systemd.watchdogInterval { /* ping every interval / 2 */ }
///     try Systemd.stopping()
///
/// The parsing behind them is public and pure (`NotifySocket(parsing:)`,
/// `watchdogInterval(microseconds:pid:currentPID:)`,
/// `parseListenFileDescriptors(pid:count:names:currentPID:)`) and `Notifier` sends to an
/// explicit socket, so all of it is testable without touching the environment.
public enum Systemd {
    /// Sends `state` (newline-separated `KEY=value` assignments) to `$NOTIFY_SOCKET`.
    /// Returns `false`, sending nothing, when `NOTIFY_SOCKET` is unset.
    @discardableResult
    public static func notify(_ state: String) throws(SystemdError) -> Bool {
        guard let notifier = try Notifier.fromEnvironment() else { return false }
        try notifier.notify(state)
        return true
    }

    /// `READY=1`: start-up is complete (for `Type=notify` services).
    @discardableResult
    public static func ready() throws(SystemdError) -> Bool { try notify(Notifier.readyMessage) }

    /// `STOPPING=1`: a graceful shutdown has begun.
    @discardableResult
    public static func stopping() throws(SystemdError) -> Bool { try notify(Notifier.stoppingMessage) }

    /// `RELOADING=1` with `MONOTONIC_USEC`, as systemd 253+ expects for `Type=notify-reload`;
    /// send `ready()` when the reload is done.
    @discardableResult
    public static func reloading() throws(SystemdError) -> Bool {
        try notify(Notifier.reloadingMessage(monotonicMicroseconds: monotonicMicroseconds()))
    }

    /// `STATUS=text`: one line shown by `systemctl status` (newlines become spaces).
    @discardableResult
    public static func status(_ text: String) throws(SystemdError) -> Bool { try notify(Notifier.statusMessage(text)) }

    /// `WATCHDOG=1`: the service is alive. Send it at least every `watchdogInterval / 2`.
    @discardableResult
    public static func watchdog() throws(SystemdError) -> Bool { try notify(Notifier.watchdogMessage) }

    /// `CLOCK_MONOTONIC` in microseconds, the clock systemd uses for `MONOTONIC_USEC`.
    public static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }

    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
