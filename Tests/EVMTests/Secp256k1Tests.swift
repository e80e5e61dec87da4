// secp256k1_rfc6979.json: deterministic (RFC 6979, low-s) signatures and recovery ids from
// bitcoinjs/tiny-secp256k1's fixtures (generated with libsecp256k1), and keys that must be refused.

import EVM
import EVMTestKit
import Testing

struct Secp256k1File: Decodable, Sendable {
    struct Vector: Decodable, Sendable, CustomTestStringConvertible {
        let private_key: String
        let msg_hash: String
        let expected_signature_rs: String
        let expected_recovery_id: UInt8
        let description: String?
        var testDescription: String { description ?? "key \(private_key.prefix(18))… digest \(msg_hash.prefix(18))…" }
    }

    struct Invalid: Decodable, Sendable, CustomTestStringConvertible {
        let description: String
        let private_key: String
        let msg_hash: String
        var testDescription: String { "\(description): \(private_key)" }
    }

    let vectors: [Vector]
    let invalid_sign: [Invalid]
}

private let file = Vectors.load("secp256k1_rfc6979.json", as: Secp256k1File.self)

@Suite("secp256k1 RFC 6979 (secp256k1_rfc6979.json)")
struct Secp256k1Tests {
    @Test("sign: r || s and recovery id exact; recovery gives the key's address", arguments: file.vectors)
    func sign(_ vector: Secp256k1File.Vector) throws {
        let key = try PrivateKey(bytes: try [UInt8](hex: vector.private_key))
        let digest = try [UInt8](hex: vector.msg_hash)
        let signature = try key.sign(digest: digest)
        #expect(signature.compact.hexString == vector.expected_signature_rs)
        #expect(signature.recoveryID == vector.expected_recovery_id)
        #expect(signature.isLowS)
        #expect(try Secp256k1.recoverAddress(digest: digest, signature: signature) == key.address)
        #expect(try Secp256k1.recoverPublicKey(digest: digest, signature: signature) == key.publicKey)
    }

    @Test("invalid private keys are refused", arguments: file.invalid_sign)
    func invalidKey(_ vector: Secp256k1File.Invalid) throws {
        let bytes = try [UInt8](hex: vector.private_key)
        let error = try #require(throws: SigningError.self) { try PrivateKey(bytes: bytes) }
        #expect(error.kind == .invalidPrivateKey)
    }
}
