/// The signer's JSON-RPC error codes: stable, part of the wire contract, and the table of the
/// operator documentation.
///
/// | code   | name                | when                                                                 | connection |
/// |--------|---------------------|----------------------------------------------------------------------|------------|
/// | -32700 | parse error         | the line is not JSON (bad syntax, invalid UTF-8, duplicate member, nested deeper than 32) | stays open |
/// | -32600 | invalid request     | not a JSON-RPC 2.0 request object: a batch (array), `jsonrpc` not `"2.0"`, no `method`, a bad or missing `id` (notifications are not supported) | stays open |
/// | -32601 | method not found    | a method the signer does not have                                    | stays open |
/// | -32602 | invalid params      | params of the wrong shape, a missing or unknown field, a wrong type or bad value; `data.field` names it, e.g. `params[0].gas` | stays open |
/// | -32603 | internal error      | the signer failed for a reason of its own (e.g. its ledger); no signature was returned | stays open |
/// | -32000 | refused             | the active policy refused; `data: {rule, reason}` names the rule     | stays open |
/// | -32001 | request too large   | a line longer than the limit (128 KiB); `data.limit` is the limit in bytes | closed |
/// | -32002 | request timeout     | a request line was started but not finished within the read timeout (5 s) | closed |
/// | -32003 | overloaded          | the signer already has its maximum of open connections (64)          | closed |
/// | -32004 | peer not allowed    | the connecting process's uid/gid is not in the signer's allowed lists | closed |
///
/// Errors that close the connection are sent with id `null`, because they are not an answer to
/// any one request.
public enum RPCErrorCode: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// -32700: the line is not valid JSON.
    case parseError = -32700
    /// -32600: valid JSON, but not a single JSON-RPC 2.0 request object (batches are not supported).
    case invalidRequest = -32600
    /// -32601: the method does not exist.
    case methodNotFound = -32601
    /// -32602: the params are malformed; `data.field` names the offending field.
    case invalidParams = -32602
    /// -32603: the signer failed internally; no signature was returned.
    case internalError = -32603
    /// -32000: the active policy refused the request; `data` is `{rule, reason}`.
    case refused = -32000
    /// -32001: the request line exceeds the size limit; the connection is closed.
    case requestTooLarge = -32001
    /// -32002: a started request line did not complete within the read timeout; the connection is closed.
    case requestTimeout = -32002
    /// -32003: too many open connections; this one is closed at once.
    case overloaded = -32003
    /// -32004: the peer's uid/gid is not allowed; the connection is closed at once.
    case peerNotAllowed = -32004

    /// The name used in messages and the operator documentation.
    public var description: String {
        switch self {
        case .parseError: "parse error"
        case .invalidRequest: "invalid request"
        case .methodNotFound: "method not found"
        case .invalidParams: "invalid params"
        case .internalError: "internal error"
        case .refused: "refused"
        case .requestTooLarge: "request too large"
        case .requestTimeout: "request timeout"
        case .overloaded: "overloaded"
        case .peerNotAllowed: "peer not allowed"
        }
    }

    /// Whether the signer closes the connection after sending this error.
    public var closesConnection: Bool {
        switch self {
        case .requestTooLarge, .requestTimeout, .overloaded, .peerNotAllowed: true
        default: false
        }
    }
}
