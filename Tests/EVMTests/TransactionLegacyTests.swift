// tx_legacy_eip155.json: EIP-155's example, eth-account, ethereum/tests txtest (pre-EIP-155),
// ethers' legacy testcases, and ethereum/tests TransactionTests (valid and invalid).

import EVM
import EVMTestKit
import Testing

private let file = Vectors.load("tx_legacy_eip155.json", as: TxLegacyFile.self)

@Suite("Legacy transactions (tx_legacy_eip155.json)")
struct TransactionLegacyTests {
    @Test("sign_vectors", arguments: file.sign_vectors)
    func sign(_ vector: TxSignVector) throws {
        let key = try PrivateKey(bytes: try txHex(vector.private_key))
        let isPre155 = vector.pre_eip155 == true
        let tx = try isPre155 ? vector.tx.legacy(chainId: nil) : vector.tx.legacy()
        if let payload = vector.expected_signing_payload {
            #expect(tx.signingPayload.hexString == payload)
        }
        if let hash = vector.expected_signing_hash {
            #expect(tx.signingHash.hexString == hash)
        }
        let signed = try tx.sign(with: key)
        let expectedRaw = try txHex(vector.expected_signed_raw)
        #expect(signed.sender == key.address)
        if isPre155 {
            // The source's signature may be high-s (txtest[1]); a low-s signer agrees on r and on
            // the sender, and decoding the source's blob must say whether its s is allowed.
            let reference = try decodeIgnoringHighS(expectedRaw)
            #expect(signed.signature.r == reference.r)
            #expect(signed.transaction == reference.transaction)
            if reference.isHighS {
                #expect(signed.signature.s == Secp256k1.order - reference.s)
                let error = try #require(throws: TransactionError.self) { try SignedTransaction(raw: expectedRaw) }
                #expect(error.kind == .invalidSignature && error.field == "s")
            } else {
                #expect(signed.raw == expectedRaw)
            }
        } else {
            #expect(signed.raw.hexString == vector.expected_signed_raw)
        }
        if let hash = vector.expected_hash {
            #expect(signed.hash.hexString == hash)
        }
        if let v = vector.expected_v, let r = vector.expected_r_decimal, let s = vector.expected_s_decimal {
            #expect(signed.v == v.value)
            #expect(signed.signature.r.decimalString == r)
            #expect(signed.signature.s.decimalString == s)
        }
    }

    @Test("ethers: pre-EIP-155 and EIP-155", arguments: file.ethers)
    func ethers(_ vector: TxEthersLegacyVector) throws {
        let key = try PrivateKey(bytes: try txHex(vector.private_key))

        let legacy = try vector.tx.legacy(chainId: nil)
        #expect(legacy.signingPayload.hexString == vector.expected_unsigned_legacy)
        let signedLegacy = try legacy.sign(with: key)
        #expect(signedLegacy.raw.hexString == vector.expected_signed_legacy)
        #expect(signedLegacy.signature.r == vector.expected_signature_legacy.r.value)
        #expect(signedLegacy.signature.s == vector.expected_signature_legacy.s.value)
        #expect(signedLegacy.v == vector.expected_signature_legacy.v.value)
        try expectRoundTrip(signedLegacy, sender: key.address)

        guard let unsigned = vector.expected_unsigned_eip155, let raw = vector.expected_signed_eip155,
            let signature = vector.expected_signature_eip155
        else {
            #expect(vector.tx.chainId == nil, "a chain id without EIP-155 expectations")
            return
        }
        let eip155 = try vector.tx.legacy()
        #expect(eip155.chainId != nil)
        #expect(eip155.signingPayload.hexString == unsigned)
        let signed = try eip155.sign(with: key)
        #expect(signed.raw.hexString == raw)
        #expect(signed.signature.r == signature.r.value)
        #expect(signed.signature.s == signature.s.value)
        #expect(signed.v == signature.v.value)
        try expectRoundTrip(signed, sender: key.address)
    }

    @Test("decode_vectors: hash and sender", arguments: file.decode_vectors)
    func decode(_ vector: TxDecodeVector) throws {
        try expectDecodes(vector)
    }

    @Test("decode_invalid: rejected", arguments: file.decode_invalid)
    func invalid(_ vector: TxInvalidVector) throws {
        try expectRejected(vector)
    }

    @Test("recover_example", arguments: file.recover_example)
    func recover(_ vector: TxRecoverVector) throws {
        let signed = try SignedTransaction(raw: try txHex(vector.signed_raw))
        #expect(signed.sender.checksummed == vector.expected_sender)
    }

    /// Field-by-field decoding of a legacy blob that tolerates high s, to compare with a
    /// source whose signer did not normalise s.
    private func decodeIgnoringHighS(_ raw: [UInt8]) throws -> (transaction: Transaction, r: U256, s: U256, isHighS: Bool) {
        let fields = try RLP.decode(raw).asList()
        try #require(fields.count == 9)
        let v = try fields[6].asU256()
        try #require(v == U256(27) || v == U256(28))
        let toBytes = try fields[3].asBytes()
        let to = Address(bytes: toBytes)
        try #require(toBytes.isEmpty || to != nil)
        let tx = Transaction.legacy(
            LegacyTransaction(
                chainId: nil, nonce: try fields[0].asUInt64(), gasPrice: try fields[1].asU256(),
                gasLimit: try fields[2].asUInt64(),
                to: to,
                value: try fields[4].asU256(), data: try fields[5].asBytes()))
        let s = try fields[8].asU256()
        return (tx, try fields[7].asU256(), s, s > Secp256k1.halfOrder)
    }
}

// MARK: - Checks shared by the three transaction files

/// Decoding `signed.raw` gives back the same transaction, signature, sender and hash.
func expectRoundTrip(_ signed: SignedTransaction, sender: Address) throws {
    let decoded = try SignedTransaction(raw: signed.raw)
    #expect(decoded == signed)
    #expect(decoded.sender == sender)
    #expect(decoded.hash == signed.hash)
}

/// A valid ethereum/tests transaction: decodes for chain 1 with the expected hash and sender,
/// passes `validate()`, and re-encodes to the same bytes.
func expectDecodes(_ vector: TxDecodeVector) throws {
    let raw = try txHex(vector.signed_raw)
    let signed = try SignedTransaction(raw: raw, chainId: 1)
    #expect(Int(signed.transaction.type.rawValue) == vector.tx_type)
    #expect(signed.hash.hexString == vector.expected_hash)
    #expect(signed.sender.lowercaseHex == vector.expected_sender.lowercased())
    try signed.transaction.validate()
    let rebuilt = try SignedTransaction(transaction: signed.transaction, signature: signed.signature)
    #expect(rebuilt.raw == raw)
    #expect(rebuilt.sender == signed.sender)
}

/// An invalid ethereum/tests transaction (for chain 1): decoding rejects it, or, for the value
/// rules that are not about encoding, `validate()` does; the error kind fits the source's label.
func expectRejected(_ vector: TxInvalidVector) throws {
    let raw = try txHex(vector.signed_raw)
    let acceptable = vector.acceptableKinds
    #expect(!acceptable.isEmpty, "no expectation for label \(vector.expected_exception)")
    let error: TransactionError
    switch Result(catching: { () throws(TransactionError) in try SignedTransaction(raw: raw, chainId: 1) }) {
    case .failure(let decodeError):
        error = decodeError
    case .success(let signed):
        error = try #require(throws: TransactionError.self, "decoded, and validate() accepted it") {
            try signed.transaction.validate()
        }
    }
    #expect(acceptable.contains(error.kind), "\(vector.expected_exception) rejected as \(error.kind): \(error)")
    #expect(!error.message.isEmpty)
}
