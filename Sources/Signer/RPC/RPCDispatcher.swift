public import Logging
public import SignerWire

/// Turns request lines into calls of ``SignerMethods`` and their outcomes into response lines.
///
/// Everything that arrives is answered, never trusted: malformed JSON is -32700 with id null;
/// a non-object, a batch, a wrong `jsonrpc` or a missing `method`/`id` is -32600; an unknown
/// method -32601; params that do not decode strictly -32602 with `data.field` naming the field.
/// No input path has a force unwrap, a precondition or unbounded recursion (JSON nesting is
/// capped), so nothing a peer sends can crash the process.
public struct RPCDispatcher<Methods: SignerMethods>: LineHandler {
    public let methods: Methods
    private let logger: Logger

    public init(methods: Methods, logger: Logger) {
        self.methods = methods
        self.logger = logger
    }

    public func respond(to line: ArraySlice<UInt8>, peer: PeerCredentials, into out: inout [UInt8]) {
        response(to: line, peer: peer).write(into: &out)
    }

    /// Answers a run of lines that arrived together with one wait for durability: each request is
    /// handled in order with its durable records queued, not waited for, and the answers are
    /// written to `out` only once all of the run's records are durable. If they cannot be made
    /// durable, every request of the run is answered with an internal error instead (no signature
    /// of the run leaves the process). A run of one is answered like ``respond(to:peer:into:)``.
    public func respond(toRun lines: [ArraySlice<UInt8>], peer: PeerCredentials, into out: inout [UInt8]) {
        guard lines.count > 1 else {
            for line in lines {
                respond(to: line, peer: peer, into: &out)
                out.append(0x0A)
            }
            return
        }
        let durability = DeferredDurability()
        let mark = out.count
        var ids: [RPCID] = []
        ids.reserveCapacity(lines.count)
        for line in lines {
            let response = response(to: line, peer: peer, durability: durability)
            ids.append(response.id)
            response.write(into: &out)
            out.append(0x0A)
        }
        do {
            try durability.wait()
        } catch {
            logger.critical("the records of a run of requests could not be made durable; answering each with an error", metadata: [
                "signer.error": "\(error)", "signer.requests": "\(lines.count)",
            ])
            out.removeSubrange(mark...)
            let failure = SignerMethodError.internalError("the request could not be recorded durably", cause: error).rpcError
            for id in ids {
                RPCResponse(id: id, error: failure).write(into: &out)
                out.append(0x0A)
            }
        }
    }

    /// The response to one request line. With `durability`, the method leaves its wait for
    /// durability to the caller, who must wait on it before the response leaves.
    public func response(to line: ArraySlice<UInt8>, peer: PeerCredentials, durability: DeferredDurability? = nil) -> RPCResponse {
        let request: RPCRequest
        switch RPCRequest.parse(line) {
        case .success(let r): request = r
        case .failure(let failure):
            let context = RequestContext(peer: peer, id: failure.id, method: "", rawRequest: line, durability: durability)
            return reject(failure.error, context: context)
        }
        let context = RequestContext(peer: peer, id: request.id, method: request.method, rawRequest: line, durability: durability)
        guard let method = SignerMethod(rawValue: request.method) else {
            let known = SignerMethod.allCases.map(\.rawValue).joined(separator: ", ")
            return reject(RPCErrorObject(.methodNotFound, "method not found: '\(request.method.prefix(64))'; the signer has \(known)"), context: context)
        }
        if logger.logLevel <= .debug {
            logger.debug("request", metadata: [
                "signer.request.method": "\(method.rawValue)", "signer.request.id": "\(request.id)",
                "signer.peer.uid": "\(peer.uid)", "signer.peer.pid": "\(peer.pid)",
            ])
        }
        let result: Result<WireJSON, SignerMethodError>
        switch method {
        case .accountList:
            if let error = Self.expectNoParams(request.params, method) { return reject(error, context: context) }
            result = Result { () throws(SignerMethodError) in AccountList(accounts: try methods.accountList(context: context)).jsonValue }
        case .signTransaction:
            let params: SignTransactionParams
            do {
                params = try SignTransactionParams(params: request.params)
            } catch {
                return reject(RPCErrorObject(.invalidParams, "invalid params: \(error)", data: .object([WireJSONMember("field", .string(error.path))])),
                              context: context)
            }
            result = Result { () throws(SignerMethodError) in
                try methods.signTransaction(params.transaction, methodSignature: params.methodSignature, context: context).jsonValue
            }
        case .status:
            if let error = Self.expectNoParams(request.params, method) { return reject(error, context: context) }
            result = Result { () throws(SignerMethodError) in try methods.status(context: context).jsonValue }
        case .version:
            if let error = Self.expectNoParams(request.params, method) { return reject(error, context: context) }
            result = .success(methods.version(context: context).jsonValue)
        }
        switch result {
        case .success(let value):
            return RPCResponse(id: request.id, result: value)
        case .failure(let error):
            switch error.kind {
            case .refused(let rule, _):
                logger.notice("refused", metadata: [
                    "signer.request.method": "\(method.rawValue)", "signer.refusal.rule": "\(rule)",
                    "signer.peer.uid": "\(peer.uid)", "signer.peer.pid": "\(peer.pid)",
                ])
            case .internalError:
                logger.error("internal error", metadata: [
                    "signer.request.method": "\(method.rawValue)", "signer.error": "\(error)",
                    "signer.error.source": "\(error.file):\(error.line)",
                ])
            case .invalidParams:
                break
            }
            return RPCResponse(id: request.id, error: error.rpcError)
        }
    }

    private func reject(_ error: RPCErrorObject, context: RequestContext) -> RPCResponse {
        if logger.logLevel <= .debug {
            logger.debug("rejected request", metadata: [
                "signer.request.method": "\(context.method.prefix(64))", "signer.error.code": "\(error.code)",
                "signer.error": "\(error.message.prefix(200))",
                "signer.peer.uid": "\(context.peer.uid)", "signer.peer.pid": "\(context.peer.pid)",
            ])
        }
        methods.rejected(error, context: context)
        return RPCResponse(id: context.id, error: error)
    }

    /// Methods without params accept none, `[]` or `{}`.
    static func expectNoParams(_ params: RPCRequest.Params, _ method: SignerMethod) -> RPCErrorObject? {
        switch params {
        case .none: return nil
        case .array(let a) where a.isEmpty: return nil
        case .object(let o) where o.isEmpty: return nil
        default:
            return RPCErrorObject(.invalidParams, "invalid params: \(method.rawValue) takes no params", data: .object([WireJSONMember("field", .string("params"))]))
        }
    }
}
