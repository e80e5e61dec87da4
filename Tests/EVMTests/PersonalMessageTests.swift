import EVM
import EVMTestKit
import Testing

/// eip191_personal_sign.json.
private struct PersonalSignFile: Decodable {
    struct Sign: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let message_text: String
        let message_bytes_hex: String
        let private_key: String
        let expected_message_hash: String
        let expected_v: Int
        let expected_r_decimal: String
        let expected_s_decimal: String
        let expected_signature_rsv: String
        var testDescription: String { name }
    }
    struct Hash: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let message_text: String?
        let message_bytes_hex: String?
        let expected_message_hash: String
        var testDescription: String { name }
    }
    struct Recover: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let message_text: String
        let v: Int?
        let v_alternatives: [Int]?
        let r: String?
        let s: String?
        let r_decimal: String?
        let s_decimal: String?
        let expected_address: String
        var testDescription: String { name }
    }
    let sign: [Sign]
    let hash: [Hash]
    let recover: [Recover]

    static let shared = Vectors.load("eip191_personal_sign.json", as: PersonalSignFile.self)
}

@Suite("EIP-191 personal messages")
struct PersonalMessageTests {
    @Test("hashes messages", arguments: PersonalSignFile.shared.hash)
    fileprivate func hashes(vector: PersonalSignFile.Hash) throws {
        let message: PersonalMessage
        if let text = vector.message_text {
            message = PersonalMessage(text)
        } else {
            message = PersonalMessage(bytes: try Hex.decode(try #require(vector.message_bytes_hex)))
        }
        #expect(message.hash.hexString == vector.expected_message_hash)
    }

    @Test("signs messages (v 27/28)", arguments: PersonalSignFile.shared.sign)
    fileprivate func signs(vector: PersonalSignFile.Sign) throws {
        let key = try PrivateKey(bytes: try Hex.decode(vector.private_key))
        let text = PersonalMessage(vector.message_text)
        let bytes = PersonalMessage(bytes: try Hex.decode(vector.message_bytes_hex))
        #expect(text == bytes)
        #expect(text.hash.hexString == vector.expected_message_hash)

        let signature = try text.sign(with: key)
        #expect(signature.r == U256(decimal: vector.expected_r_decimal))
        #expect(signature.s == U256(decimal: vector.expected_s_decimal))
        #expect(Int(signature.recoveryID) + 27 == vector.expected_v)
        #expect(signature.rsv.hexString == vector.expected_signature_rsv)

        #expect(try text.recoverSigner(signature) == key.address)
        #expect(try text.recoverSigner(rsv: try Hex.decode(vector.expected_signature_rsv)) == key.address)
        #expect(text.isSigned(by: key.address, signature: signature))
        #expect(!PersonalMessage(vector.message_text + ".").isSigned(by: key.address, signature: signature))
    }

    @Test("recovers signers", arguments: PersonalSignFile.shared.recover)
    fileprivate func recovers(vector: PersonalSignFile.Recover) throws {
        let message = PersonalMessage(vector.message_text)
        let r: U256, s: U256
        if let rDecimal = vector.r_decimal, let sDecimal = vector.s_decimal {
            r = try #require(U256(decimal: rDecimal))
            s = try #require(U256(decimal: sDecimal))
        } else {
            let rHex = try #require(vector.r)
            let sHex = try #require(vector.s)
            r = try #require(U256(hex: rHex))
            s = try #require(U256(hex: sHex))
        }
        let expected = try Address(vector.expected_address)
        let single = vector.v.map { [$0] } ?? []
        let vs = vector.v_alternatives ?? single
        #expect(!vs.isEmpty)
        for v in vs {
            let rsv = r.bigEndianBytes + s.bigEndianBytes + [UInt8(v)]
            #expect(try message.recoverSigner(rsv: rsv) == expected, "v = \(v)")
        }
    }

    @Test("cast's argument convention: 0x-hex is bytes, anything else text")
    func castArgument() throws {
        #expect(try PersonalMessage(castArgument: "0x536f6d652064617461") == PersonalMessage("Some data"))
        #expect(try PersonalMessage(castArgument: "Some data") == PersonalMessage("Some data"))
        #expect(throws: HexError.self) { try PersonalMessage(castArgument: "0xzz") }
    }

    @Test("a signature made here verifies as cast wallet sign output (65-byte hex, v 27/28)")
    func castFormat() throws {
        let key = try PrivateKey(bytes: [UInt8](repeating: 0x11, count: 32))
        let message = PersonalMessage("approve policy base.toml sha256 ab12")
        let printed = try message.sign(with: key).rsv.hexString
        #expect(printed.utf8.count == 2 + 130)
        let v = try Hex.decode(printed)[64]
        #expect(v == 27 || v == 28)
        #expect(try message.recoverSigner(rsv: try Hex.decode(printed)) == key.address)
    }
}
