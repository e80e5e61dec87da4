public import EVM
public import Logging
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The keeper's client for the signer: JSON-RPC over the signer's Unix socket.
///
/// One connection, opened on first use, reused, and re-opened after any failure. Calls are
/// serialised on it (the signer answers in order; one connection keeps the protocol trivial).
/// Socket I/O runs on a private serial `DispatchQueue`, never on Swift's cooperative pool; the
/// async API bridges with continuations. Each call has a deadline (the client's timeout unless
/// given): time spent waiting behind other calls counts, and a call that misses it fails with
/// `.timeout` and drops the connection, so a late answer cannot be taken for the next call's.
///
/// A call on a reused connection that the signer has closed meanwhile (idle timeout, restart)
/// is sent again on a fresh connection, which is safe because the signer never read it.
public final class SignerClient: Sendable {
    /// The signer's default socket.
    public static let defaultSocketPath = "/run/keeper-signer/signer.sock"
    /// Responses longer than this are a protocol violation.
    static let maximumResponseBytes = 4 << 20

    public let socketPath: String
    public let timeout: Duration
    private let logger: Logger
    private let queue = DispatchQueue(label: "keeper.signer-client")
    private let state = Mutex(ConnectionState())

    /// - Parameters:
    ///   - socketPath: the signer's socket.
    ///   - timeout: the default per-call deadline (connect, send, wait, read).
    public init(socketPath: String = SignerClient.defaultSocketPath, timeout: Duration = .seconds(5), logger: Logger) {
        self.socketPath = socketPath
        self.timeout = timeout
        self.logger = logger
    }

    deinit {
        state.withLock { $0.disconnect() }
    }

    /// `account_list`: the addresses the signer holds keys for.
    public func accounts() async throws(SignerClientError) -> [Address] {
        try await call(.accountList, params: .none, decode: AccountList.init(json:)).accounts
    }

    /// `account_signTransaction`: the signed transaction, or `.refused(rule, reason)`.
    public func signTransaction(
        _ transaction: TransactionArgs, methodSignature: String? = nil, timeout: Duration? = nil
    ) async throws(SignerClientError) -> SignedTransactionResult {
        let params = SignTransactionParams(transaction: transaction, methodSignature: methodSignature).params
        return try await call(.signTransaction, params: params, timeout: timeout, decode: SignedTransactionResult.init(json:))
    }

    /// `signer_status`.
    public func status() async throws(SignerClientError) -> SignerStatus {
        try await call(.status, params: .none, decode: SignerStatus.init(json:))
    }

    /// `signer_version`.
    public func version() async throws(SignerClientError) -> SignerVersion {
        try await call(.version, params: .none, decode: SignerVersion.init(json:))
    }

    /// Closes the connection (the next call opens a new one).
    public func close() {
        queue.async { self.state.withLock { $0.disconnect() } }
    }

    func call<T>(
        _ method: SignerMethod, params: RPCRequest.Params, timeout: Duration? = nil,
        decode: (WireJSON) throws(WireDecodingError) -> T
    ) async throws(SignerClientError) -> T {
        let result = try await call(method: method.rawValue, params: params, timeout: timeout)
        do {
            return try decode(result)
        } catch {
            throw SignerClientError(.protocolViolation, method: method.rawValue,
                                    message: "the signer's result does not decode: \(error)", cause: error)
        }
    }

    /// Calls any method; the raw result, or the error.
    public func call(method: String, params: RPCRequest.Params, timeout: Duration? = nil) async throws(SignerClientError) -> WireJSON {
        let deadline = ContinuousClock.now + (timeout ?? self.timeout)
        let outcome: Result<WireJSON, SignerClientError> = await withCheckedContinuation { continuation in
            queue.async {
                let result = self.state.withLock { connection in
                    connection.roundTrip(method: method, params: params, socketPath: self.socketPath, deadline: deadline, logger: self.logger)
                }
                continuation.resume(returning: result)
            }
        }
        return try outcome.get()
    }
}

/// The connection and its read buffer; only touched on the client's queue, under its mutex.
struct ConnectionState: ~Copyable {
    var fd: Int32 = -1
    var buffer: [UInt8] = []
    var nextID = 1
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)

    mutating func disconnect() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
        buffer.removeAll(keepingCapacity: true)
    }

    /// Whether the open connection has been closed by the signer (EOF or error pending).
    func peerHasClosed() -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        // Readable or hung up with no call outstanding: end of file, an error, or an
        // unsolicited error line before a close; each means this connection is done.
        return poll(&p, 1, 0) > 0
    }

    mutating func roundTrip(
        method: String, params: RPCRequest.Params, socketPath: String, deadline: ContinuousClock.Instant, logger: Logger
    ) -> Result<WireJSON, SignerClientError> {
        func failure(_ kind: SignerClientError.Kind, _ message: String, _ cause: (any Error & Sendable)? = nil) -> Result<WireJSON, SignerClientError> {
            .failure(SignerClientError(kind, method: method, message: message, cause: cause))
        }
        guard ContinuousClock.now < deadline else {
            return failure(.timeout, "timed out waiting behind earlier calls on the connection")
        }
        let id = nextID
        nextID &+= 1
        var line = RPCRequest(id: RPCID(id), method: method, params: params).serialized
        line.append(0x0A)

        var attempts = 0
        while true {
            attempts += 1
            var reused = fd >= 0
            if reused, peerHasClosed() {
                disconnect()
                reused = false
            }
            if fd < 0 {
                let remaining = (deadline - ContinuousClock.now).milliseconds
                guard remaining > 0 else { return failure(.timeout, "timed out connecting to \(socketPath)") }
                switch UnixSocket.connect(path: socketPath, timeoutMilliseconds: remaining) {
                case .success(let newFD):
                    fd = newFD
                    UnixSocket.setNonBlocking(fd, true)
                case .failure(.badPath):
                    return failure(.transport, "the socket path '\(socketPath)' is empty or longer than \(UnixSocket.maximumPathBytes) bytes")
                case .failure(.system(let e)):
                    if e == EAGAIN || e == EINPROGRESS {
                        return failure(.timeout, "timed out connecting to \(socketPath): the signer's backlog is full")
                    }
                    let hint = switch e {
                    case ENOENT, ECONNREFUSED: "; is the signer running? (systemctl status signer)"
                    case EACCES: "; this user needs to be in the socket's group (group in the [socket] section of signer.toml)"
                    default: ""
                    }
                    return failure(.transport, "cannot connect to \(socketPath): \(UnixSocket.describe(errno: e))\(hint)",
                                   SystemError("connect", errno: e))
                }
            }
            switch write(line, deadline: deadline) {
            case .success: break
            case .failure(let ioFailure) where ioFailure.code == ETIMEDOUT:
                disconnect()
                return failure(.timeout, "timed out sending the request")
            case .failure(let ioFailure):
                let e = ioFailure.code
                if reused, attempts == 1, e == EPIPE || e == ECONNRESET {
                    disconnect()
                    logger.debug("signer connection was closed; reconnecting", metadata: ["signer.client.errno": "\(e)"])
                    continue
                }
                // A signer that refuses a connection (overloaded, peer not allowed) says why
                // in one line before closing: prefer that to "broken pipe".
                if case .success(let reasonLine) = readLine(deadline: ContinuousClock.now),
                   let reason = try? RPCResponse.parse(reasonLine), case .failure(let error) = reason.outcome {
                    disconnect()
                    return .failure(.fromRPC(error, method: method))
                }
                disconnect()
                return failure(.transport, "sending to the signer failed: \(UnixSocket.describe(errno: e))", SystemError("send", errno: e))
            }
            break
        }

        while true {
            let responseLine: [UInt8]
            switch readLine(deadline: deadline) {
            case .success(let l): responseLine = l
            case .failure(let ioFailure):
                disconnect()
                let e = ioFailure.code
                switch e {
                case ETIMEDOUT: return failure(.timeout, "no answer from the signer within the timeout")
                case 0: return failure(.transport, "the signer closed the connection without answering")
                case EMSGSIZE: return failure(.protocolViolation, "the signer's response exceeds \(SignerClient.maximumResponseBytes) bytes")
                default: return failure(.transport, "reading from the signer failed: \(UnixSocket.describe(errno: e))", SystemError("recv", errno: e))
                }
            }
            let response: RPCResponse
            do {
                response = try RPCResponse.parse(responseLine)
            } catch {
                disconnect()
                return failure(.protocolViolation, "the signer's response is not valid JSON-RPC: \(error)", error)
            }
            if response.id == RPCID(id) {
                switch response.outcome {
                case .success(let value): return .success(value)
                case .failure(let error): return .failure(.fromRPC(error, method: method))
                }
            }
            if response.id == .null, case .failure(let error) = response.outcome {
                // Sent when the signer closes the connection: overloaded, peer not allowed, ...
                disconnect()
                return .failure(.fromRPC(error, method: method))
            }
            disconnect()
            return failure(.protocolViolation, "the signer answered id \(response.id), expected \(id)")
        }
    }

    /// Sends `bytes` before `deadline`; the errno on failure (ETIMEDOUT at the deadline).
    mutating func write(_ bytes: [UInt8], deadline: ContinuousClock.Instant) -> Result<Void, IOFailure> {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n >= 0 {
                offset += n
                continue
            }
            let e = errno
            if e == EINTR { continue }
            guard e == EAGAIN || e == EWOULDBLOCK else { return .failure(IOFailure(code: e)) }
            guard wait(for: Int16(POLLOUT), deadline: deadline) else { return .failure(IOFailure(code: ETIMEDOUT)) }
        }
        return .success(())
    }

    /// Reads one line before `deadline`. Errno on failure: 0 for EOF, ETIMEDOUT, EMSGSIZE.
    mutating func readLine(deadline: ContinuousClock.Instant) -> Result<[UInt8], IOFailure> {
        var scanned = 0
        while true {
            if let newline = buffer[scanned...].firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return .success(line)
            }
            scanned = buffer.count
            guard buffer.count <= SignerClient.maximumResponseBytes else { return .failure(IOFailure(code: EMSGSIZE)) }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                buffer.append(contentsOf: chunk[..<n])
                continue
            }
            if n == 0 { return .failure(IOFailure(code: 0)) }
            let e = errno
            if e == EINTR { continue }
            guard e == EAGAIN || e == EWOULDBLOCK else { return .failure(IOFailure(code: e)) }
            guard wait(for: Int16(POLLIN), deadline: deadline) else { return .failure(IOFailure(code: ETIMEDOUT)) }
        }
    }

    /// An errno from a socket call (0 for end of file).
    struct IOFailure: Error {
        let code: Int32
    }

    /// Polls for `events` until the deadline; false on timeout.
    func wait(for events: Int16, deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let remaining = (deadline - ContinuousClock.now).milliseconds
            guard remaining > 0 else { return false }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let n = poll(&p, 1, Int32(clamping: remaining))
            if n > 0 { return true }
            if n < 0, errno != EINTR { return true }  // let the next syscall report the error
        }
    }
}
