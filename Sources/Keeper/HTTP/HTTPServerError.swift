#if canImport(Glibc)
import Glibc
#endif

/// Why the local HTTP server could not start, or a route could not be registered.
///
/// Equality compares the kind of failure only.
public struct HTTPServerError: Error, Sendable, CustomStringConvertible, Equatable {
    private enum Code: Sendable, Equatable {
        case invalidAddress
        case bindFailed
        case socketFailed
        case alreadyStarted
        case invalidRoute
        case duplicateRoute
    }

    private let code: Code
    /// What went wrong and what to do about it.
    public let message: String
    /// `errno` of the failing system call, when there was one.
    public let errno: Int32?
    public let file: String
    public let line: Int

    private init(_ code: Code, _ message: String, errno: Int32? = nil, file: String, line: Int) {
        self.code = code
        self.message = message
        self.errno = errno
        self.file = file
        self.line = line
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    public var description: String {
        guard let errno else { return message }
        return "\(message) (errno \(errno): \(String(cString: strerror(errno))))"
    }

    /// A bounded label without addresses, for metrics.
    public var shortDescription: String { "http.\(code)" }

    static func invalidAddress(_ host: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(
            .invalidAddress,
            "'\(host)' is not a numeric IPv4 or IPv6 address; set the HTTP host to an address such as 127.0.0.1 or ::1",
            file: file, line: line)
    }

    static func bindFailed(
        host: String, port: Int, errno: Int32, file: String = #fileID, line: Int = #line
    ) -> Self {
        Self(
            .bindFailed,
            "cannot listen on \(host):\(port); another process may hold the port: choose another port, or 0 for any free one",
            errno: errno, file: file, line: line)
    }

    static func socketFailed(_ call: String, errno: Int32, file: String = #fileID, line: Int = #line) -> Self {
        Self(.socketFailed, "\(call) failed while starting the HTTP server", errno: errno, file: file, line: line)
    }

    static func alreadyStarted(file: String = #fileID, line: Int = #line) -> Self {
        Self(.alreadyStarted, "the HTTP server was already started; make a new LocalHTTPServer to listen again", file: file, line: line)
    }

    static func invalidRoute(_ pattern: String, _ reason: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.invalidRoute, "route pattern '\(pattern)' \(reason)", file: file, line: line)
    }

    static func duplicateRoute(
        _ method: HTTPMethod, _ pattern: String, file: String = #fileID, line: Int = #line
    ) -> Self {
        Self(.duplicateRoute, "\(method) \(pattern) is already registered; register each method and path once", file: file, line: line)
    }
}
