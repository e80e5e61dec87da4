// Each decoding and validation rule on its own, with the error kind, the field and a message that
// names what to fix.

import EVM
import Testing

private let recipient = Address(bytes: [UInt8](repeating: 0x35, count: 20)) ?? .zero

private func key() throws -> PrivateKey {
    try PrivateKey(bytes: [UInt8](repeating: 0x46, count: 32))
}

private func dynamicFee(
    chainId: UInt64 = 1, nonce: UInt64 = 0, tip: U256 = 1, feeCap: U256 = 2, gasLimit: UInt64 = 21_000,
    to: Address? = recipient, data: [UInt8] = [], accessList: [AccessListEntry] = []
) -> Transaction {
    .dynamicFee(
        DynamicFeeTransaction(
            chainId: chainId, nonce: nonce, maxPriorityFeePerGas: tip, maxFeePerGas: feeCap, gasLimit: gasLimit,
            to: to, value: 1, data: data, accessList: accessList))
}

/// Replaces item `index` of a typed transaction's field list and re-encodes it (not re-signed).
private func replacing(_ raw: [UInt8], field index: Int, with item: RLP) throws -> [UInt8] {
    var items = try RLP.decode(raw.dropFirst()).asList()
    items[index] = item
    return [raw[0]] + RLP.list(items).encoded
}

private func decodeError(_ raw: [UInt8], chainId: UInt64? = nil) throws -> TransactionError {
    try #require(throws: TransactionError.self) { try SignedTransaction(raw: raw, chainId: chainId) }
}

@Suite("Transaction errors")
struct TransactionErrorTests {
    @Test("envelope: empty, byte string, unknown and unsupported types, trailing bytes")
    func envelope() throws {
        let raw = try dynamicFee().sign(with: key()).raw
        #expect(try decodeError([]).kind == .malformed)
        #expect(try decodeError([0x80]).kind == .malformed)
        #expect(try decodeError([0x05] + raw.dropFirst()).kind == .unsupportedType)
        let blob = try decodeError([0x03] + raw.dropFirst())
        #expect(blob.kind == .unsupportedType && blob.message.contains("4844"))
        #expect(try decodeError([0x00] + raw.dropFirst()).kind == .unsupportedType)
        let trailing = try decodeError(raw + [0x00])
        #expect(trailing.kind == .malformed && trailing.message.contains("follow"))
        // The EIP-1559 body under the EIP-2930 type byte has one field too many.
        #expect(try decodeError([0x01] + raw.dropFirst()).kind == .fieldCount)
    }

    @Test("fields: wrong shape, leading zeros, too wide, wrong size, each named")
    func fields() throws {
        let raw = try dynamicFee(accessList: [AccessListEntry(address: recipient, storageKeys: [7])]).sign(with: key()).raw
        let cases: [(index: Int, item: RLP, field: String)] = [
            (1, .list([]), "nonce"),
            (1, .bytes([0x00, 0x01]), "nonce"),
            (1, .bytes([UInt8](repeating: 1, count: 9)), "nonce"),
            (3, .bytes([UInt8](repeating: 1, count: 33)), "maxFeePerGas"),
            (5, .bytes([UInt8](repeating: 1, count: 19)), "to"),
            (5, .bytes([0] + [UInt8](repeating: 1, count: 20)), "to"),
            (7, .list([]), "data"),
            (8, .bytes([]), "accessList"),
            (8, .list([.list([.bytes(recipient.bytes)])]), "accessList[0]"),
            (8, .list([.list([.bytes([1, 2]), .list([])])]), "accessList[0].address"),
            (8, .list([.list([.bytes(recipient.bytes), .list([.bytes([7])])])]), "accessList[0].storageKeys[0]"),
            (9, .bytes([2]), "yParity"),
        ]
        for (index, item, field) in cases {
            let error = try decodeError(try replacing(raw, field: index, with: item))
            #expect(error.field == field, "\(error)")
            #expect(error.kind == (field == "yParity" ? .invalidSignature : .invalidField))
            #expect(error.description.contains(field))
        }
    }

    @Test("signature: r and s range, high s, recovery")
    func signature() throws {
        let tx = dynamicFee()
        let good = try tx.sign(with: key()).signature
        let n = Secp256k1.order
        let bad: [(Signature, String?)] = [
            (Signature(r: .zero, s: good.s, recoveryID: 0), "r"),
            (Signature(r: n, s: good.s, recoveryID: 0), "r"),
            (Signature(r: good.r, s: .zero, recoveryID: 0), "s"),
            (Signature(r: good.r, s: n - good.s, recoveryID: 1 - good.recoveryID), "s"),
        ]
        for (signature, field) in bad {
            let error = try #require(throws: TransactionError.self) {
                try SignedTransaction(transaction: tx, signature: signature)
            }
            #expect(error.kind == .invalidSignature && error.field == field, "\(error)")
        }
        let highS = try #require(throws: TransactionError.self) {
            try SignedTransaction(transaction: tx, signature: Signature(r: good.r, s: n - good.s, recoveryID: 0))
        }
        #expect(highS.message.contains("EIP-2"))
        // An r that is no point's x coordinate on the curve (x = 5 has no y) recovers nothing.
        let error = try #require(throws: TransactionError.self) {
            try SignedTransaction(transaction: tx, signature: Signature(r: 5, s: 1, recoveryID: 0))
        }
        #expect(error.kind == .recoveryFailed)
    }

    @Test("legacy v: neither 27/28 nor EIP-155, and chain ids past 64 bits")
    func legacyV() throws {
        let tx = Transaction.legacy(LegacyTransaction(chainId: 1, nonce: 0, gasPrice: 1, gasLimit: 21_000, to: recipient))
        let raw = try tx.sign(with: key()).raw
        var items = try RLP.decode(raw).asList()
        for v: U256 in [0, 1, 26, 29, 34, U256(1) << 66] {
            items[6] = .uint(v)
            let error = try decodeError(RLP.list(items).encoded)
            #expect(error.kind == .invalidChainID && error.field == "v", "\(error)")
        }
        let mismatch = try decodeError(raw, chainId: 5)
        #expect(mismatch.kind == .chainIDMismatch)
        #expect(mismatch.message.contains("chain 1") && mismatch.message.contains("5"))
        // Without a chain id the same transaction is replayable, and decodes for any chain.
        var preEIP155 = tx
        if case .legacy(var legacy) = tx { legacy.chainId = nil; preEIP155 = .legacy(legacy) }
        let unprotected = try preEIP155.sign(with: key())
        #expect(unprotected.v == U256(27) || unprotected.v == U256(28))
        #expect(try SignedTransaction(raw: unprotected.raw, chainId: 5).sender == key().address)
    }

    @Test("validate: EIP-2681 nonce, fee cap below tip, fee overflow, init code size, intrinsic gas")
    func validate() throws {
        try dynamicFee().validate()
        let cases: [(Transaction, String)] = [
            (dynamicFee(nonce: .max), "nonce"),
            (dynamicFee(tip: 3, feeCap: 2), "maxPriorityFeePerGas"),
            (dynamicFee(tip: 1, feeCap: U256.max >> 10, gasLimit: 1 << 20), "maxFeePerGas"),
            (dynamicFee(gasLimit: 10_000_000, to: nil, data: [UInt8](repeating: 1, count: 49_153)), "data"),
            (dynamicFee(gasLimit: 20_999), "gasLimit"),
            (dynamicFee(gasLimit: 21_000 + 15, data: [1]), "gasLimit"),
        ]
        for (tx, field) in cases {
            let error = try #require(throws: TransactionError.self) { try tx.validate() }
            #expect(error.kind == .invalidTransaction && error.field == field, "\(error)")
        }
        // Intrinsic gas: creation, zero and non-zero bytes, access list.
        #expect(dynamicFee(data: [0, 1]).intrinsicGas == 21_000 + 4 + 16)
        #expect(dynamicFee(to: nil, data: [UInt8](repeating: 0, count: 33)).intrinsicGas == 53_000 + 2 * 2 + 33 * 4)
        let list = [AccessListEntry(address: recipient, storageKeys: [1, 2])]
        #expect(dynamicFee(accessList: list).intrinsicGas == 21_000 + 2_400 + 2 * 1_900)
    }

    @Test("errors compare by kind and field, and give bounded metric labels")
    func equality() throws {
        let raw = try dynamicFee().sign(with: key()).raw
        let a = try decodeError(try replacing(raw, field: 1, with: .bytes([0, 1])))
        let b = try decodeError(try replacing(raw, field: 1, with: .list([])))
        #expect(a == b)
        #expect(a.shortDescription == "invalidField.nonce")
        let keyError = try decodeError(
            try replacing(
                raw, field: 8, with: .list([.list([.bytes(recipient.bytes), .list([.bytes([7])])])])))
        #expect(keyError.shortDescription == "invalidField.accessList")
    }
}
