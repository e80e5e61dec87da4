import Dispatch
import Foundation
public import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server for the keeper's local port: `/metrics`, `/healthz` and the oracle's
/// read API. Plain Glibc sockets, no event loop library.
///
/// It binds 127.0.0.1 by default. One accept thread hands each connection to a thread of its
/// own, up to ``Configuration/maxConnections``; past that a connection gets an immediate 503
/// and is closed, so a flood of idle or slow clients cannot hold the port. Each connection waits
/// with `poll(2)` against deadlines: a request must arrive whole (head and body) within
/// ``Configuration/readTimeout`` of the wait starting, or the client gets 408 and is closed, so
/// a client that sends half a request and stalls only ties up its own thread.
///
/// Connections are kept alive (HTTP/1.1 persistent connections, and HTTP/1.0 with
/// `Connection: keep-alive`) for up to ``Configuration/maxRequestsPerConnection`` requests; the
/// idle wait between requests is bounded by the same read timeout. After an error answer (400,
/// 408, 413, 414, 431, 501, 505) the connection is closed. Request bodies must come with
/// `Content-Length` (no chunked uploads) and are bounded by ``Configuration/maxBodyBytes``.
///
/// Async handlers run on a task of their own; a connection thread waits for the answer at most
/// ``Configuration/handlerTimeout`` (then 503). Synchronous handlers run on the connection thread. ``stop()`` stops accepting, closes idle
/// connections, lets requests in progress finish and waits for every thread, at most
/// ``Configuration/stopTimeout``.
public final class LocalHTTPServer: Sendable {
    /// Where and how the server listens.
    public struct Configuration: Sendable {
        /// A numeric IPv4 or IPv6 address; loopback by default, so the port is not reachable from
        /// other machines.
        public var host: String
        /// The TCP port; 0 picks a free one (read it back from ``LocalHTTPServer/port``).
        public var port: Int
        /// Connections served at once; more are answered 503 and closed.
        public var maxConnections: Int
        /// How long to wait for a whole request, and for the next request on an idle connection.
        public var readTimeout: Duration
        /// How long writing one response may take.
        public var writeTimeout: Duration
        /// How long a handler may take before the client gets 503.
        public var handlerTimeout: Duration
        /// The most bytes a request line and its header fields may take together (8 KiB).
        public var maxHeadBytes: Int
        /// The largest request body accepted (413 beyond).
        public var maxBodyBytes: Int
        /// Requests served on one connection before it is closed.
        public var maxRequestsPerConnection: Int
        /// How long ``LocalHTTPServer/stop()`` waits for requests in progress.
        public var stopTimeout: Duration

        public init(
            host: String = "127.0.0.1",
            port: Int = 9464,
            maxConnections: Int = 32,
            readTimeout: Duration = .seconds(10),
            writeTimeout: Duration = .seconds(10),
            handlerTimeout: Duration = .seconds(30),
            maxHeadBytes: Int = 8192,
            maxBodyBytes: Int = 64 * 1024,
            maxRequestsPerConnection: Int = 100,
            stopTimeout: Duration = .seconds(5)
        ) {
            self.host = host
            self.port = port
            self.maxConnections = maxConnections
            self.readTimeout = readTimeout
            self.writeTimeout = writeTimeout
            self.handlerTimeout = handlerTimeout
            self.maxHeadBytes = maxHeadBytes
            self.maxBodyBytes = maxBodyBytes
            self.maxRequestsPerConnection = maxRequestsPerConnection
            self.stopTimeout = stopTimeout
        }
    }

    private enum Phase: Sendable {
        case idle
        case running(listener: SocketDescriptor, port: Int, wakeRead: Int32, wakeWrite: Int32)
        case stopped
    }

    private struct State: Sendable {
        var phase: Phase = .idle
        var activeConnections = 0
    }

    public let configuration: Configuration
    private let router: HTTPRouter
    private let logger: Logger
    private let state = Mutex(State())
    /// Entered by the accept thread and by every connection thread.
    private let threads = DispatchGroup()

    public init(configuration: Configuration = Configuration(), router: HTTPRouter, logger: Logger) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
    }

    deinit {
        stop()
    }

    /// The port the server listens on, once started.
    public var port: Int? {
        state.withLock { state in
            if case .running(_, let port, _, _) = state.phase { return port }
            return nil
        }
    }

    /// Connections being served now.
    public var activeConnections: Int { state.withLock { $0.activeConnections } }

    /// Binds, listens and starts accepting; returns the port (useful with port 0).
    ///
    /// - Throws: ``HTTPServerError`` when the address is not numeric, the port is taken, or the
    ///   server was started before.
    @discardableResult
    public func start() throws(HTTPServerError) -> Int {
        let (listener, port) = try SocketDescriptor.listen(
            host: configuration.host, port: configuration.port, backlog: 64)
        guard let (wakeRead, wakeWrite) = SocketDescriptor.wakePipe() else {
            let code = errno
            listener.close()
            throw .socketFailed("pipe", errno: code)
        }
        let started = state.withLock { state -> Bool in
            guard case .idle = state.phase else { return false }
            state.phase = .running(listener: listener, port: port, wakeRead: wakeRead, wakeWrite: wakeWrite)
            return true
        }
        guard started else {
            listener.close()
            close(wakeRead)
            close(wakeWrite)
            throw .alreadyStarted()
        }
        threads.enter()
        let thread = Thread { [self] in
            acceptLoop(listener: listener, wake: wakeRead)
            listener.close()
            threads.leave()
        }
        thread.name = "keeper-http-accept"
        thread.start()
        logger.info(
            "http server listening",
            metadata: ["keeper.http.host": "\(configuration.host)", "keeper.http.port": "\(port)"])
        return port
    }

    /// Stops accepting, closes idle connections, lets requests in progress finish, and waits for
    /// every thread (at most ``Configuration/stopTimeout``). Safe to call more than once.
    public func stop() {
        let ends = state.withLock { state -> (Int32, Int32)? in
            guard case .running(_, _, let wakeRead, let wakeWrite) = state.phase else {
                state.phase = .stopped
                return nil
            }
            state.phase = .stopped
            return (wakeRead, wakeWrite)
        }
        guard let (wakeRead, wakeWrite) = ends else { return }
        // The pipe is never drained: once written it stays readable, and every poll sees it.
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        let seconds = Double(configuration.stopTimeout.components.seconds)
            + Double(configuration.stopTimeout.components.attoseconds) / 1e18
        if threads.wait(timeout: .now() + seconds) == .success {
            close(wakeRead)
            close(wakeWrite)
        } else {
            // A thread is still writing or waiting for a handler; it may still poll the pipe, so
            // the pipe is left open rather than closed under it.
            logger.warning("http server stopped with requests still in progress")
        }
    }

    /// Starts the server, runs until the calling task is cancelled, then stops gracefully: the
    /// shape a swift-service-lifecycle `Service` needs.
    public func run() async throws {
        try start()
        let (stream, continuation) = AsyncStream<Never>.makeStream()
        await withTaskCancellationHandler {
            for await _ in stream {}
        } onCancel: {
            continuation.finish()
        }
        // stop() blocks while it waits for the connection threads: do that on a thread of its
        // own, not on the task's cooperative thread.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let thread = Thread { [self] in
                stop()
                done.resume()
            }
            thread.name = "keeper-http-stop"
            thread.start()
        }
    }

    // MARK: Accepting

    private func acceptLoop(listener: SocketDescriptor, wake: Int32) {
        while true {
            switch listener.wait(wake: wake, until: .now + .seconds(3600)) {
            case .woken: return
            case .timedOut: continue
            case .ready: break
            }
            while let connection = listener.accept() {
                let admitted = state.withLock { state -> Bool in
                    guard state.activeConnections < configuration.maxConnections else { return false }
                    state.activeConnections += 1
                    return true
                }
                guard admitted else {
                    logger.warning(
                        "http connection refused: too many connections",
                        metadata: ["keeper.http.max_connections": "\(configuration.maxConnections)"])
                    connection.writeNow(
                        Self.serialize(
                            .error(.serviceUnavailable, "too many connections; try again"), head: false,
                            keepAlive: false))
                    connection.close()
                    continue
                }
                threads.enter()
                let thread = Thread { [self] in
                    serve(connection, wake: wake)
                    connection.close()
                    state.withLock { $0.activeConnections -= 1 }
                    threads.leave()
                }
                thread.name = "keeper-http-connection"
                thread.start()
            }
        }
    }

    // MARK: Serving one connection

    private func serve(_ connection: SocketDescriptor, wake: Int32) {
        var buffer: [UInt8] = []
        var served = 0
        while served < configuration.maxRequestsPerConnection {
            let deadline = ContinuousClock.now + configuration.readTimeout
            // The head.
            var parsed: (HTTPRequestHead, Int)?
            while parsed == nil {
                switch HTTPRequestHead.parse(buffer, limit: configuration.maxHeadBytes) {
                case .complete(let head, let length):
                    parsed = (head, length)
                case .invalid(let status, let reason):
                    refuse(connection, status, reason, wake: wake)
                    return
                case .incomplete:
                    guard receive(connection, into: &buffer, wake: wake, until: deadline) else {
                        // Timed out, closed, or stopping. Only a client that started a request
                        // hears about its timeout; an idle keep-alive connection just closes.
                        if !buffer.isEmpty && ContinuousClock.now >= deadline {
                            refuse(connection, .requestTimeout, "the request did not arrive in time", wake: wake)
                        }
                        return
                    }
                }
            }
            guard let (head, headLength) = parsed else { return }

            // The body.
            guard head.contentLength <= configuration.maxBodyBytes else {
                refuse(connection, .contentTooLarge, "the body is larger than \(configuration.maxBodyBytes) bytes", wake: wake)
                return
            }
            while buffer.count < headLength + head.contentLength {
                guard receive(connection, into: &buffer, wake: wake, until: deadline) else {
                    if ContinuousClock.now >= deadline {
                        refuse(connection, .requestTimeout, "the request body did not arrive in time", wake: wake)
                    }
                    return
                }
            }
            let body = Array(buffer[headLength..<(headLength + head.contentLength)])
            buffer.removeFirst(headLength + head.contentLength)
            served += 1

            let request = HTTPRequest(
                method: head.method, path: head.path, query: head.query, version: head.version, headers: head.headers,
                body: body)
            let response = respond(to: request)
            let stopping = state.withLock { state in
                if case .stopped = state.phase { return true }
                return false
            }
            let keepAlive =
                request.wantsKeepAlive && !stopping && served < configuration.maxRequestsPerConnection
            let bytes = Self.serialize(response, head: request.method == .head, keepAlive: keepAlive)
            guard connection.writeAll(bytes, until: .now + configuration.writeTimeout), keepAlive else { return }
        }
    }

    /// Reads more of the request; false when the deadline passed, the peer closed or errored, or
    /// the server is stopping.
    private func receive(
        _ connection: SocketDescriptor, into buffer: inout [UInt8], wake: Int32, until deadline: ContinuousClock.Instant
    ) -> Bool {
        while true {
            switch connection.read(into: &buffer, maximum: 16 * 1024) {
            case .some(let n) where n > 0: return true
            case .some: return false  // end of stream or error
            case .none:
                guard connection.wait(wake: wake, until: deadline) == .ready else { return false }
            }
        }
    }

    /// Answers an unservable request, then ends the stream and discards what the client still
    /// sends (at most 256 KiB, for at most a second) so the answer is not lost to a reset; the
    /// caller closes.
    private func refuse(_ connection: SocketDescriptor, _ status: HTTPResponse.Status, _ reason: String, wake: Int32) {
        logger.debug(
            "http request refused", metadata: ["keeper.http.status": "\(status.code)", "keeper.http.reason": "\(reason)"])
        let written = connection.writeAll(
            Self.serialize(.error(status, reason), head: false, keepAlive: false),
            until: .now + configuration.writeTimeout)
        guard written else { return }
        connection.shutdownWrite()
        connection.drain(limit: 256 * 1024, wake: wake, until: .now + .seconds(1))
    }

    private func respond(to request: HTTPRequest) -> HTTPResponse {
        switch router.resolve(request.method, path: request.path) {
        case .badPath:
            return .error(.badRequest, "the path has a malformed percent escape")
        case .notFound:
            return .error(.notFound, "no route for \(request.path)")
        case .methodNotAllowed(let allowed):
            var response = HTTPResponse.error(
                .methodNotAllowed, "\(request.method) is not allowed here; use \(allowed.map(\.rawValue).joined(separator: ", "))")
            response.headers.replaceOrAdd(name: "Allow", value: allowed.map(\.rawValue).joined(separator: ", "))
            return response
        case .handler(let responder, let parameters):
            var request = request
            request.pathParameters = parameters
            switch responder {
            case .asynchronous(let handler):
                return run(handler, request)
            case .synchronous(let handler):
                do {
                    return try handler(request)
                } catch {
                    return failed(request, error)
                }
            }
        }
    }

    private func failed(_ request: HTTPRequest, _ error: any Error) -> HTTPResponse {
        logger.error(
            "http handler failed", metadata: ["keeper.http.path": "\(request.path)", "keeper.http.error": "\(error)"])
        return .error(.internalServerError, "internal error; see the keeper's log")
    }

    /// Runs an async handler from this connection thread and waits for its answer.
    private func run(_ handler: @escaping HTTPRouter.Handler, _ request: HTTPRequest) -> HTTPResponse {
        let outcome = HandlerOutcome()
        // The handler runs on the server's own threads, not on the shared cooperative pool: the
        // pool has as many threads as cores, and when other work holds them (a long tick,
        // blocking calls) the HTTP endpoints must still answer. See HandlerExecutor.
        let task = Task(executorPreference: HandlerExecutor.shared) {
            do {
                outcome.finish(.success(try await handler(request)))
            } catch {
                outcome.finish(.failure(error))
            }
        }
        let seconds = Double(configuration.handlerTimeout.components.seconds)
            + Double(configuration.handlerTimeout.components.attoseconds) / 1e18
        guard outcome.wait(timeout: seconds), let result = outcome.result else {
            task.cancel()
            logger.error("http handler timed out", metadata: ["keeper.http.path": "\(request.path)"])
            return .error(.serviceUnavailable, "the handler did not answer in time")
        }
        switch result {
        case .success(let response):
            return response
        case .failure(let error):
            return failed(request, error)
        }
    }

    /// The bytes of a response, with `Content-Length`, `Connection` and `Date` set.
    static func serialize(_ response: HTTPResponse, head: Bool, keepAlive: Bool) -> [UInt8] {
        var headers = response.headers
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        headers.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        if headers["Date"] == nil { headers.add(name: "Date", value: httpDate(Date())) }
        var text = "HTTP/1.1 \(response.status.code) \(response.status.reason)\r\n"
        for field in headers { text += "\(field.name): \(field.value)\r\n" }
        text += "\r\n"
        var bytes = Array(text.utf8)
        if !head { bytes += response.body }
        return bytes
    }

    /// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) for the `Date` header.
    static func httpDate(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&t, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}

/// A handler's result, handed from its task to the waiting connection thread.
private final class HandlerOutcome: Sendable {
    private let value = Mutex<Result<HTTPResponse, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    func finish(_ result: Result<HTTPResponse, any Error>) {
        value.withLock { $0 = result }
        done.signal()
    }

    /// Waits for ``finish(_:)``; false on timeout.
    func wait(timeout seconds: Double) -> Bool {
        done.wait(timeout: .now() + seconds) == .success
    }

    var result: Result<HTTPResponse, any Error>? { value.withLock { $0 } }
}
