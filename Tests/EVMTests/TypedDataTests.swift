import EVM
import EVMTestKit
import Testing

/// eip712.json.
private struct TypedDataFile: Decodable {
    struct Example: Decodable {
        let typed_data: JSONText
        let signer_address: String
        let expected: [String: JSONText]
    }
    struct EthAccount: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let domain: JSONText
        let types: JSONText
        let primaryType: String?
        let message: JSONText
        let private_key: String
        let expected_signature_rsv: String
        var testDescription: String { name }
    }
    struct Ethers: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let domain: JSONText
        let types: JSONText
        let primaryType: String
        let message: JSONText
        let expected_encodeData: String
        let expected_digest: String
        let private_key: String?
        let expected_signature_rsv: String?
        var testDescription: String { name }
    }
    let eip712_example: Example
    let eth_account: [EthAccount]
    let ethers: [Ethers]

    static let shared = Vectors.load("eip712.json", as: TypedDataFile.self)
}

/// The eth_signTypedData_v4 document for separate parts (primaryType omitted when nil).
private func document(types: JSONText, primaryType: String?, domain: JSONText, message: JSONText) -> String {
    var object: [String: JSONText] = ["types": types, "domain": domain, "message": message]
    if let primaryType { object["primaryType"] = .string(primaryType) }
    return JSONText.object(object).text
}

@Suite("EIP-712 typed data")
struct TypedDataTests {
    @Test("the EIP's Mail example, step by step")
    func mailExample() throws {
        let example = TypedDataFile.shared.eip712_example
        func expected(_ key: String) throws -> String {
            guard case .string(let value)? = example.expected[key] else {
                Issue.record("eip712.json: expected.\(key) missing")
                return ""
            }
            return value
        }
        let data = try TypedData(json: example.typed_data.text)
        #expect(data.primaryType == "Mail")
        #expect(data.encodeType("Mail") == (try expected("encodeType_Mail")))
        #expect(data.typeHash("Mail")?.hexString == (try expected("typeHash_Mail")))
        #expect(data.messageEncoding.hexString == (try expected("encodeData_Mail_message")))
        #expect(data.messageHash.hexString == (try expected("hashStruct_Mail_message")))
        #expect(data.domainSeparator.hexString == (try expected("domainSeparator")))
        #expect(data.digest.hexString == (try expected("digest")))

        // Example.js signs with keccak256("cow").
        let key = try PrivateKey(bytes: Keccak256.hash("cow"))
        #expect(key.address == (try Address(example.signer_address)))
        #expect(key.address.lowercaseHex == (try expected("address")))
        let signature = try data.sign(with: key)
        #expect(signature.r.bigEndianBytes.hexString == (try expected("r")))
        #expect(signature.s.bigEndianBytes.hexString == (try expected("s")))
        #expect(example.expected["v"] == .number(String(27 + Int(signature.recoveryID))))
        #expect(signature.rsv.hexString == (try expected("signature_rsv")))
        #expect(try data.recoverSigner(signature) == key.address)
        #expect(try data.recoverSigner(rsv: try Hex.decode(try expected("signature_rsv"))) == key.address)
    }

    @Test("the domain type is the same whether declared or built from the domain")
    func domainTypeInferred() throws {
        let example = TypedDataFile.shared.eip712_example.typed_data
        guard case .object(var types)? = example["types"] else {
            Issue.record("no types")
            return
        }
        types["EIP712Domain"] = nil
        let withoutDomainType = example.setting("types", .object(types))
        let declared = try TypedData(json: example.text)
        let built = try TypedData(json: withoutDomainType.text)
        #expect(built.domainSeparator == declared.domainSeparator)
        #expect(built.types["EIP712Domain"] == declared.types["EIP712Domain"])
        #expect(built.digest == declared.digest)
        // and with primaryType inferred
        let inferred = try TypedData(json: withoutDomainType.setting("primaryType", nil).text)
        #expect(inferred.primaryType == "Mail")
        #expect(inferred.digest == declared.digest)
    }

    @Test("ethers typed-data vectors: encodeData and digest", arguments: TypedDataFile.shared.ethers)
    fileprivate func ethers(vector: TypedDataFile.Ethers) throws {
        let data = try TypedData(
            json: document(types: vector.types, primaryType: vector.primaryType, domain: vector.domain, message: vector.message))
        #expect(data.messageEncoding.hexString == vector.expected_encodeData)
        #expect(data.digest.hexString == vector.expected_digest)
        if let privateKey = vector.private_key, let expected = vector.expected_signature_rsv {
            let key = try PrivateKey(bytes: try Hex.decode(privateKey))
            #expect(try data.sign(with: key).rsv.hexString == expected)
            #expect(try data.recoverSigner(rsv: try Hex.decode(expected)) == key.address)
        }
    }

    @Test("eth-account signatures (primary type inferred)", arguments: TypedDataFile.shared.eth_account)
    fileprivate func ethAccount(vector: TypedDataFile.EthAccount) throws {
        let data = try TypedData(
            json: document(types: vector.types, primaryType: vector.primaryType, domain: vector.domain, message: vector.message))
        let key = try PrivateKey(bytes: try Hex.decode(vector.private_key))
        let signature = try data.sign(with: key)
        #expect(signature.rsv.hexString == vector.expected_signature_rsv)
        #expect(try data.recoverSigner(signature) == key.address)
    }

    @Test(
        "integers may be numbers, decimal strings or hex strings",
        arguments: [
            ("255", "\"255\"", "\"0xff\""), ("-128", "\"-128\"", "\"-0x80\""), ("0", "\"0\"", "\"0x0\""),
        ])
    func integerForms(number: String, decimal: String, hex: String) throws {
        let type = number.hasPrefix("-") ? "int8" : "uint8"
        func digest(_ literal: String) throws -> [UInt8] {
            try TypedData(
                json: #"{"types":{"T":[{"name":"v","type":"\#(type)"}]},"primaryType":"T","domain":{"chainId":1},"message":{"v":\#(literal)}}"#
            ).digest
        }
        let reference = try digest(number)
        #expect(try digest(decimal) == reference)
        #expect(try digest(hex) == reference)
    }

    /// Documents that must be rejected, and how.
    struct Invalid: Sendable, CustomTestStringConvertible {
        let name: String
        let kind: TypedDataError.Kind
        let json: String
        var testDescription: String { name }

        static func value(_ name: String, _ type: String, _ literal: String) -> Invalid {
            Invalid(
                name: name, kind: .invalidValue,
                json: #"{"types":{"T":[{"name":"v","type":"\#(type)"}]},"primaryType":"T","domain":{},"message":{"v":\#(literal)}}"#)
        }

        static func types(_ name: String, _ types: String, domain: String = "{}", primaryType: String? = "T") -> Invalid {
            let primary = primaryType.map { #""primaryType":"\#($0)","# } ?? ""
            return Invalid(name: name, kind: .invalidTypes, json: #"{"types":\#(types),\#(primary)"domain":\#(domain),"message":{}}"#)
        }

        static let all: [Invalid] = [
            Invalid(name: "not JSON", kind: .invalidDocument, json: #"{"types":"#),
            Invalid(name: "no message", kind: .invalidDocument, json: #"{"types":{"T":[]},"primaryType":"T","domain":{}}"#),
            Invalid(name: "unknown top-level key", kind: .invalidDocument,
                    json: #"{"types":{"T":[]},"primaryType":"T","domain":{},"message":{},"extra":1}"#),
            value("uint8 = 256", "uint8", "256"),
            value("uint8 = 0x100", "uint8", #""0x100""#),
            value("uint256 = 2^256", "uint256", #""115792089237316195423570985008687907853269984665640564039457584007913129639936""#),
            value("uint8 negative", "uint8", "-1"),
            value("int8 = -129", "int8", "-129"),
            value("int8 = 128", "int8", "128"),
            value("int256 below min", "int256", #""-57896044618658097711785492504343953926634992332820282019728792003956564819969""#),
            value("fractional number", "uint256", "1.5"),
            value("exponent", "uint256", "1e3"),
            value("empty string as integer", "uint256", #""""#),
            value("bare 0x as integer", "uint256", #""0x""#),
            value("bool as string", "bool", #""true""#),
            value("bool as number", "bool", "1"),
            value("bytes4 with 3 bytes", "bytes4", #""0x010203""#),
            value("bytes4 with 5 bytes", "bytes4", #""0x0102030405""#),
            value("bytes without 0x", "bytes", #""0102""#),
            value("bytes not hex", "bytes", #""0xzz""#),
            value("address bad checksum", "address", #""0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD827""#),
            value("address too short", "address", #""0x1234""#),
            value("string as number", "string", "5"),
            value("fixed array wrong length", "uint8[2]", "[1,2,3]"),
            value("array as object", "uint8[]", "{}"),
            value("null value", "uint8", "null"),
            Invalid(name: "missing field", kind: .invalidValue,
                    json: #"{"types":{"T":[{"name":"a","type":"uint8"},{"name":"b","type":"uint8"}]},"primaryType":"T","domain":{},"message":{"a":1}}"#),
            Invalid(name: "extra field", kind: .invalidValue,
                    json: #"{"types":{"T":[{"name":"a","type":"uint8"}]},"primaryType":"T","domain":{},"message":{"a":1,"b":2}}"#),
            Invalid(name: "bad domain value", kind: .invalidValue,
                    json: #"{"types":{"T":[]},"primaryType":"T","domain":{"chainId":"one"},"message":{}}"#),
            types("unknown type", #"{"T":[{"name":"a","type":"uint7"}]}"#),
            types("undefined struct", #"{"T":[{"name":"a","type":"Missing"}]}"#),
            types("struct named like an elementary type", #"{"uint256":[],"T":[]}"#),
            types("duplicate member", #"{"T":[{"name":"a","type":"bool"},{"name":"a","type":"bool"}]}"#),
            types("member name with a comma", #"{"T":[{"name":"a,b","type":"bool"}]}"#),
            types("bad array length", #"{"T":[{"name":"a","type":"bool[x]"}]}"#),
            types("unknown domain field", #"{"T":[]}"#, domain: #"{"chain":1}"#),
            types("primaryType not defined", #"{"T":[]}"#, primaryType: "U"),
            types("ambiguous primary type", #"{"T":[],"U":[]}"#, primaryType: nil),
        ]
    }

    @Test("invalid typed data is rejected with the right kind", arguments: Invalid.all)
    func invalid(case invalid: Invalid) {
        let error = #expect(throws: TypedDataError.self) { try TypedData(json: invalid.json) }
        #expect(error?.kind == invalid.kind, "\(error?.description ?? "no error")")
    }

    @Test("errors name the path of the bad value")
    func errorPath() {
        let json = #"{"types":{"P":[{"name":"w","type":"address"}],"M":[{"name":"cc","type":"P[]"}]},"primaryType":"M","domain":{},"message":{"cc":[{"w":"0x0000000000000000000000000000000000000000"},{"w":"0x12"}]}}"#
        let error = #expect(throws: TypedDataError.self) { try TypedData(json: json) }
        #expect(error?.description.contains("message.cc[1].w") == true, "\(error?.description ?? "")")
    }

    @Test("nested arrays and fixed arrays encode as hashes of concatenations")
    func nestedArrays() throws {
        // bool[][2] is two bool[]; each inner array hashes its 32-byte words.
        let data = try TypedData(
            json: #"{"types":{"T":[{"name":"a","type":"bool[][2]"}]},"primaryType":"T","domain":{},"message":{"a":[[true],[false,true]]}}"#)
        let t = U256.one.bigEndianBytes, f = U256.zero.bigEndianBytes
        let inner0 = Keccak256.hash(t), inner1 = Keccak256.hash(f + t)
        let expected = Keccak256.hash("T(bool[][2] a)") + Keccak256.hash(inner0 + inner1)
        #expect(data.messageEncoding == expected)
    }
}
