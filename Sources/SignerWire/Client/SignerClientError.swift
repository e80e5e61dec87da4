/// Why a call to the signer did not return a result.
///
/// Switch on ``kind``; equality compares the kind only. The ``cause`` keeps the underlying
/// error (an errno, a decoding error) for logs.
public struct SignerClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure.
    public enum Kind: Sendable, Hashable {
        /// The policy refused: the rule that decided and its reason (JSON-RPC -32000).
        case refused(rule: String, reason: String)
        /// The socket failed: no signer at the path, permission denied, connection reset. The
        /// connection is re-opened on the next call.
        case transport
        /// No answer within the call's timeout (the connection is dropped, because a late answer
        /// would otherwise be read as the next call's).
        case timeout
        /// The signer answered something that is not a valid response for this call.
        case protocolViolation
        /// Any other JSON-RPC error: invalid params, overloaded, internal error, ...
        case rpc(code: Int, message: String)
    }

    public let kind: Kind
    /// What went wrong and what to do.
    public let message: String
    /// The method called.
    public let method: String
    /// The underlying error, if any.
    public let cause: (any Error & Sendable)?
    /// The JSON-RPC error object for `.refused` and `.rpc`.
    public let rpcError: RPCErrorObject?
    /// Where the error was made (for logs).
    public let file: String
    public let line: Int

    init(
        _ kind: Kind, method: String, message: String, cause: (any Error & Sendable)? = nil, rpcError: RPCErrorObject? = nil,
        file: String = #fileID, line: Int = #line
    ) {
        self.kind = kind
        self.method = method
        self.message = message
        self.cause = cause
        self.rpcError = rpcError
        self.file = file
        self.line = line
    }

    /// The rule and reason, if the policy refused.
    public var refusal: (rule: String, reason: String)? {
        if case .refused(let rule, let reason) = kind { return (rule, reason) }
        return nil
    }

    /// A bounded label for metrics: no addresses, amounts or messages.
    public var shortDescription: String {
        switch kind {
        case .refused: "refused"
        case .transport: "transport"
        case .timeout: "timeout"
        case .protocolViolation: "protocol"
        case .rpc(let code, _): "rpc \(code)"
        }
    }

    public var description: String {
        var text = "signer \(method): \(message)"
        if let cause { text += " (cause: \(cause))" }
        return text
    }

    public static func == (a: SignerClientError, b: SignerClientError) -> Bool { a.kind == b.kind }

    static func fromRPC(_ error: RPCErrorObject, method: String, file: String = #fileID, line: Int = #line) -> SignerClientError {
        if let refusal = error.refusal {
            return SignerClientError(.refused(rule: refusal.rule, reason: refusal.reason), method: method,
                                     message: error.message, rpcError: error, file: file, line: line)
        }
        return SignerClientError(.rpc(code: error.code, message: error.message), method: method,
                                 message: "the signer answered error \(error.code): \(error.message)",
                                 rpcError: error, file: file, line: line)
    }
}

/// An errno as an error value.
public struct SystemError: Error, Sendable, Hashable, CustomStringConvertible {
    public let operation: String
    public let errno: Int32

    public init(_ operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    public var description: String { "\(operation): \(UnixSocket.describe(errno: errno))" }
}
