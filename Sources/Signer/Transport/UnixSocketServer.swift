public import Logging
import Dispatch
import SignerWire
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Serves JSON-RPC lines on a ``UnixSocketListener``: one accept thread, one thread per
/// connection.
///
/// Why threads and blocking I/O, not an event loop or async/await: a request costs ~35 us of
/// signing plus a few microseconds of parsing, and the goal is >= 15,000 requests/s on 4
/// connections and p99 <= 1 ms on 2 cores. A thread blocked in `recv` wakes straight into the
/// handler and writes the answer itself: two syscalls and no hop between threads or executors
/// per request, which an async design (a reader task, continuations, the cooperative pool) would
/// add. Connections are few (the keeper uses one; the limit is 64), so a thread each costs
/// little (512 KiB stacks), and a slow request holds only its own connection. The handler is
/// synchronous and thread-safe (``LineHandler``).
///
/// Per connection: the peer's `SO_PEERCRED` is checked first (not allowed: the `peer not
/// allowed` error, closed, logged); beyond the connection limit a new connection gets the
/// `overloaded` error and is closed at once (logged), so hostile connections cannot starve the
/// accept loop; an idle connection is closed after the idle timeout, which frees slots held by
/// idle peers; a request line that has started must end within the read timeout (`SO_RCVTIMEO`
/// set to what is left of it); a line over the size limit gets `request too large` and the
/// connection is closed without buffering more than the limit plus one read. Lines on one
/// connection are answered in order; lines that arrive together are handed to the handler as one
/// run (``LineHandler/respond(toRun:peer:into:)``, which for the signer means one wait for
/// durability for the whole run) and answered with one write.
///
/// Shutdown stops accepting, then `shutdown(SHUT_RD)`s each connection: a reader blocked in
/// `recv` sees end-of-file and exits, a request being handled finishes and is answered, and
/// lines already received are answered before the connection closes. Connections still in the
/// listen backlog are accepted and treated the same way (their clients may have sent a request
/// just before the stop); new ones are refused by the kernel.
public final class UnixSocketServer: Sendable {
    /// Counters for logs, metrics and tests.
    public struct Statistics: Sendable, Hashable {
        public var accepted = 0
        public var rejectedPeers = 0
        public var rejectedOverload = 0
        public var tooLarge = 0
        public var readTimeouts = 0
        public var idleClosed = 0
        public var requests = 0
        /// The most connections open at once.
        public var peakConnections = 0
    }

    private struct State {
        var connections: [Int: Int32] = [:]
        var nextID = 1
        var started = false
        var stopping = false
        var stopped = false
        var statistics = Statistics()
    }

    public let listener: UnixSocketListener
    public let configuration: TransportConfiguration
    private let handler: any LineHandler
    private let logger: Logger
    private let ownUID: UInt32
    private let state = Mutex(State())
    private let running = DispatchGroup()

    public init(listener: UnixSocketListener, configuration: TransportConfiguration, handler: some LineHandler, logger: Logger) {
        self.listener = listener
        self.configuration = configuration
        self.handler = handler
        self.logger = logger
        self.ownUID = geteuid()
    }

    /// The number of open connections.
    public var openConnections: Int { state.withLock { $0.connections.count } }

    /// The counters so far.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Starts the accept thread. Calling it twice does nothing.
    public func start() {
        let first = state.withLock { s in
            defer { s.started = true }
            return !s.started
        }
        guard first else { return }
        running.enter()
        let spawned = spawnThread { [self] in
            acceptLoop()
            running.leave()
        }
        if !spawned {
            running.leave()
            logger.critical("cannot start the accept thread", metadata: ["signer.error": "\(UnixSocket.describe(errno: errno))"])
        }
    }

    /// Stops accepting, lets requests in flight finish, closes idle connections, and waits up to
    /// `gracePeriod` for all connection threads to end. Then closes the listener (unlinking the
    /// socket file it bound). Returns whether everything ended within the grace period.
    ///
    /// This blocks the calling thread; from async code use ``shutdownGracefully(gracePeriod:)``.
    /// Calling it again does nothing and returns true.
    @discardableResult
    public func shutdown(gracePeriod: Duration = .seconds(10)) -> Bool {
        let fds = state.withLock { s -> [Int32]? in
            if s.stopped { return nil }
            s.stopped = true
            s.stopping = true
            // Half-close under the lock: a connection removes itself (and closes its fd) under the
            // same lock, so an fd here is never one that was closed and reused.
            for fd in s.connections.values { Glibc.shutdown(fd, Int32(SHUT_RD)) }
            return Array(s.connections.values)
        }
        guard let fds else { return true }
        listener.stopAccepting()
        logger.info("shutting down", metadata: ["signer.connections.open": "\(fds.count)"])
        let finished = running.wait(timeout: .now() + .milliseconds(gracePeriod.milliseconds)) == .success
        if !finished {
            logger.warning("connections still busy after the grace period", metadata: ["signer.connections.open": "\(openConnections)"])
        }
        listener.close()
        return finished
    }

    /// ``shutdown(gracePeriod:)`` without blocking a cooperative thread: the wait runs on a
    /// dispatch queue.
    public func shutdownGracefully(gracePeriod: Duration = .seconds(10)) async -> Bool {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: self.shutdown(gracePeriod: gracePeriod))
            }
        }
    }

    // MARK: - Accepting

    private func acceptLoop() {
        let listenFD = listener.fileDescriptor
        while true {
            // accept4 needs _GNU_SOURCE, which the Glibc overlay lacks; the signer never execs,
            // so setting close-on-exec right after accept is as good.
            // After the stop began, `accept` still returns the connections waiting in the backlog
            // (the listener is shut down, so it no longer blocks or takes new ones), then fails:
            // those connections are served like the open ones, so that a request sent just
            // before the stop is answered.
            let fd = accept(listenFD, nil, nil)
            if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            if fd < 0 {
                let e = errno
                if state.withLock({ $0.stopping }) { return }
                switch e {
                case EINTR, ECONNABORTED, EAGAIN:
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors or memory: back off briefly rather than spin.
                    logger.error("accept failed; retrying", metadata: ["signer.error": "\(UnixSocket.describe(errno: e))"])
                    var p = pollfd(fd: -1, events: 0, revents: 0)
                    _ = poll(&p, 0, 50)
                    continue
                default:
                    logger.critical("accept failed; no longer accepting connections",
                                    metadata: ["signer.error": "\(UnixSocket.describe(errno: e))"])
                    return
                }
            }
            admit(fd)
        }
    }

    private enum Admission {
        case admitted(id: Int)
        case overloaded
    }

    private func admit(_ fd: Int32) {
        guard let peer = PeerCredentials.of(socket: fd) else {
            logger.warning("closing a connection without peer credentials")
            Glibc.close(fd)
            return
        }
        guard configuration.allows(peer, ownUID: ownUID) else {
            state.withLock { $0.statistics.rejectedPeers += 1 }
            logger.warning("peer not allowed; closing the connection", metadata: [
                "signer.peer.uid": "\(peer.uid)", "signer.peer.gid": "\(peer.gid)", "signer.peer.pid": "\(peer.pid)",
            ])
            sendAndClose(fd, RPCErrorObject(.peerNotAllowed, "peer not allowed: uid \(peer.uid) gid \(peer.gid) may not use this signer; "
                + "add the uid or gid to allowed_uids or allowed_gids in the [socket] section of signer.toml"))
            return
        }
        let admission = state.withLock { s -> Admission in
            guard s.connections.count < max(1, configuration.maximumConnections) else {
                s.statistics.rejectedOverload += 1
                return .overloaded
            }
            let id = s.nextID
            s.nextID += 1
            s.connections[id] = fd
            s.statistics.accepted += 1
            s.statistics.peakConnections = max(s.statistics.peakConnections, s.connections.count)
            // Accepted while stopping (it was in the backlog when the stop began): answer what it
            // has sent already, then close, like the connections open at the stop.
            if s.stopping { Glibc.shutdown(fd, Int32(SHUT_RD)) }
            return .admitted(id: id)
        }
        switch admission {
        case .overloaded:
            logger.warning("too many connections; closing the new one", metadata: [
                "signer.peer.uid": "\(peer.uid)", "signer.peer.pid": "\(peer.pid)",
                "signer.connections.limit": "\(configuration.maximumConnections)",
            ])
            sendAndClose(fd, RPCErrorObject(.overloaded, "overloaded: the signer already has \(configuration.maximumConnections) connections open; retry later"))
        case .admitted(let id):
            running.enter()
            let spawned = spawnThread { [self] in
                serve(fd: fd, id: id, peer: peer)
                state.withLock { s in
                    s.connections[id] = nil
                    Glibc.close(fd)
                }
                running.leave()
            }
            if !spawned {
                logger.error("cannot start a connection thread; closing the connection", metadata: [
                    "signer.peer.uid": "\(peer.uid)", "signer.peer.pid": "\(peer.pid)",
                ])
                state.withLock { s in
                    s.connections[id] = nil
                }
                sendAndClose(fd, RPCErrorObject(.overloaded, "overloaded: the signer cannot start a thread for this connection; retry later"))
                running.leave()
            }
        }
    }

    /// Best effort: one error line without blocking, then close.
    private func sendAndClose(_ fd: Int32, _ error: RPCErrorObject) {
        var line = RPCResponse(id: .null, error: error).serialized
        line.append(0x0A)
        _ = line.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
        Glibc.close(fd)
    }

    // MARK: - One connection

    private func serve(fd: Int32, id: Int, peer: PeerCredentials) {
        var log = logger
        log[metadataKey: "signer.connection"] = "\(id)"
        log[metadataKey: "signer.peer.uid"] = "\(peer.uid)"
        log[metadataKey: "signer.peer.pid"] = "\(peer.pid)"
        log.debug("connection opened")

        let maximumLine = max(1, configuration.maximumLineBytes)
        let idleMilliseconds = configuration.idleTimeout.milliseconds
        let readTimeout = configuration.readTimeout
        UnixSocket.setTimeout(fd, option: SO_SNDTIMEO, milliseconds: readTimeout.milliseconds)
        UnixSocket.setTimeout(fd, option: SO_RCVTIMEO, milliseconds: idleMilliseconds)

        // The buffer never holds more than the limit plus one read: a partial line beyond the
        // limit is refused before reading on.
        let readSize = 64 * 1024
        var buffer = [UInt8](repeating: 0, count: maximumLine + 1 + readSize)
        var start = 0  // first unconsumed byte
        var end = 0  // one past the last received byte
        var scanned = 0  // bytes from `start` known to hold no newline
        var lineStarted: ContinuousClock.Instant? = nil
        var waitingIdle = true
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        var answered = 0
        var run: [Range<Int>] = []

        func fail(_ code: RPCErrorCode, _ message: String, data: WireJSON? = nil) {
            var line = RPCResponse(id: .null, error: RPCErrorObject(code, message, data: data)).serialized
            line.append(0x0A)
            _ = line.withUnsafeBytes { UnixSocket.sendAll(fd, $0) }
        }

        while true {
            // Answer every complete line received so far, as one run.
            var tooLarge: Int?
            while let newline = buffer[(start + scanned)..<end].firstIndex(of: 0x0A) {
                let length = newline - start
                if length > maximumLine {
                    tooLarge = length
                    break
                }
                var lineEnd = newline
                if lineEnd > start, buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }  // tolerate CRLF
                if lineEnd > start { run.append(start..<lineEnd) }
                start = newline + 1
                scanned = 0
                lineStarted = nil  // the read timeout runs per line, from the line's first byte
            }
            if !run.isEmpty {
                handler.respond(toRun: run.map { buffer[$0] }, peer: peer, into: &out)
                answered += run.count
                run.removeAll(keepingCapacity: true)
            }
            if let length = tooLarge {
                state.withLock { $0.statistics.tooLarge += 1 }
                log.warning("request line too large; closing the connection", metadata: ["signer.request.bytes": "\(length)"])
                if !out.isEmpty { _ = out.withUnsafeBytes { UnixSocket.sendAll(fd, $0) } }
                fail(.requestTooLarge, "request too large: a line may have at most \(maximumLine) bytes",
                     data: .object([WireJSONMember("limit", .integer(maximumLine))]))
                return
            }
            scanned = end - start
            if !out.isEmpty {
                let rc = out.withUnsafeBytes { UnixSocket.sendAll(fd, $0) }
                out.removeAll(keepingCapacity: true)
                if rc != 0 {
                    log.debug("could not send a response; closing", metadata: ["signer.error": "\(UnixSocket.describe(errno: rc))"])
                    return
                }
                state.withLock { $0.statistics.requests += answered }
                answered = 0
            }
            // Keep the partial line (if any) at the front.
            let pending = end - start
            if pending > maximumLine {
                state.withLock { $0.statistics.tooLarge += 1 }
                log.warning("request line too large; closing the connection", metadata: ["signer.request.bytes": "> \(maximumLine)"])
                fail(.requestTooLarge, "request too large: a line may have at most \(maximumLine) bytes",
                     data: .object([WireJSONMember("limit", .integer(maximumLine))]))
                return
            }
            if start > 0 {
                if pending > 0 {
                    buffer.withUnsafeMutableBytes { raw in
                        if let base = raw.baseAddress { _ = memmove(base, base + start, pending) }  // regions may overlap
                    }
                }
                start = 0
                end = pending
            }
            // Idle: wait up to the idle timeout. Inside a line: up to what is left of the read timeout.
            if pending == 0 {
                lineStarted = nil
                if !waitingIdle {
                    UnixSocket.setTimeout(fd, option: SO_RCVTIMEO, milliseconds: idleMilliseconds)
                    waitingIdle = true
                }
            } else {
                let began = lineStarted ?? ContinuousClock.now
                lineStarted = began
                let left = (began + readTimeout - ContinuousClock.now).milliseconds
                guard left > 0 else {
                    state.withLock { $0.statistics.readTimeouts += 1 }
                    log.warning("request line not completed within the read timeout; closing the connection")
                    fail(.requestTimeout, "request timeout: a request line must be completed within \(readTimeout)")
                    return
                }
                UnixSocket.setTimeout(fd, option: SO_RCVTIMEO, milliseconds: left)
                waitingIdle = false
            }
            let n = buffer.withUnsafeMutableBytes { raw in
                recv(fd, raw.baseAddress! + end, raw.count - end, 0)
            }
            if n > 0 {
                end += n
                continue
            }
            if n == 0 {
                if pending > 0 {
                    log.debug("peer closed in the middle of a request line", metadata: ["signer.request.bytes": "\(pending)"])
                } else {
                    log.debug("connection closed by peer")
                }
                return
            }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK {
                if pending == 0 {
                    state.withLock { $0.statistics.idleClosed += 1 }
                    log.debug("closing an idle connection")
                    return
                }
                continue  // the deadline check above answers the timeout
            }
            log.debug("read failed; closing", metadata: ["signer.error": "\(UnixSocket.describe(errno: e))"])
            return
        }
    }
}

/// Starts a detached thread with a 512 KiB stack (the JSON parser's nesting is bounded, so
/// this is ample). False if the system would not create one.
private func spawnThread(_ body: @escaping @Sendable () -> Void) -> Bool {
    final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    // Allocated rather than `pthread_attr_t()`: with libcrypto's headers in the module graph,
    // the importer attributes that initializer to CLibCrypto (MemberImportVisibility).
    let attributes = UnsafeMutablePointer<pthread_attr_t>.allocate(capacity: 1)
    defer { attributes.deallocate() }
    pthread_attr_init(attributes)
    defer { pthread_attr_destroy(attributes) }
    pthread_attr_setstacksize(attributes, 512 * 1024)
    pthread_attr_setdetachstate(attributes, Int32(PTHREAD_CREATE_DETACHED))
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, attributes, { raw in
        guard let raw else { return nil }
        Unmanaged<Box>.fromOpaque(raw).takeRetainedValue().body()
        return nil
    }, context)
    if rc != 0 {
        Unmanaged<Box>.fromOpaque(context).release()
        return false
    }
    return true
}
