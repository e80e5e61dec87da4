public import SignerWire

/// Why a method did not return a result: a policy refusal, params the core finds invalid, or an
/// internal failure. Becomes the JSON-RPC error of the response.
public struct SignerMethodError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Hashable {
        /// The policy refused: -32000 with `data: {rule, reason}`.
        case refused(rule: String, reason: String)
        /// The params are well-formed but unusable (e.g. an unknown `from`): -32602.
        case invalidParams(field: String?)
        /// The signer failed (ledger, I/O): -32603. Nothing was signed.
        case internalError
    }

    public let kind: Kind
    /// Sent to the client: must hold no secret.
    public let message: String
    /// Logged, never sent.
    public let cause: (any Error & Sendable)?
    public let file: String
    public let line: Int

    private init(_ kind: Kind, _ message: String, cause: (any Error & Sendable)?, file: String, line: Int) {
        self.kind = kind
        self.message = message
        self.cause = cause
        self.file = file
        self.line = line
    }

    /// The policy refused; `rule` is its stable name, `reason` says why in words.
    public static func refused(rule: String, reason: String, file: String = #fileID, line: Int = #line) -> SignerMethodError {
        SignerMethodError(.refused(rule: rule, reason: reason), "refused by policy rule '\(rule)': \(reason)", cause: nil, file: file, line: line)
    }

    /// Well-formed params the signer cannot use.
    public static func invalidParams(_ message: String, field: String? = nil, file: String = #fileID, line: Int = #line) -> SignerMethodError {
        SignerMethodError(.invalidParams(field: field), message, cause: nil, file: file, line: line)
    }

    /// An internal failure; `message` goes to the client, `cause` only to the log.
    public static func internalError(_ message: String, cause: (any Error & Sendable)? = nil, file: String = #fileID, line: Int = #line) -> SignerMethodError {
        SignerMethodError(.internalError, message, cause: cause, file: file, line: line)
    }

    public var description: String {
        if let cause { return "\(message) (cause: \(cause))" }
        return message
    }

    public static func == (a: SignerMethodError, b: SignerMethodError) -> Bool { a.kind == b.kind }

    /// The JSON-RPC error to answer with.
    public var rpcError: RPCErrorObject {
        switch kind {
        case .refused(let rule, let reason): .refused(rule: rule, reason: reason)
        case .invalidParams(let field):
            RPCErrorObject(.invalidParams, "invalid params: \(message)", data: field.map { .object([WireJSONMember("field", .string($0))]) })
        case .internalError: RPCErrorObject(.internalError, "internal error: \(message); no signature was returned")
        }
    }
}
