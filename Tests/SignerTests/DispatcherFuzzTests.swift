import EVM
import Foundation
import Logging
import Signer
import SignerWire
import Testing

/// Whatever arrives, the dispatcher answers with a valid response and never crashes.
@Suite struct DispatcherFuzzTests {
    let dispatcher = RPCDispatcher(methods: FakeSignerMethods(), logger: LogCapture().logger(level: .critical))
    let peer = PeerCredentials(uid: 1, gid: 1, pid: 1)

    func answer(_ bytes: [UInt8]) throws -> RPCResponse {
        var out: [UInt8] = []
        dispatcher.respond(to: bytes[...], peer: peer, into: &out)
        return try RPCResponse.parse(out)
    }

    @Test func methodErrorsMapToTheirCodes() throws {
        func error(_ signature: String) throws -> RPCErrorObject {
            let line = Lines.sign(id: 1).replacingOccurrences(of: "}]}\n", with: "},\"\(signature)\"]}")
            guard case .failure(let error) = try answer(Array(line.utf8)).outcome else { throw CancellationError() }
            return error
        }
        let invalid = try error("unknownFrom()")
        #expect(invalid.knownCode == .invalidParams)
        #expect(invalid.data?["field"] == .string("params[0].from"))
        let internalError = try error("fail()")
        #expect(internalError.knownCode == .internalError)
        #expect(internalError.message.contains("no signature was returned"))
        #expect(internalError.data == nil)
        for params in ["", #","params":[]"#, #","params":{}"#] {
            let line = #"{"jsonrpc":"2.0","id":1,"method":"account_list"\#(params)}"#
            #expect(try answer(Array(line.utf8)).outcome == .success(.array([.string(FakeSignerMethods.account.checksummed)])))
        }
    }

    @Test func randomBytes() throws {
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<5_000 {
            let count = Int.random(in: 0...300, using: &rng)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let response = try answer(bytes)
            #expect(response.id == .null)
        }
    }

    @Test func randomJSON() throws {
        var rng = SeededGenerator(seed: 12)
        for _ in 0..<5_000 {
            let value = Self.randomValue(depth: 0, using: &rng)
            _ = try answer(value.serialized)
        }
    }

    /// Requests that are well-formed envelopes around random params, including near-valid
    /// transactions with one field mutated.
    @Test func randomRequests() throws {
        var rng = SeededGenerator(seed: 13)
        let methods = SignerMethod.allCases.map(\.rawValue) + ["nope", ""]
        let validTx = try WireJSON.parse(String(Lines.sign(id: 1).dropLast()))["params"]
        guard case .array(let validItems)? = validTx, case .object(let fields) = validItems[0] else {
            Issue.record("bad fixture")
            return
        }
        var signed = 0
        for i in 0..<5_000 {
            var members = fields
            let index = Int.random(in: 0..<members.count, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: members[index].value = Self.randomValue(depth: 2, using: &rng)
            case 1: members.remove(at: index)
            case 2: members.append(WireJSONMember("x\(i)", .null))
            default: break
            }
            let params: WireJSON = Bool.random(using: &rng) ? .array([.object(members)]) : Self.randomValue(depth: 1, using: &rng)
            let method = Int.random(in: 0..<4, using: &rng) == 0 ? methods.randomElement(using: &rng) ?? "" : "account_signTransaction"
            let request = WireJSON.object([
                WireJSONMember("jsonrpc", .string("2.0")), WireJSONMember("id", .integer(i)),
                WireJSONMember("method", .string(method)), WireJSONMember("params", params),
            ])
            let response = try answer(request.serialized)
            if case .success = response.outcome, method == "account_signTransaction" { signed += 1 }
            if case .array = params { #expect(response.id == RPCID(i)) }
        }
        #expect(signed > 0)
    }

    static func randomValue(depth: Int, using rng: inout SeededGenerator) -> WireJSON {
        let strings = ["0x0", "0x01", "0x", "0x5208", "", "0xde0b6b3a7640000", "abc", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                       "\u{0}", "😀", String(repeating: "f", count: 70)]
        switch Int.random(in: 0..<(depth > 3 ? 4 : 6), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .number(["0", "-1", "1e400", "12345678901234567890123", "0.5"].randomElement(using: &rng) ?? "0")
        case 3: return .string(strings.randomElement(using: &rng) ?? "")
        case 4: return .array((0..<Int.random(in: 0...3, using: &rng)).map { _ in randomValue(depth: depth + 1, using: &rng) })
        default:
            let names = ["jsonrpc", "id", "method", "params", "from", "gas", "value", "a"]
            var members: [WireJSONMember] = []
            for name in names.shuffled(using: &rng).prefix(Int.random(in: 0...3, using: &rng)) {
                members.append(WireJSONMember(name, randomValue(depth: depth + 1, using: &rng)))
            }
            return .object(members)
        }
    }
}
