/// A JSON-RPC 2.0 response: a result or an error, for the request with the same id.
public struct RPCResponse: Sendable, Hashable {
    public var id: RPCID
    /// The result, or the error.
    public var outcome: Result<WireJSON, RPCErrorObject>

    public init(id: RPCID, result: WireJSON) {
        self.id = id
        outcome = .success(result)
    }

    public init(id: RPCID, error: RPCErrorObject) {
        self.id = id
        outcome = .failure(error)
    }

    /// The response as one line of JSON (without the newline).
    public var serialized: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        write(into: &out)
        return out
    }

    /// Appends the response's JSON (without the newline) to `out`.
    public func write(into out: inout [UInt8]) {
        out.append(contentsOf: #"{"jsonrpc":"2.0","id":"#.utf8)
        id.jsonValue.write(into: &out)
        switch outcome {
        case .success(let result):
            out.append(contentsOf: #","result":"#.utf8)
            result.write(into: &out)
        case .failure(let error):
            out.append(contentsOf: #","error":"#.utf8)
            error.jsonValue.write(into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Parses one response line strictly: `jsonrpc` "2.0", an id, and exactly one of `result`
    /// and `error`.
    public static func parse(_ line: some Collection<UInt8>) throws(WireDecodingError) -> RPCResponse {
        let json: WireJSON
        do {
            json = try WireJSON.parse(line)
        } catch {
            throw WireDecodingError(path: "response", problem: .invalidValue(error.description))
        }
        var reader = try WireObjectReader(json, at: WirePath("response"))
        let version = try reader.required("jsonrpc", WireDecode.string)
        guard version == "2.0" else {
            throw WireDecodingError(path: "response.jsonrpc", problem: .invalidValue("expected \"2.0\", found \"\(version.prefix(16))\""))
        }
        let idValue = try reader.required("id") { (v: WireJSON, _: WirePath) -> WireJSON in v }
        guard let id = RPCID(json: idValue) else {
            throw WireDecodingError(path: "response.id", problem: .wrongType(expected: "a number, a string or null", found: idValue.typeDescription))
        }
        let result = reader.raw("result")
        let errorValue = reader.raw("error")
        try reader.finish()
        switch (result, errorValue) {
        case (let r?, nil): return RPCResponse(id: id, result: r)
        case (nil, let e?): return RPCResponse(id: id, error: try RPCErrorObject(json: e))
        case (nil, nil): throw WireDecodingError(path: "response", problem: .invalidValue("has neither result nor error"))
        case (_?, _?): throw WireDecodingError(path: "response", problem: .invalidValue("has both result and error"))
        }
    }
}
