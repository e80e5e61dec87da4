/// A JSON-RPC 2.0 request: `{"jsonrpc":"2.0","id":..,"method":..,"params":..}` on one line.
///
/// The signer answers every request, so a request must carry an `id` (number, string or null);
/// notifications (no `id`) and batches (arrays) are invalid requests.
public struct RPCRequest: Sendable, Hashable {
    /// The params member: absent, positional or named.
    public enum Params: Sendable, Hashable {
        case none
        case array([WireJSON])
        case object([WireJSONMember])

        var jsonValue: WireJSON? {
            switch self {
            case .none: nil
            case .array(let a): .array(a)
            case .object(let o): .object(o)
            }
        }
    }

    public var id: RPCID
    public var method: String
    public var params: Params

    public init(id: RPCID, method: String, params: Params = .none) {
        self.id = id
        self.method = method
        self.params = params
    }

    /// The request as one line of JSON (without the newline).
    public var serialized: [UInt8] {
        var members = [WireJSONMember("jsonrpc", .string("2.0")), WireJSONMember("id", id.jsonValue), WireJSONMember("method", .string(method))]
        if let p = params.jsonValue { members.append(WireJSONMember("params", p)) }
        return WireJSON.object(members).serialized
    }

    /// Parses one line. On failure the error carries the id when one could be read (so the
    /// answer can be matched), else null, and the JSON-RPC error to answer with.
    public static func parse(_ line: some Collection<UInt8>) -> Result<RPCRequest, RPCRequestError> {
        let json: WireJSON
        do {
            json = try WireJSON.parse(line)
        } catch {
            return .failure(RPCRequestError(id: .null, error: RPCErrorObject(.parseError, "parse error: \(error)")))
        }
        return parse(json)
    }

    /// Interprets parsed JSON as a request.
    public static func parse(_ json: WireJSON) -> Result<RPCRequest, RPCRequestError> {
        func invalid(_ id: RPCID, _ message: String) -> Result<RPCRequest, RPCRequestError> {
            .failure(RPCRequestError(id: id, error: RPCErrorObject(.invalidRequest, "invalid request: \(message)")))
        }
        guard case .object(let members) = json else {
            if case .array = json { return invalid(.null, "batches are not supported; send one request object per line") }
            return invalid(.null, "expected a JSON-RPC request object, found \(json.typeDescription)")
        }
        var idValue: WireJSON?
        var version: WireJSON?
        var methodValue: WireJSON?
        var paramsValue: WireJSON?
        for m in members {
            switch m.name {
            case "id": idValue = m.value
            case "jsonrpc": version = m.value
            case "method": methodValue = m.value
            case "params": paramsValue = m.value
            default: return invalid(idValue.flatMap(RPCID.init(json:)) ?? .null, "unknown member \"\(m.name.prefix(64))\"")
            }
        }
        guard let idValue else { return invalid(.null, "\"id\" is required (notifications are not supported)") }
        guard let id = RPCID(json: idValue) else { return invalid(.null, "\"id\" must be a number, a string or null") }
        guard version == .string("2.0") else { return invalid(id, "\"jsonrpc\" must be \"2.0\"") }
        guard let methodValue else { return invalid(id, "\"method\" is required") }
        guard case .string(let method) = methodValue else { return invalid(id, "\"method\" must be a string") }
        let params: Params
        switch paramsValue {
        case nil: params = .none
        case .array(let a)?: params = .array(a)
        case .object(let o)?: params = .object(o)
        case let other?:
            return invalid(id, "\"params\" must be an array or an object, found \(other.typeDescription)")
        }
        return .success(RPCRequest(id: id, method: method, params: params))
    }
}

/// A line that is not a request, with what to answer.
public struct RPCRequestError: Error, Sendable, Hashable {
    /// The request's id if it could be read, else null.
    public let id: RPCID
    /// The JSON-RPC error to answer with.
    public let error: RPCErrorObject

    public init(id: RPCID, error: RPCErrorObject) {
        self.id = id
        self.error = error
    }

    /// The response line to send.
    public var response: RPCResponse { RPCResponse(id: id, error: error) }
}
