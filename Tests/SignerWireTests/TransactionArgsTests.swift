import EVM
import Foundation
import SignerWire
import Testing

/// Strict decoding of `account_signTransaction` params and the typed results.
@Suite struct TransactionArgsTests {
    static let from = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    static let to = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"

    /// A valid EIP-1559 transaction as JSON text per field; tests edit one field at a time.
    static func base() -> [String: String] {
        [
            "from": "\"\(from)\"", "to": "\"\(to)\"", "gas": "\"0x5208\"", "maxFeePerGas": "\"0x77359400\"",
            "maxPriorityFeePerGas": "\"0x3b9aca00\"", "value": "\"0xde0b6b3a7640000\"", "input": "\"0xa9059cbb\"",
            "nonce": "\"0x0\"", "chainId": "\"0x1\"",
        ]
    }

    static func params(_ tx: [String: String], _ rest: [String] = []) throws -> RPCRequest.Params {
        let object = "{" + tx.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
        let text = "[" + ([object] + rest).joined(separator: ",") + "]"
        guard case .array(let items) = try WireJSON.parse(text) else { throw CancellationError() }
        return .array(items)
    }

    static func decode(_ tx: [String: String], _ rest: [String] = []) throws -> SignTransactionParams {
        try SignTransactionParams(params: params(tx, rest))
    }

    @Test func decodesDynamicFeeTransaction() throws {
        let p = try Self.decode(Self.base(), ["\"transfer(address,uint256)\""])
        let tx = p.transaction
        #expect(tx.from == (try Address(Self.from)))
        #expect(tx.to == (try Address(Self.to)))
        #expect(tx.gas == 21_000)
        #expect(tx.fees == .dynamic(maxFeePerGas: U256(2_000_000_000), maxPriorityFeePerGas: U256(1_000_000_000)))
        #expect(tx.value == U256(1_000_000_000_000_000_000))
        #expect(tx.data == [0xa9, 0x05, 0x9c, 0xbb])
        #expect(tx.nonce == 0)
        #expect(tx.chainId == U256(1))
        #expect(tx.type == .dynamicFee)
        #expect(p.methodSignature == "transfer(address,uint256)")
    }

    @Test func infersLegacyAndAccessListTypes() throws {
        var legacy = Self.base()
        legacy["maxFeePerGas"] = nil
        legacy["maxPriorityFeePerGas"] = nil
        legacy["gasPrice"] = "\"0x1\""
        legacy["to"] = "null"
        let l = try Self.decode(legacy).transaction
        #expect(l.type == .legacy)
        #expect(l.to == nil)
        #expect(l.fees == .legacy(gasPrice: U256(1)))
        var withList = legacy
        withList["accessList"] = "[{\"address\":\"\(Self.to)\",\"storageKeys\":[\"0x\(String(repeating: "00", count: 32))\"]}]"
        let a = try Self.decode(withList).transaction
        #expect(a.type == .accessList)
        #expect(a.accessList.count == 1)
        #expect(a.accessList[0].storageKeys == [[UInt8](repeating: 0, count: 32)])
        var typed = legacy
        typed["type"] = "\"0x1\""
        #expect(try Self.decode(typed).transaction.type == .accessList)
    }

    @Test func acceptsEqualDataAndInput() throws {
        var tx = Self.base()
        tx["data"] = "\"0xa9059cbb\""
        #expect(try Self.decode(tx).transaction.data == [0xa9, 0x05, 0x9c, 0xbb])
        tx["input"] = nil
        tx["data"] = nil
        #expect(try Self.decode(tx).transaction.data == [])
    }

    /// One broken field at a time: the error names the field and says missing vs wrong type vs bad value.
    @Test(arguments: [
        ("gas", nil, "params[0].gas", "missing"),
        ("from", nil, "params[0].from", "missing"),
        ("value", nil, "params[0].value", "missing"),
        ("nonce", nil, "params[0].nonce", "missing"),
        ("chainId", nil, "params[0].chainId", "missing"),
        ("gas", "21000", "params[0].gas", "type"),
        ("gas", "null", "params[0].gas", "type"),
        ("gas", #""21000""#, "params[0].gas", "value"),
        ("gas", #""0x05208""#, "params[0].gas", "value"),
        ("gas", #""0x""#, "params[0].gas", "value"),
        ("gas", #""0xg""#, "params[0].gas", "value"),
        ("gas", #""0x10000000000000000""#, "params[0].gas", "value"),
        ("value", "\"0x1" + String(repeating: "0", count: 64) + "\"", "params[0].value", "value"),
        ("from", #""0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD""#, "params[0].from", "value"),
        ("from", #""5aaeb6053f3e94c9b9a09f33669435e7ef1beaed""#, "params[0].from", "value"),
        ("to", #""0x1234""#, "params[0].to", "value"),
        ("to", "5", "params[0].to", "type"),
        ("input", #""0xabc""#, "params[0].input", "value"),
        ("input", #""abcd""#, "params[0].input", "value"),
        ("data", #""0x00""#, "params[0].input", "value"),
        ("gasPrice", #""0x1""#, "params[0].gasPrice", "value"),
        ("maxPriorityFeePerGas", nil, "params[0].maxPriorityFeePerGas", "missing"),
        ("maxFeePerGas", nil, "params[0].maxFeePerGas", "missing"),
        ("maxPriorityFeePerGas", #""0x77359401""#, "params[0].maxPriorityFeePerGas", "value"),
        ("type", #""0x3""#, "params[0].type", "value"),
        ("type", #""0x0""#, "params[0].type", "value"),
        ("type", "2", "params[0].type", "type"),
        ("gasLimit", #""0x5208""#, "params[0].gasLimit", "unknown"),
        ("accessList", #"[{"address":"\#(to)","storageKeys":["0x01"]}]"#, "params[0].accessList[0].storageKeys[0]", "value"),
        ("accessList", #"[{"address":"\#(to)"}]"#, "params[0].accessList[0].storageKeys", "missing"),
        ("accessList", #"[{"address":"\#(to)","storageKeys":[],"x":1}]"#, "params[0].accessList[0].x", "unknown"),
        ("accessList", #""none""#, "params[0].accessList", "type"),
    ] as [(String, String?, String, String)])
    func rejectsBadField(field: String, value: String?, path: String, problem: String) throws {
        var tx = Self.base()
        tx[field] = value
        let params = try Self.params(tx)
        do throws(WireDecodingError) {
            _ = try SignTransactionParams(params: params)
            Issue.record("accepted \(field) = \(String(describing: value))")
        } catch {
            #expect(error.path == path, "\(error)")
            switch (error.problem, problem) {
            case (.missing, "missing"), (.wrongType, "type"), (.invalidValue, "value"), (.unknownField, "unknown"): break
            default: Issue.record("expected \(problem), got \(error)")
            }
            #expect(error.description.contains(path))
        }
    }

    @Test func errorsDoNotEchoHugeInput() throws {
        var tx = Self.base()
        tx["from"] = "\"0x" + String(repeating: "a", count: 10_000) + "\""
        tx[String(repeating: "k", count: 10_000)] = "1"
        #expect { try Self.decode(tx) } throws: { "\($0)".utf8.count < 300 }
        tx["from"] = "\"\(Self.from)\""
        #expect { try Self.decode(tx) } throws: { "\($0)".utf8.count < 300 }
    }

    @Test func rejectsLegacyWithAccessList() throws {
        var tx = Self.base()
        tx["maxFeePerGas"] = nil
        tx["maxPriorityFeePerGas"] = nil
        tx["gasPrice"] = #""0x1""#
        tx["type"] = #""0x0""#
        tx["accessList"] = #"[{"address":"\#(Self.to)","storageKeys":[]}]"#
        #expect(throws: WireDecodingError.self) { try Self.decode(tx) }
    }

    @Test func rejectsBadParamShapes() throws {
        #expect(throws: WireDecodingError.self) { try SignTransactionParams(params: .none) }
        #expect(throws: WireDecodingError.self) { try SignTransactionParams(params: .object([])) }
        #expect(throws: WireDecodingError.self) { try SignTransactionParams(params: .array([])) }
        #expect(throws: WireDecodingError.self) { try Self.decode(Self.base(), [#""a""#, #""b""#]) }
        #expect(throws: WireDecodingError.self) { try Self.decode(Self.base(), ["5"]) }
        #expect(try Self.decode(Self.base(), ["null"]).methodSignature == nil)
    }

    @Test func canonicalFormRoundTrips() throws {
        let p = try Self.decode(Self.base())
        let again = try SignTransactionParams(params: p.params)
        #expect(again == p)
        let json = p.transaction.jsonValue
        #expect(json["type"] == .string("0x2"))
        #expect(json["input"] == .string("0xa9059cbb"))
        #expect(json["gas"] == .string("0x5208"))
    }

    @Test func codableBridgeIsStrict() throws {
        let tx = try Self.decode(Self.base()).transaction
        let data = try JSONEncoder().encode(tx)
        #expect(try JSONDecoder().decode(TransactionArgs.self, from: data) == tx)
        var broken = Self.base()
        broken["gas"] = "5"
        guard case .array(let items) = try Self.params(broken) else { return }
        let brokenData = Data(items[0].serialized)
        #expect(throws: WireDecodingError.self) { try JSONDecoder().decode(TransactionArgs.self, from: brokenData) }
    }

    @Test func resultsRoundTrip() throws {
        let tx = try Self.decode(Self.base()).transaction
        let signed = SignedTransactionResult(raw: [0x02, 0xf8, 0x01], transaction: tx, hash: [UInt8](repeating: 0xab, count: 32),
                                             v: U256(1), r: U256(12345), s: U256(678))
        #expect(try SignedTransactionResult(json: signed.jsonValue) == signed)
        #expect(signed.jsonValue["tx"]?["hash"] == .string("0x" + String(repeating: "ab", count: 32)))
        #expect(try JSONDecoder().decode(SignedTransactionResult.self, from: JSONEncoder().encode(signed)) == signed)

        let status = SignerStatus(
            policy: .init(file: "policies/base.toml", sha256: String(repeating: "ab", count: 32), approvers: [try Address(Self.to)]),
            budgets: [.init(account: try Address(Self.from), window: "1h", kind: .value, used: U256(5), limit: U256(10))],
            uptimeSeconds: 42, version: "0.1.0")
        #expect(try SignerStatus(json: status.jsonValue) == status)
        #expect(try JSONDecoder().decode(SignerStatus.self, from: JSONEncoder().encode(status)) == status)

        let version = SignerVersion(version: "1.2.3")
        #expect(try SignerVersion(json: version.jsonValue) == version)
        let accounts = AccountList(accounts: [try Address(Self.from)])
        #expect(try AccountList(json: accounts.jsonValue) == accounts)
        #expect(accounts.jsonValue == .array([.string(Self.from)]))
    }

    @Test func resultDecodingNamesTheField() throws {
        let bad = try WireJSON.parse(#"{"policy":{"file":"f","sha256":"00","approvers":[]},"budgets":[],"uptimeSeconds":1,"version":"v"}"#)
        #expect { try SignerStatus(json: bad) } throws: { ($0 as? WireDecodingError)?.path == "result.policy.sha256" }
        let missing = try WireJSON.parse(#"{"budgets":[],"uptimeSeconds":1,"version":"v"}"#)
        #expect { try SignerStatus(json: missing) } throws: { ($0 as? WireDecodingError)?.problem == .missing }
    }
}
