import BenchmarkKit
import EVM
import Foundation
import SignerWire
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `account_signTransaction` request lines, each with a nonce never used before in the run, so
/// that every request is a first signature for its nonce: a real signature, a real spend in the
/// ledger and a signed-transaction row (no re-sign shortcut).
final class RequestSource: Sendable {
    /// The contract the requests call (the policy allows `resolve` on it).
    static let markets = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    private let nextNonce = Atomic<UInt64>(0)
    private let prefix: [UInt8]
    private let middle: [UInt8]
    private let suffix: [UInt8]

    init() {
        // resolve(7, true): the call the policy allows, with EIP-1559 fees under its caps.
        let data = "0x52a34b05" + String(repeating: "0", count: 63) + "7" + String(repeating: "0", count: 63) + "1"
        prefix = Array("{\"jsonrpc\":\"2.0\",\"id\":".utf8)
        middle = Array((",\"method\":\"account_signTransaction\",\"params\":[{\"from\":\"\(SignerProcess.keeper)\",\"to\":\"\(Self.markets)\","
            + "\"gas\":\"0x1d4c0\",\"maxFeePerGas\":\"0x6fc23ac00\",\"maxPriorityFeePerGas\":\"0x77359400\",\"value\":\"0x0\","
            + "\"data\":\"\(data)\",\"chainId\":\"0x7a69\",\"type\":\"0x2\",\"nonce\":\"0x").utf8)
        suffix = Array("\"},\"resolve(uint256,bool)\"]}\n".utf8)
    }

    /// The nonces handed out so far (= requests built).
    var issued: UInt64 { nextNonce.load(ordering: .relaxed) }

    /// The next request line (with its newline) and its nonce.
    func next() -> (line: [UInt8], nonce: UInt64) {
        let nonce = nextNonce.add(1, ordering: .relaxed).oldValue
        var line = prefix
        line.reserveCapacity(prefix.count + middle.count + suffix.count + 40)
        line += Array(String(nonce).utf8)
        line += middle
        line += Array(String(nonce, radix: 16).utf8)
        line += suffix
        return (line, nonce)
    }
}

/// One blocking client connection to the signer's socket, reading newline-framed responses.
final class BenchConnection {
    let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    private var start = 0
    private var end = 0

    init(path: String) throws {
        switch UnixSocket.connect(path: path, timeoutMilliseconds: 5000) {
        case .success(let fd): self.fd = fd
        case .failure(let error): throw BenchError("cannot connect to the signer at \(path): \(error)")
        }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { UnixSocket.sendAll(fd, $0) } == 0
    }

    /// The next response line (without the newline), or nil on end of file, error or after
    /// `timeout` without one. Valid until the next call.
    func readLine(timeout: Duration = .seconds(10)) -> ArraySlice<UInt8>? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let newline = buffer[start..<end].firstIndex(of: 0x0A) {
                let line = buffer[start..<newline]
                start = newline + 1
                return line
            }
            if start > 0 {
                let pending = end - start
                buffer.withUnsafeMutableBytes { raw in _ = memmove(raw.baseAddress!, raw.baseAddress! + start, pending) }
                start = 0
                end = pending
            }
            guard end < buffer.count else { return nil }
            let left = (deadline - ContinuousClock.now).milliseconds
            guard left > 0 else { return nil }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, Int32(clamping: left))
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { return nil }
            let n = buffer.withUnsafeMutableBytes { raw in recv(fd, raw.baseAddress! + end, raw.count - end, 0) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return nil }
            end += n
        }
    }
}

/// What a response line says, checked cheaply for every response and fully for a sample.
enum ResponseCheck {
    private static let resultMarker = Array("\"result\"".utf8)

    /// Whether the line is a result (not an error).
    static func isResult(_ line: ArraySlice<UInt8>) -> Bool {
        guard line.count >= resultMarker.count else { return false }
        // The result member follows the id, within the first few dozen bytes.
        let window = line.prefix(64)
        var i = window.startIndex
        while i + resultMarker.count <= window.endIndex {
            if window[i..<(i + resultMarker.count)].elementsEqual(resultMarker) { return true }
            i += 1
        }
        return false
    }

    /// What is wrong with an answer to the request with `nonce`, or nil: it must be a result,
    /// and with `full` its signed transaction must decode with the keeper as sender and `nonce`.
    static func problem(_ line: ArraySlice<UInt8>, nonce: UInt64, full: Bool) -> String? {
        guard isResult(line) else { return String(decoding: line.prefix(300), as: UTF8.self) }
        return full ? verify(line, nonce: nonce) : nil
    }

    /// Decodes the signed transaction and checks its sender and nonce; nil when it is right,
    /// else what is wrong.
    static func verify(_ line: ArraySlice<UInt8>, nonce: UInt64) -> String? {
        do {
            let response = try RPCResponse.parse(line)
            switch response.outcome {
            case .failure(let error):
                return "error \(error.code): \(error.message)"
            case .success(let json):
                let result = try SignedTransactionResult(json: json)
                let signed = try SignedTransaction(raw: result.raw, chainId: 31337)
                guard signed.sender == (try Address(SignerProcess.keeper)) else { return "signed by \(signed.sender.checksummed)" }
                guard signed.transaction.nonce == nonce else { return "nonce \(signed.transaction.nonce), sent \(nonce)" }
                return nil
            }
        } catch {
            return "undecodable response: \(error)"
        }
    }
}

/// Starts `count` threads running `body(index)` and waits for all of them.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for i in 0..<count {
        group.enter()
        let thread = Thread {
            body(i)
            group.leave()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    group.wait()
}
