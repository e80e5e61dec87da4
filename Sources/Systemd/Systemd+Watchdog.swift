import Glibc

extension Systemd {
    /// The watchdog interval systemd expects (`WatchdogSec=`), or `nil` when the watchdog is off
    /// or meant for another process (`WATCHDOG_PID`). Send `watchdog()` at least every half of it.
    public static var watchdogInterval: Duration? {
        get throws(SystemdError) {
            try watchdogInterval(
                microseconds: environment("WATCHDOG_USEC"), pid: environment("WATCHDOG_PID"),
                currentPID: getpid())
        }
    }

    /// Pure form of `watchdogInterval`: from the values of `WATCHDOG_USEC` and `WATCHDOG_PID`.
    /// An unset or zero interval, or a `WATCHDOG_PID` other than `currentPID`, means no watchdog;
    /// a value that is not a number is an error.
    public static func watchdogInterval(microseconds: String?, pid: String?, currentPID: Int32) throws(SystemdError) -> Duration? {
        guard let microseconds else { return nil }
        guard let value = UInt64(microseconds) else {
            throw SystemdError(.invalidEnvironment, "WATCHDOG_USEC='\(microseconds)' is not a number of microseconds")
        }
        if let pid {
            guard let watched = Int32(pid), watched > 0 else {
                throw SystemdError(.invalidEnvironment, "WATCHDOG_PID='\(pid)' is not a process id")
            }
            if watched != currentPID { return nil }
        }
        guard value > 0 else { return nil }
        return .microseconds(Int64(clamping: value))
    }
}
