#if canImport(Glibc)
package import Glibc
#endif

/// Unix-domain socket plumbing shared by the client here and the signer's listener.
package enum UnixSocket {
    /// `sun_path` holds 108 bytes including the terminating NUL.
    package static let maximumPathBytes = 107

    /// The error text of an errno value, e.g. "Connection refused (errno 111)".
    package static func describe(errno code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }

    /// Calls `body` with the socket address of `path`; nil when the path is empty or too long.
    package static func withAddress<R>(
        _ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R
    ) -> R? {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count <= maximumPathBytes, !bytes.contains(0) else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                body($0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }

    /// A new stream socket, close-on-exec.
    package static func makeStreamSocket() -> Int32 {
        socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    }

    /// Connects a new socket to `path`, blocking at most `timeoutMilliseconds` when the
    /// listener's backlog is full. Returns the fd or the errno.
    package static func connect(path: String, timeoutMilliseconds: Int) -> Result<Int32, ConnectError> {
        let fd = makeStreamSocket()
        guard fd >= 0 else { return .failure(.system(errno)) }
        // For AF_UNIX, a blocking connect waits for backlog space no longer than SO_SNDTIMEO.
        setTimeout(fd, option: SO_SNDTIMEO, milliseconds: max(1, timeoutMilliseconds))
        let rc = withAddress(path) { Glibc.connect(fd, $0, $1) }
        guard let rc else {
            close(fd)
            return .failure(.badPath)
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            return .failure(.system(e))
        }
        return .success(fd)
    }

    /// Why a connect failed.
    package enum ConnectError: Error {
        case badPath
        case system(Int32)
    }

    /// Sets SO_RCVTIMEO or SO_SNDTIMEO; 0 means no timeout.
    @discardableResult
    package static func setTimeout(_ fd: Int32, option: Int32, milliseconds: Int) -> Bool {
        var tv = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        return setsockopt(fd, SOL_SOCKET, option, &tv, socklen_t(MemoryLayout<timeval>.size)) == 0
    }

    /// Sets or clears O_NONBLOCK.
    package static func setNonBlocking(_ fd: Int32, _ on: Bool) {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0 else { return }
        _ = fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK)
    }

    /// Writes all of `bytes` with `send(MSG_NOSIGNAL)` (a closed peer is EPIPE, never SIGPIPE).
    /// Returns 0 on success or the errno (EAGAIN when a send timeout expired).
    package static func sendAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        var offset = 0
        while offset < bytes.count {
            let n = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += n
        }
        return 0
    }
}

extension Duration {
    /// Whole milliseconds, rounded up, never negative.
    package var milliseconds: Int {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        let ms = seconds.multipliedReportingOverflow(by: 1000)
        if ms.overflow { return Int.max }
        return Int(ms.partialValue) + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}
