// Round-trip properties for the three transaction types: for random fields and a random key,
// decode(sign(tx).raw) gives back the transaction, the signature, the hash and the key's address.

import EVM
import PropertyBased
import Testing

/// U256 values of every bit length from 0 to 256, so one-byte, short and long encodings all occur.
private let u256Gen = zip(Gen.uint64().array(of: 4), Gen.int(in: 0...256)).map { (words: [UInt64], bits: Int) -> U256 in
    let full = U256(w0: words[0], w1: words[1], w2: words[2], w3: words[3])
    return bits == 0 ? .zero : full >> (256 - bits)
}

/// UInt64 values of every bit length from 0 to 64.
private let uint64Gen = zip(Gen.uint64(), Gen.int(in: 0...64)).map { (value: UInt64, bits: Int) -> UInt64 in
    bits == 0 ? 0 : value >> UInt64(64 - bits)
}

private let addressGen = Gen.uint8().array(of: 20).map { Address(bytes: $0) ?? .zero }

/// 32 random key bytes; `PrivateKey` refuses the ~2^-128 share that are not below n.
private let keyGen = Gen.uint8().array(of: 32)

/// Fields every type has. Data crosses the 55-byte boundary where RLP switches to long headers.
private struct CommonFields: Sendable {
    var chainId: UInt64
    var nonce: UInt64
    var gasLimit: UInt64
    var to: Address?
    var value: U256
    var data: [UInt8]
}

private let commonGen = zip(uint64Gen, uint64Gen, uint64Gen, addressGen.optional(), u256Gen, Gen.uint8().array(of: 0...120))
    .map { t in CommonFields(chainId: t.0, nonce: t.1, gasLimit: t.2, to: t.3, value: t.4, data: t.5) }

private let accessListGen = zip(addressGen, u256Gen.array(of: 0...3))
    .map { (address: Address, keys: [U256]) in AccessListEntry(address: address, storageKeys: keys) }
    .array(of: 0...3)

/// Signs `tx` with `keyBytes` and checks every round-trip property.
private func expectRoundTrip(_ tx: Transaction, keyBytes: [UInt8]) throws {
    guard let key = try? PrivateKey(bytes: keyBytes) else { return }
    let signed = try tx.sign(with: key)
    #expect(signed.signature.isLowS)

    let decoded = try SignedTransaction(raw: signed.raw)
    #expect(decoded.transaction == tx)
    #expect(decoded.signature == signed.signature)
    #expect(decoded.sender == key.address)
    #expect(decoded.hash == signed.hash)
    #expect(decoded.hash == Keccak256.hash(signed.raw))

    // The direct writer agrees with the RLP tree encoder, and the envelope starts as it should.
    let body = tx.type == .legacy ? signed.raw[...] : signed.raw.dropFirst()
    #expect(try RLP.decode(body).encoded == Array(body))
    if tx.type != .legacy { #expect(signed.raw.first == tx.type.rawValue) }
    let payloadBody = tx.type == .legacy ? tx.signingPayload[...] : tx.signingPayload.dropFirst()
    #expect(try RLP.decode(payloadBody).encoded == Array(payloadBody))

    // Attaching the same signature rebuilds the same bytes.
    let rebuilt = try SignedTransaction(transaction: tx, signature: signed.signature)
    #expect(rebuilt == signed)

    // A decoder told to expect another chain refuses a replay-protected transaction.
    if let chainId = tx.chainId {
        let other = chainId == 0 ? 1 : chainId - 1
        let error = try #require(throws: TransactionError.self) { try SignedTransaction(raw: signed.raw, chainId: other) }
        #expect(error.kind == .chainIDMismatch)
    }
}

@Suite("Transaction round trips (property-based)")
struct TransactionPropertyTests {
    @Test("legacy: decode(sign(tx)) == tx, with and without EIP-155")
    func legacy() async {
        await propertyCheck(count: 150, input: keyGen, commonGen, u256Gen, Gen.bool()) { keyBytes, common, gasPrice, eip155 in
            let tx = Transaction.legacy(
                LegacyTransaction(
                    chainId: eip155 ? common.chainId : nil, nonce: common.nonce, gasPrice: gasPrice,
                    gasLimit: common.gasLimit, to: common.to, value: common.value, data: common.data))
            try expectRoundTrip(tx, keyBytes: keyBytes)
        }
    }

    @Test("EIP-2930: decode(sign(tx)) == tx")
    func accessList() async {
        await propertyCheck(count: 150, input: keyGen, commonGen, u256Gen, accessListGen) { keyBytes, common, gasPrice, list in
            let tx = Transaction.accessList(
                AccessListTransaction(
                    chainId: common.chainId, nonce: common.nonce, gasPrice: gasPrice, gasLimit: common.gasLimit,
                    to: common.to, value: common.value, data: common.data, accessList: list))
            try expectRoundTrip(tx, keyBytes: keyBytes)
        }
    }

    @Test("EIP-1559: decode(sign(tx)) == tx")
    func dynamicFee() async {
        await propertyCheck(count: 150, input: keyGen, commonGen, u256Gen, u256Gen, accessListGen) {
            keyBytes, common, tip, feeCap, list in
            let tx = Transaction.dynamicFee(
                DynamicFeeTransaction(
                    chainId: common.chainId, nonce: common.nonce, maxPriorityFeePerGas: tip, maxFeePerGas: feeCap,
                    gasLimit: common.gasLimit, to: common.to, value: common.value, data: common.data,
                    accessList: list))
            try expectRoundTrip(tx, keyBytes: keyBytes)
        }
    }

    @Test("any single-byte change to a signed EIP-1559 transaction is rejected or changes the sender")
    func tamper() async {
        await propertyCheck(count: 60, input: keyGen, commonGen, Gen.int(in: 0...10_000), Gen.uint8(in: 1...255)) {
            keyBytes, common, position, mask in
            guard let key = try? PrivateKey(bytes: keyBytes) else { return }
            let tx = Transaction.dynamicFee(
                DynamicFeeTransaction(
                    chainId: common.chainId, nonce: common.nonce, maxPriorityFeePerGas: 1, maxFeePerGas: 2,
                    gasLimit: common.gasLimit, to: common.to, value: common.value, data: common.data))
            var raw = try tx.sign(with: key).raw
            raw[position % raw.count] ^= mask
            if let decoded = try? SignedTransaction(raw: raw) {
                #expect(decoded.sender != key.address)
            }
        }
    }
}
