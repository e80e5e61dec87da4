import Dispatch
import EVM
import Foundation
import Logging
import Signer
import SignerWire
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A `SignerMethods` that signs nothing real: it refuses values above 1 ether with rule
/// `value-cap`, and blocks in `signTransaction` when `methodSignature` is `"block()"` until
/// the test opens the gate.
final class FakeSignerMethods: SignerMethods {
    static let account = Address(word: U256(hex: "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed") ?? .zero)
    let gate = DispatchSemaphore(value: 0)
    let blockedCount = Atomic<Int>(0)
    let rejections = Atomic<Int>(0)
    let lastContext = Mutex<RequestContext?>(nil)

    func accountList(context: RequestContext) throws(SignerMethodError) -> [Address] { [Self.account] }

    func signTransaction(_ transaction: TransactionArgs, methodSignature: String?, context: RequestContext) throws(SignerMethodError) -> SignedTransactionResult {
        if methodSignature == "block()" {
            blockedCount.add(1, ordering: .sequentiallyConsistent)
            _ = gate.wait(timeout: .now() + 60)
        }
        if methodSignature == "unknownFrom()" {
            throw .invalidParams("from \(transaction.from) is not an account of this signer", field: "params[0].from")
        }
        if methodSignature == "fail()" { throw .internalError("the ledger is unavailable", cause: CancellationError()) }
        if transaction.value > U256(1_000_000_000_000_000_000) {
            throw .refused(rule: "value-cap", reason: "value \(transaction.value.hexQuantity) is above the cap of 1 ether")
        }
        let raw: [UInt8] = [0x02] + transaction.nonce.bigEndianBytes
        return SignedTransactionResult(raw: raw, transaction: transaction, hash: Keccak256.hash(raw), v: .zero, r: .one, s: .one)
    }

    func status(context: RequestContext) throws(SignerMethodError) -> SignerStatus {
        SignerStatus(policy: .init(file: "policies/test.toml", sha256: String(repeating: "0", count: 64), approvers: [Self.account]),
                     budgets: [], uptimeSeconds: 1, version: "test")
    }

    func version(context: RequestContext) -> SignerVersion {
        lastContext.withLock { $0 = context }
        return SignerVersion(version: "test")
    }

    func rejected(_ error: RPCErrorObject, context: RequestContext) { rejections.add(1, ordering: .relaxed) }
}

extension UInt64 {
    var bigEndianBytes: [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: self >> (56 - 8 * UInt64($0))) } }
}

/// Log records kept in memory, so tests can check that something was logged.
final class LogCapture: Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    let records = Mutex<[Record]>([])

    func logger(level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: "test") { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    func contains(_ message: String, where predicate: (Record) -> Bool = { _ in true }) -> Bool {
        records.withLock { $0.contains { $0.message.contains(message) && predicate($0) } }
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var flat: [String: String] = [:]
            for (k, v) in metadata { flat[k] = "\(v)" }
            for (k, v) in event.metadata ?? [:] { flat[k] = "\(v)" }
            let record = Record(level: event.level, message: "\(event.message)", metadata: flat)
            capture.records.withLock { $0.append(record) }
        }
    }
}

/// A fresh directory under /tmp with a short path (socket paths are limited to 107 bytes).
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/sgn-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { $0.baseAddress.flatMap(mkdtemp) }
        guard made != nil else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    var socketPath: String { path + "/signer.sock" }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A running signer transport with the fake methods.
final class TestServer: Sendable {
    let server: UnixSocketServer
    let methods: FakeSignerMethods
    let capture: LogCapture

    init(configuration: TransportConfiguration, methods: FakeSignerMethods = FakeSignerMethods(), capture: LogCapture = LogCapture()) throws {
        let logger = capture.logger()
        let listener = try UnixSocketListener(configuration: configuration, logger: logger)
        server = UnixSocketServer(listener: listener, configuration: configuration,
                                  handler: RPCDispatcher(methods: methods, logger: logger), logger: logger)
        self.methods = methods
        self.capture = capture
        server.start()
    }

    func stop() { server.shutdown(gracePeriod: .seconds(30)) }

    deinit { server.shutdown(gracePeriod: .seconds(30)) }
}

/// A plain blocking client socket for byte-level tests.
final class RawConnection {
    let fd: Int32
    var buffer: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16 * 1024)  // small: some tests hold a thousand connections

    init(path: String) throws {
        switch UnixSocket.connect(path: path, timeoutMilliseconds: 5000) {
        case .success(let fd): self.fd = fd
        case .failure(.system(let e)): throw POSIXError(.init(rawValue: e) ?? .EIO)
        case .failure(.badPath): throw POSIXError(.ENAMETOOLONG)
        }
    }

    deinit { close(fd) }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { UnixSocket.sendAll(fd, $0) }
    }

    /// The next line, or nil at end of file, error or after `timeout`.
    func readLine(timeout: Duration = .seconds(30)) -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            guard waitReadable(until: deadline) else { return nil }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return nil }
            buffer.append(contentsOf: chunk[..<n])
        }
    }

    /// The next line parsed as a response.
    func readResponse(timeout: Duration = .seconds(30)) throws -> RPCResponse {
        let line = try #require(readLine(timeout: timeout))
        return try RPCResponse.parse(Array(line.utf8))
    }

    /// Whether the server closes the connection (EOF or reset) before `timeout`, after any lines.
    func isClosedByPeer(timeout: Duration = .seconds(30)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while waitReadable(until: deadline) {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return true }
        }
        return false
    }

    func waitReadable(until deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let left = (deadline - ContinuousClock.now).milliseconds
            guard left > 0 else { return false }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let n = poll(&p, 1, Int32(clamping: left))
            if n > 0 { return true }
            if n < 0 && errno != EINTR { return true }
        }
    }
}

/// Polls `condition` until it holds or `timeout` passes.
/// Deadlines are generous: they only matter when a test fails, and tests of other modules may
/// hold both cores for seconds.
func eventually(timeout: Duration = .seconds(30), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))  // pause inside a poll-until-deadline loop
    }
    return condition()
}

/// Request lines for tests.
enum Lines {
    static func version(id: Int) -> String { #"{"jsonrpc":"2.0","id":\#(id),"method":"signer_version"}"# + "\n" }

    static func sign(id: Int, nonce: Int = 0, value: String = "0x1", extra: String = "") -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"method":"account_signTransaction","params":[{"from":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed","to":"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359","gas":"0x5208","maxFeePerGas":"0x2","maxPriorityFeePerGas":"0x1","value":"\#(value)","nonce":"\#(U256(nonce).hexQuantity)","chainId":"0x1"\#(extra)}]}"# + "\n"
    }

    static func transaction(value: U256 = .one, nonce: UInt64 = 0) throws -> TransactionArgs {
        try TransactionArgs(from: FakeSignerMethods.account, to: Address("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"), gas: 21_000,
                            fees: .dynamic(maxFeePerGas: U256(2), maxPriorityFeePerGas: U256(1)), value: value,
                            nonce: nonce, chainId: U256(1))
    }
}

/// A deterministic generator (SplitMix64) so fuzz failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
