// tx_eip2930.json and tx_eip1559.json: eth-account sign and encode vectors, ethers' testcases,
// and ethereum/tests TransactionTests (valid and invalid).

import EVM
import EVMTestKit
import Testing

private let eip2930 = Vectors.load("tx_eip2930.json", as: TxTypedFile.self)
private let eip1559 = Vectors.load("tx_eip1559.json", as: TxTypedFile.self)

@Suite("EIP-2930 transactions (tx_eip2930.json)")
struct TransactionEIP2930Tests {
    @Test("sign_vectors", arguments: eip2930.sign_vectors)
    func sign(_ vector: TxSignVector) throws { try expectSigns(vector, as: .accessList) }

    @Test("encode_vectors", arguments: eip2930.encode_vectors)
    func encode(_ vector: TxEncodeVector) throws { try expectEncodes(vector, as: .accessList) }

    @Test("ethers", arguments: eip2930.ethers)
    func ethers(_ vector: TxEthersTypedVector) throws { try expectEthers(vector, as: .accessList) }

    @Test("decode_vectors: hash and sender", arguments: eip2930.decode_vectors)
    func decode(_ vector: TxDecodeVector) throws { try expectDecodes(vector) }

    @Test("decode_invalid: rejected", arguments: eip2930.decode_invalid)
    func invalid(_ vector: TxInvalidVector) throws { try expectRejected(vector) }
}

@Suite("EIP-1559 transactions (tx_eip1559.json)")
struct TransactionEIP1559Tests {
    @Test("sign_vectors", arguments: eip1559.sign_vectors)
    func sign(_ vector: TxSignVector) throws { try expectSigns(vector, as: .dynamicFee) }

    @Test("encode_vectors", arguments: eip1559.encode_vectors)
    func encode(_ vector: TxEncodeVector) throws { try expectEncodes(vector, as: .dynamicFee) }

    @Test("ethers", arguments: eip1559.ethers)
    func ethers(_ vector: TxEthersTypedVector) throws { try expectEthers(vector, as: .dynamicFee) }

    @Test("decode_vectors: hash and sender", arguments: eip1559.decode_vectors)
    func decode(_ vector: TxDecodeVector) throws { try expectDecodes(vector) }

    @Test("decode_invalid: rejected", arguments: eip1559.decode_invalid)
    func invalid(_ vector: TxInvalidVector) throws { try expectRejected(vector) }
}

/// Signs the vector's fields with its key: the raw bytes (and the hash, v, r, s where given)
/// match byte for byte, and decoding them gives the transaction back.
private func expectSigns(_ vector: TxSignVector, as type: TransactionType) throws {
    let key = try PrivateKey(bytes: try txHex(vector.private_key))
    let tx = try vector.tx.transaction(type)
    if let explicit = vector.tx.type {
        #expect(explicit.value == U256(UInt64(type.rawValue)))
    }
    let signed = try tx.sign(with: key)
    #expect(signed.raw.hexString == vector.expected_signed_raw)
    if let hash = vector.expected_hash {
        #expect(signed.hash.hexString == hash)
    }
    if let v = vector.expected_v, let r = vector.expected_r_decimal, let s = vector.expected_s_decimal {
        #expect(signed.v == v.value)
        #expect(signed.signature.r.decimalString == r)
        #expect(signed.signature.s.decimalString == s)
    }
    try expectRoundTrip(signed, sender: key.address)
}

/// Attaches the vector's signature: raw bytes and signing hash match, and the raw bytes decode
/// back to the same transaction and signature.
private func expectEncodes(_ vector: TxEncodeVector, as type: TransactionType) throws {
    let fields = vector.tx_with_signature
    let tx = try fields.transaction(type)
    #expect(tx.signingHash.hexString == vector.expected_signing_hash)
    let signed = try SignedTransaction(transaction: tx, signature: try fields.signature)
    #expect(signed.raw.hexString == vector.expected_signed_raw)
    let decoded = try SignedTransaction(raw: try txHex(vector.expected_signed_raw))
    #expect(decoded.transaction == tx)
    #expect(decoded.signature == signed.signature)
    #expect(decoded.sender == signed.sender)
}

/// ethers: the unsigned payload, the signed bytes and the signature all match.
private func expectEthers(_ vector: TxEthersTypedVector, as type: TransactionType) throws {
    let key = try PrivateKey(bytes: try txHex(vector.private_key))
    let tx = try vector.tx.transaction(type)
    #expect(tx.signingPayload.hexString == vector.expected_unsigned)
    let signed = try tx.sign(with: key)
    #expect(signed.raw.hexString == vector.expected_signed_raw)
    #expect(signed.signature.r == vector.expected_signature.r.value)
    #expect(signed.signature.s == vector.expected_signature.s.value)
    #expect(signed.v == vector.expected_signature.v.value)
    try expectRoundTrip(signed, sender: key.address)
}
