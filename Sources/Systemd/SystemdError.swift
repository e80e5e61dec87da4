import Glibc

/// Why a systemd protocol step failed: a malformed variable systemd (or someone) set, or a
/// failed system call, with its `errno`.
public struct SystemdError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable categories, for callers that branch and for metric labels.
    public enum Kind: String, Hashable, Sendable {
        /// An environment variable (`NOTIFY_SOCKET`, `WATCHDOG_USEC`, `LISTEN_FDS`, ...) is malformed.
        case invalidEnvironment
        /// `socket`, `sendto` or `fcntl` failed; see `errno`.
        case systemCall
    }

    /// The category.
    public let kind: Kind
    /// What was wrong and what to do.
    public let message: String
    /// The `errno` of a failed system call.
    public let errno: Int32?

    init(_ kind: Kind, _ message: String, errno: Int32? = nil) {
        self.kind = kind
        self.message = message
        self.errno = errno
    }

    public var description: String {
        guard let errno else { return message }
        return "\(message): \(String(cString: strerror(errno))) (errno \(errno))"
    }

    /// A bounded label for metrics.
    public var shortDescription: String { "systemd.\(kind.rawValue)" }
}
