import SignerWire
import Testing

/// Requests, responses and the error-code table.
@Suite struct RPCEnvelopeTests {
    @Test func parsesRequests() throws {
        let r = try RPCRequest.parse(Array(#"{"jsonrpc":"2.0","id":7,"method":"signer_version","params":[]}"#.utf8)).get()
        #expect(r.id == .number("7"))
        #expect(r.method == "signer_version")
        #expect(r.params == .array([]))
        let s = try RPCRequest.parse(Array(#"{"jsonrpc":"2.0","id":"abc","method":"m"}"#.utf8)).get()
        #expect(s.id == .string("abc"))
        #expect(s.params == .none)
        let n = try RPCRequest.parse(Array(#"{"method":"m","id":null,"jsonrpc":"2.0","params":{}}"#.utf8)).get()
        #expect(n.id == .null)
    }

    @Test(arguments: [
        (#"{"jsonrpc":"2.0","id":1,"method":"m""#, RPCErrorCode.parseError, RPCID.null),
        (#"[{"jsonrpc":"2.0","id":1,"method":"m"}]"#, .invalidRequest, .null),
        (#""hello""#, .invalidRequest, .null),
        (#"{"jsonrpc":"1.0","id":1,"method":"m"}"#, .invalidRequest, .number("1")),
        (#"{"id":1,"method":"m"}"#, .invalidRequest, .number("1")),
        (#"{"jsonrpc":"2.0","method":"m"}"#, .invalidRequest, .null),
        (#"{"jsonrpc":"2.0","id":2}"#, .invalidRequest, .number("2")),
        (#"{"jsonrpc":"2.0","id":2,"method":5}"#, .invalidRequest, .number("2")),
        (#"{"jsonrpc":"2.0","id":[1],"method":"m"}"#, .invalidRequest, .null),
        (#"{"jsonrpc":"2.0","id":3,"method":"m","params":"x"}"#, .invalidRequest, .number("3")),
        (#"{"jsonrpc":"2.0","id":3,"method":"m","extra":1}"#, .invalidRequest, .number("3")),
    ])
    func rejectsBadRequests(line: String, code: RPCErrorCode, id: RPCID) {
        guard case .failure(let failure) = RPCRequest.parse(Array(line.utf8)) else {
            Issue.record("accepted \(line)")
            return
        }
        #expect(failure.error.knownCode == code)
        #expect(failure.id == id)
    }

    @Test func requestRoundTrips() throws {
        let request = RPCRequest(id: .string("x"), method: "account_list", params: .array([.string("a")]))
        #expect(try RPCRequest.parse(request.serialized).get() == request)
    }

    @Test func responsesRoundTrip() throws {
        let ok = RPCResponse(id: RPCID(5), result: .array([.string("0x1")]))
        #expect(try RPCResponse.parse(ok.serialized) == ok)
        let refused = RPCResponse(id: .null, error: .refused(rule: "value-cap", reason: "value above 1 ETH"))
        let parsed = try RPCResponse.parse(refused.serialized)
        #expect(parsed == refused)
        guard case .failure(let error) = parsed.outcome else {
            Issue.record("expected an error")
            return
        }
        #expect(error.refusal?.rule == "value-cap")
        #expect(error.refusal?.reason == "value above 1 ETH")
    }

    @Test(arguments: [
        #"{"jsonrpc":"2.0","id":1}"#,
        #"{"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":"x"}}"#,
        #"{"jsonrpc":"2.0","result":1}"#,
        #"{"jsonrpc":"2.0","id":1,"error":{"message":"x"}}"#,
        #"{"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"x"}}"#,
        #"{"id":1,"result":1}"#,
        #"not json"#,
    ])
    func rejectsBadResponses(line: String) {
        #expect(throws: WireDecodingError.self) { try RPCResponse.parse(Array(line.utf8)) }
    }

    @Test func errorCodesAreStableAndDistinct() {
        let expected: [RPCErrorCode: Int] = [
            .parseError: -32700, .invalidRequest: -32600, .methodNotFound: -32601, .invalidParams: -32602,
            .internalError: -32603, .refused: -32000, .requestTooLarge: -32001, .requestTimeout: -32002,
            .overloaded: -32003, .peerNotAllowed: -32004,
        ]
        #expect(expected.count == RPCErrorCode.allCases.count)
        for code in RPCErrorCode.allCases { #expect(code.rawValue == expected[code]) }
        #expect(Set(RPCErrorCode.allCases.map(\.description)).count == RPCErrorCode.allCases.count)
    }
}
