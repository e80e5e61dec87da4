public import EVM
public import Foundation
public import Logging
import Synchronization

/// A JSON-RPC endpoint in failover order. `name` is what logs and metrics show; the URL may carry
/// an API key and is never logged.
public struct RPCEndpoint: Sendable, Hashable {
    public var name: String
    public var url: URL

    public init(name: String, url: URL) {
        self.name = name
        self.url = url
    }
}

/// One call in a batch.
public struct RPCCall: Sendable, Hashable {
    public var method: String
    public var params: [JSONValue]

    public init(_ method: String, _ params: [JSONValue] = []) {
        self.method = method
        self.params = params
    }
}

/// JSON-RPC 2.0 over HTTP with batching, per-request timeouts, retries with jittered backoff on
/// transport errors, 429 and 5xx, error envelopes recognised inside HTTP 200, and failover
/// across endpoints.
///
/// Failover is sticky: after an endpoint fails, calls go to the next one until that one fails
/// too; the first endpoint is tried again after ``primaryRetryInterval``, so a recovered primary
/// takes the traffic back.
public final class JSONRPCClient: Sendable {
    public let endpoints: [RPCEndpoint]
    public let retry: RetryPolicy
    /// How long to stay away from the first endpoint after it failed.
    public let primaryRetryInterval: Duration
    private let transport: any HTTPTransport
    private let logger: Logger
    private let state: Mutex<State>
    /// Called once per failed attempt (endpoint name, error): the metrics hook.
    private let onError: (@Sendable (String, RPCError) -> Void)?

    private struct State {
        var current = 0
        var failedOverAt: ContinuousClock.Instant?
        var nextID: Int = 1
        var rng = SystemRandomNumberGenerator()
    }

    public init(
        endpoints: [RPCEndpoint], transport: any HTTPTransport = URLSessionTransport(), retry: RetryPolicy = RetryPolicy(),
        primaryRetryInterval: Duration = .seconds(60), logger: Logger = Logger(label: "keeper.rpc"),
        onError: (@Sendable (String, RPCError) -> Void)? = nil
    ) {
        precondition(!endpoints.isEmpty, "JSONRPCClient needs at least one endpoint")
        self.endpoints = endpoints
        self.transport = transport
        self.retry = retry
        self.primaryRetryInterval = primaryRetryInterval
        self.logger = logger
        self.onError = onError
        self.state = Mutex(State())
    }

    /// Calls one method; returns its `result`, or throws the node's error (a revert is
    /// ``RPCError/Kind/executionReverted`` with the revert bytes in `data`).
    ///
    /// `errorEnvelopesAreAnswers`: for methods whose JSON-RPC errors are the node's verdict on the
    /// request rather than a fault of the node, such as `eth_sendRawTransaction` (geth answers
    /// "nonce too low" or "invalid chain id" with -32000), the error is returned at once instead
    /// of being retried elsewhere. Transport failures are still retried.
    public func call(_ method: String, _ params: [JSONValue] = [], errorEnvelopesAreAnswers: Bool = false)
        async throws(RPCError) -> JSONValue
    {
        let results = try await send([RPCCall(method, params)], asBatch: false, retryEnvelopes: !errorEnvelopesAreAnswers)
        return try results[0].get()
    }

    /// Sends calls as one JSON-RPC batch (one HTTP request). Each call succeeds or fails on its
    /// own; the batch as a whole is retried only when the endpoint fails (transport, HTTP status,
    /// garbled or incomplete answer, or one error envelope for the whole batch).
    public func batch(_ calls: [RPCCall]) async throws(RPCError) -> [Result<JSONValue, RPCError>] {
        guard !calls.isEmpty else { return [] }
        return try await send(calls, asBatch: true, retryEnvelopes: false)
    }

    private func send(_ calls: [RPCCall], asBatch: Bool, retryEnvelopes: Bool) async throws(RPCError) -> [Result<JSONValue, RPCError>] {
        var lastError: RPCError?
        for attempt in 0..<retry.maxAttempts {
            if attempt > 0 {
                let delay = state.withLock { retry.delay(beforeRetry: attempt, using: &$0.rng) }
                try? await Task.sleep(for: delay)
                if Task.isCancelled { break }
            }
            let (index, firstID) = state.withLock { s -> (Int, Int) in
                if s.current != 0, let at = s.failedOverAt, ContinuousClock.now - at > primaryRetryInterval {
                    s.current = 0
                    s.failedOverAt = nil
                }
                let id = s.nextID
                s.nextID &+= calls.count
                return (s.current, id)
            }
            let endpoint = endpoints[index]
            do {
                return try await attemptOnce(calls, asBatch: asBatch, retryEnvelopes: retryEnvelopes, endpoint: endpoint, firstID: firstID)
            } catch {
                lastError = error
                onError?(endpoint.name, error)
                guard error.isRetryable else { throw error }
                logger.warning("rpc attempt failed", metadata: [
                    "keeper.rpc.endpoint": "\(endpoint.name)", "keeper.rpc.error": "\(error.shortDescription)",
                    "keeper.rpc.attempt": "\(attempt + 1)",
                ])
                failOver(from: index)
            }
        }
        throw RPCError(
            .exhausted, endpoint: lastError?.endpoint,
            message: "\(calls.first?.method ?? "batch") failed after \(retry.maxAttempts) attempts across \(endpoints.count) endpoint(s)",
            cause: lastError)
    }

    private func failOver(from index: Int) {
        guard endpoints.count > 1 else { return }
        state.withLock { s in
            guard s.current == index else { return }
            s.current = (index + 1) % endpoints.count
            if index == 0 { s.failedOverAt = ContinuousClock.now }
        }
    }

    private func attemptOnce(_ calls: [RPCCall], asBatch: Bool, retryEnvelopes: Bool, endpoint: RPCEndpoint, firstID: Int)
        async throws(RPCError) -> [Result<JSONValue, RPCError>]
    {
        let envelopes: [JSONValue] = calls.enumerated().map { offset, call in
            ["jsonrpc": "2.0", "id": .number(String(firstID + offset)), "method": .string(call.method), "params": .array(call.params)]
        }
        let body = asBatch ? JSONValue.array(envelopes).serializedData : envelopes[0].serializedData
        let response: HTTPResponse
        do {
            response = try await transport.post(endpoint.url, body: body, timeout: retry.requestTimeout)
        } catch {
            throw RPCError(.transport, endpoint: endpoint.name, message: "request failed: \(error)", cause: error)
        }
        if response.status == 429 {
            throw RPCError(.rateLimited, endpoint: endpoint.name, message: "HTTP 429 (rate limited)", status: 429)
        }
        guard (200..<300).contains(response.status) else {
            throw RPCError(.httpStatus, endpoint: endpoint.name, message: "HTTP \(response.status)", status: response.status)
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(response.body)
        } catch {
            throw RPCError(.malformed, endpoint: endpoint.name, message: "response is not JSON: \(error)", cause: error)
        }
        // One error envelope in answer to a batch (or with a null id) is the endpoint refusing
        // the whole request: throttling, overload, a proxy error page turned into JSON-RPC.
        let answers: [JSONValue]
        switch json {
        case .array(let items) where asBatch: answers = items
        case .object where !asBatch: answers = [json]
        case .object(let o) where o["error"] != nil:
            throw Self.envelopeError(o, endpoint: endpoint.name)
        default:
            throw RPCError(.malformed, endpoint: endpoint.name, message: "response has the wrong shape for a \(asBatch ? "batch" : "call")")
        }
        var byID: [Int: JSONValue] = [:]
        for answer in answers {
            guard case .object(let o) = answer else {
                throw RPCError(.malformed, endpoint: endpoint.name, message: "response item is not an object")
            }
            guard case .number(let idText)? = o["id"], let id = Int(idText) else {
                if o["error"] != nil { throw Self.envelopeError(o, endpoint: endpoint.name) }
                throw RPCError(.malformed, endpoint: endpoint.name, message: "response item has no numeric id")
            }
            byID[id] = answer
        }
        var results: [Result<JSONValue, RPCError>] = []
        results.reserveCapacity(calls.count)
        for offset in 0..<calls.count {
            guard case .object(let o)? = byID[firstID + offset] else {
                throw RPCError(.malformed, endpoint: endpoint.name, message: "response lacks the answer to \(calls[offset].method)")
            }
            if o["error"] != nil {
                let error = Self.envelopeError(o, endpoint: endpoint.name)
                // A node-side failure of a single call is retried like any endpoint failure,
                // unless the method's errors are verdicts; in a batch the caller decides per call.
                if retryEnvelopes, error.isRetryable { throw error }
                results.append(.failure(error))
            } else if let result = o["result"] {
                results.append(.success(result))
            } else {
                throw RPCError(.malformed, endpoint: endpoint.name, message: "response to \(calls[offset].method) has neither result nor error")
            }
        }
        return results
    }

    static func envelopeError(_ o: [String: JSONValue], endpoint: String) -> RPCError {
        let error = o["error"]?.objectValue ?? [:]
        let code: Int? = if case .number(let n)? = error["code"] { Int(n) } else { nil }
        let message = error["message"]?.stringValue ?? "error without a message"
        // geth answers reverts with code 3 and the revert bytes in data; some nodes use -32000
        // with "execution reverted" in the message.
        let isRevert = code == 3 || message.hasPrefix("execution reverted")
        return RPCError(
            isRevert ? .executionReverted : .rpc, endpoint: endpoint, message: message, code: code,
            data: error["data"])
    }
}
