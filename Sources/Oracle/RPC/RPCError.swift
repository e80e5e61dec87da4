public import EVM

/// Why a JSON-RPC call failed.
///
/// `kind` says whether trying again (or elsewhere) can help: transport failures, throttling,
/// server errors and garbled answers are the endpoint's fault and are retried with failover;
/// an execution revert or invalid params are the request's own answer and are returned at once.
public struct RPCError: Error, Sendable, CustomStringConvertible {
    /// Stable categories; ``shortDescription`` is safe as a metric label.
    public enum Kind: String, Sendable, Hashable {
        /// Connection refused, reset, DNS, or the request timed out.
        case transport
        /// HTTP 429.
        case rateLimited
        /// HTTP 5xx or another non-2xx status.
        case httpStatus
        /// The body was not the JSON-RPC response we asked for.
        case malformed
        /// The node answered with a JSON-RPC error envelope (see ``code``).
        case rpc
        /// The call reverted (`execution reverted`, code 3); ``data`` holds the revert bytes.
        case executionReverted
        /// Every attempt failed; ``cause`` is the last failure.
        case exhausted
    }

    public let kind: Kind
    /// The endpoint that failed, by its configured name (never its URL: URLs may hold API keys).
    public let endpoint: String?
    /// JSON-RPC error code, for ``Kind/rpc`` and ``Kind/executionReverted``.
    public let code: Int?
    /// HTTP status, for ``Kind/httpStatus`` and ``Kind/rateLimited``.
    public let status: Int?
    public let message: String
    /// The error's `data`: for a revert, the 0x-hex revert bytes.
    public let data: JSONValue?
    public let cause: (any Error & Sendable)?

    public init(
        _ kind: Kind, endpoint: String?, message: String, code: Int? = nil, status: Int? = nil,
        data: JSONValue? = nil, cause: (any Error & Sendable)? = nil
    ) {
        self.kind = kind
        self.endpoint = endpoint
        self.code = code
        self.status = status
        self.message = message
        self.data = data
        self.cause = cause
    }

    /// Whether another attempt (on this or another endpoint) may succeed.
    public var isRetryable: Bool {
        switch kind {
        case .transport, .rateLimited, .httpStatus, .malformed: true
        case .executionReverted, .exhausted: false
        case .rpc:
            // Invalid request/params are the caller's fault; node-side conditions ("header not
            // found", limits, internal errors, unknown methods on one provider) are worth another
            // endpoint.
            code.map { !(-32602 ... -32600).contains($0) } ?? true
        }
    }

    /// A bounded label without addresses or amounts, for metrics.
    public var shortDescription: String { code.map { "\(kind.rawValue)(\($0))" } ?? kind.rawValue }

    public var description: String {
        var text = endpoint.map { "rpc endpoint '\($0)': " } ?? "rpc: "
        text += message
        if let cause, kind == .exhausted || kind == .transport { text += " (cause: \(cause))" }
        return text
    }
}
