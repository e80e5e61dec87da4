#if canImport(Glibc)
import Glibc
#endif
import SignerWire

/// Why the signer cannot serve on its socket. The message says what to do.
public struct TransportError: Error, Sendable, CustomStringConvertible, Equatable {
    private enum Code: Sendable, Hashable {
        case anotherSignerListening, notASocket, badPath, socketFailed, bindFailed, groupNotFound, chownFailed,
             listenFailed, unusableInheritedSocket, openFileLimit
    }

    private let code: Code
    /// What went wrong and what to do.
    public let message: String
    /// The errno or error behind it, if any.
    public let cause: (any Error & Sendable)?
    public let file: String
    public let line: Int

    private init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil, file: String, line: Int) {
        self.code = code
        self.message = message
        self.cause = cause
        self.file = file
        self.line = line
    }

    public var description: String {
        if let cause { return "\(message) (cause: \(cause))" }
        return message
    }

    /// A bounded label for metrics.
    public var shortDescription: String { "\(code)" }

    public static func == (a: TransportError, b: TransportError) -> Bool { a.code == b.code }

    /// A live process answers on the path.
    public static func anotherSignerListening(_ path: String, file: String = #fileID, line: Int = #line) -> TransportError {
        TransportError(.anotherSignerListening,
                       "another signer is listening on \(path); stop it first (systemctl stop signer) or configure another socket path",
                       file: file, line: line)
    }

    /// A file that is not a socket is in the way; it is never removed.
    public static func notASocket(_ path: String, file: String = #fileID, line: Int = #line) -> TransportError {
        TransportError(.notASocket,
                       "\(path) exists and is not a socket; the signer never removes it: move it away or configure another socket path",
                       file: file, line: line)
    }

    static func badPath(_ path: String, _ why: String, file: String = #fileID, line: Int = #line) -> TransportError {
        TransportError(.badPath, "socket path '\(path)' \(why)", file: file, line: line)
    }

    private static func system(_ code: Code, _ what: String, errno e: Int32, hint: String = "", file: String = #fileID, line: Int = #line) -> TransportError {
        TransportError(code, "\(what): \(UnixSocket.describe(errno: e))\(hint)", cause: SystemError(what, errno: e), file: file, line: line)
    }

    static func socketFailed(errno e: Int32, file: String = #fileID, line: Int = #line) -> TransportError {
        system(.socketFailed, "cannot create a Unix socket", errno: e, file: file, line: line)
    }

    static func bindFailed(_ path: String, errno e: Int32, file: String = #fileID, line: Int = #line) -> TransportError {
        let hint = e == ENOENT ? "; create the directory (systemd: RuntimeDirectory=keeper-signer)" : e == EACCES ? "; the signer's user needs write access to the directory" : ""
        return system(.bindFailed, "cannot bind \(path)", errno: e, hint: hint, file: file, line: line)
    }

    static func inspectFailed(_ path: String, errno e: Int32, file: String = #fileID, line: Int = #line) -> TransportError {
        system(.bindFailed, "cannot inspect \(path)", errno: e, file: file, line: line)
    }

    static func groupNotFound(_ name: String, file: String = #fileID, line: Int = #line) -> TransportError {
        TransportError(.groupNotFound, "socket group '\(name)' does not exist; create it (groupadd \(name)) or fix group in the [socket] section of signer.toml",
                       file: file, line: line)
    }

    static func chownFailed(_ path: String, gid: UInt32, errno e: Int32, file: String = #fileID, line: Int = #line) -> TransportError {
        system(.chownFailed, "cannot give \(path) to group \(gid)", errno: e,
               hint: "; the signer's user must be a member of that group", file: file, line: line)
    }

    static func chmodFailed(_ path: String, errno e: Int32, file: String = #fileID, line: Int = #line) -> TransportError {
        system(.chownFailed, "cannot set the mode of \(path)", errno: e, file: file, line: line)
    }

    static func listenFailed(_ path: String, errno e: Int32, file: String = #fileID, line: Int = #line) -> TransportError {
        system(.listenFailed, "cannot listen on \(path)", errno: e, file: file, line: line)
    }

    static func openFileLimitTooLow(maximumConnections: Int, needed: UInt64, hard: UInt64, file: String = #fileID, line: Int = #line) -> TransportError {
        TransportError(.openFileLimit,
                       "max_connections = \(maximumConnections) needs \(needed) open files (one per connection and \(OpenFileLimit.reserve) for the signer itself), but the open-file limit (RLIMIT_NOFILE) cannot be raised above its hard limit of \(hard): lower max_connections in the [socket] section of signer.toml, or raise the limit (LimitNOFILE= in the systemd unit)",
                       file: file, line: line)
    }

    static func openFileLimit(errno e: Int32, file: String = #fileID, line: Int = #line) -> TransportError {
        system(.openFileLimit, "cannot read or raise the open-file limit (RLIMIT_NOFILE)", errno: e, file: file, line: line)
    }

    static func unusableInheritedSocket(_ why: String, file: String = #fileID, line: Int = #line) -> TransportError {
        TransportError(.unusableInheritedSocket,
                       "the socket passed by systemd (LISTEN_FDS) \(why); the .socket unit needs ListenStream=/path and no Accept=",
                       file: file, line: line)
    }
}
