#if canImport(Glibc)
import Glibc
#endif

/// A non-blocking socket file descriptor and the few Glibc calls the HTTP server makes on it.
///
/// Every wait is a `poll(2)` on the socket and the server's wake-up pipe, bounded by a deadline,
/// so no call blocks past its deadline or past a stop.
struct SocketDescriptor: Sendable {
    let fd: Int32

    /// What a wait for readiness ended with.
    enum Readiness: Sendable, Equatable {
        case ready
        case timedOut
        /// The server is stopping.
        case woken
    }

    /// Opens a listening TCP socket on `host` (a numeric IPv4 or IPv6 address) and `port` (0 for
    /// any free port) and returns it with the port it got.
    static func listen(host: String, port: Int, backlog: Int32) throws(HTTPServerError) -> (SocketDescriptor, Int) {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard (0...65535).contains(port), getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else {
            throw .invalidAddress(host)
        }
        defer { freeaddrinfo(result) }

        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .socketFailed("socket", errno: errno) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let code = errno
            _ = Glibc.close(fd)
            throw .bindFailed(host: host, port: port, errno: code)
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let code = errno
            _ = Glibc.close(fd)
            throw .socketFailed("listen", errno: code)
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            let code = errno
            _ = Glibc.close(fd)
            throw .socketFailed("getsockname", errno: code)
        }
        let boundPort: UInt16 =
            switch Int32(storage.ss_family) {
            case AF_INET: withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port } }
            case AF_INET6: withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port } }
            default: 0
            }
        let socket = SocketDescriptor(fd: fd)
        socket.setNonBlocking()
        return (socket, Int(UInt16(bigEndian: boundPort)))
    }

    /// Accepts one pending connection, made non-blocking and close-on-exec; nil when none is
    /// pending.
    func accept() -> SocketDescriptor? {
        while true {
            let client = Glibc.accept(fd, nil, nil)
            if client >= 0 {
                let socket = SocketDescriptor(fd: client)
                socket.setNonBlocking()
                socket.setCloseOnExec()
                return socket
            }
            if errno == EINTR { continue }
            return nil
        }
    }

    func setNonBlocking() {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    func setCloseOnExec() {
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }

    /// A pipe whose read end the server polls to learn that it is stopping: (read, write).
    static func wakePipe() -> (Int32, Int32)? {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return nil }
        SocketDescriptor(fd: ends[0]).setCloseOnExec()
        SocketDescriptor(fd: ends[1]).setCloseOnExec()
        return (ends[0], ends[1])
    }

    /// Waits until the socket is readable (or writable), the wake-up descriptor is readable, or
    /// `deadline` passes. A negative `wake` is ignored by `poll(2)`.
    func wait(forWriting: Bool = false, wake: Int32, until deadline: ContinuousClock.Instant) -> Readiness {
        while true {
            let remaining = deadline - .now
            guard remaining > .zero else { return .timedOut }
            let (seconds, attoseconds) = remaining.components
            let millis = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var fds = [
                pollfd(fd: fd, events: Int16(forWriting ? POLLOUT : POLLIN), revents: 0),
                pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
            ]
            let n = poll(&fds, nfds_t(fds.count), millis)
            if n < 0 {
                if errno == EINTR { continue }
                return .woken  // poll itself failed: treat as a reason to stop serving this socket.
            }
            if fds[1].revents != 0 { return .woken }
            if fds[0].revents != 0 { return .ready }
        }
    }

    /// Reads what is available into `buffer`: the count read, 0 at end of stream, nil when
    /// nothing is available yet, or -1 on an error.
    func read(into buffer: inout [UInt8], maximum: Int) -> Int? {
        var chunk = [UInt8](repeating: 0, count: maximum)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, maximum) }
            if n > 0 {
                buffer.append(contentsOf: chunk[..<n])
                return n
            }
            if n == 0 { return 0 }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
            return -1
        }
    }

    /// Writes all of `bytes` by `deadline`; false if the peer went away or the deadline passed.
    /// A stop does not cut a response short: it is bounded by the deadline alone.
    func writeAll(_ bytes: [UInt8], until deadline: ContinuousClock.Instant) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                offset += n
                continue
            }
            if n < 0 && errno == EINTR { continue }
            guard n < 0, errno == EAGAIN || errno == EWOULDBLOCK else { return false }
            guard wait(forWriting: true, wake: -1, until: deadline) == .ready else { return false }
        }
        return true
    }

    /// Writes what fits now without waiting: for the short refusal sent when the server is full.
    func writeNow(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress!, bytes.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
    }

    /// Ends our side of the stream (the peer reads end-of-stream) while still reading theirs.
    func shutdownWrite() {
        _ = shutdown(fd, Int32(SHUT_WR))
    }

    /// Reads and discards what the peer still sends, until it closes, `limit` bytes, the
    /// deadline, or a stop. Closing a socket with unread input makes the kernel send a reset,
    /// which can destroy the answer the peer has not read yet; draining first avoids that.
    func drain(limit: Int, wake: Int32, until deadline: ContinuousClock.Instant) {
        var discarded = 0
        var scratch: [UInt8] = []
        while discarded < limit {
            scratch.removeAll(keepingCapacity: true)
            switch read(into: &scratch, maximum: 16 * 1024) {
            case .some(let n) where n > 0: discarded += n
            case .some: return
            case .none: guard wait(wake: wake, until: deadline) == .ready else { return }
            }
        }
    }

    func close() {
        _ = Glibc.close(fd)
    }
}
