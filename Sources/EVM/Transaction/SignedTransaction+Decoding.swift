// Decoding of raw signed transactions: the EIP-2718 envelope, then each type's field list.

extension SignedTransaction {
    /// Decodes a raw signed transaction (a typed envelope or a legacy RLP list), checks its
    /// signature and recovers its sender.
    ///
    /// Decoding is strict. These are errors, each naming the field at fault: bytes that are not
    /// canonical RLP (see ``RLP/decode(_:)``) or that follow the transaction; a field count other
    /// than the type's; a list where a value belongs, or the reverse; integers with leading zero
    /// bytes or wider than their field (64 bits for nonce, gas limit and chain id, 256 for
    /// amounts); a `to` or access-list address that is not 20 bytes; a storage key that is not 32
    /// bytes; a legacy `v` other than 27, 28 or `chainId * 2 + 35/36`; a y parity other than 0 or
    /// 1; r or s zero or not below n; s above n/2 (EIP-2); a signature from which no key
    /// recovers; an unknown or unsupported type byte.
    ///
    /// - Parameter chainId: when given, a transaction bound to another chain is rejected. A
    ///   pre-EIP-155 legacy transaction carries no chain id and is accepted, as nodes accept it.
    public init(raw input: some Collection<UInt8>, chainId expectedChainId: UInt64? = nil) throws(TransactionError) {
        let raw = Array(input)
        guard let first = raw.first else {
            throw TransactionError(.malformed, "a transaction cannot be empty")
        }
        let transaction: Transaction
        let signature: Signature
        switch first {
        case 0xc0...0xff:
            (transaction, signature) = try Self.decodeLegacy(raw)
        case TransactionType.accessList.rawValue:
            (transaction, signature) = try Self.decodeAccessList(raw.dropFirst())
        case TransactionType.dynamicFee.rawValue:
            (transaction, signature) = try Self.decodeDynamicFee(raw.dropFirst())
        case 0x03:
            throw TransactionError(.unsupportedType, "EIP-4844 blob transactions (type 3) are not supported")
        case 0x04:
            throw TransactionError(.unsupportedType, "EIP-7702 set-code transactions (type 4) are not supported")
        case 0x00...0x7f:
            throw TransactionError(
                .unsupportedType, "unknown transaction type \(first); supported are legacy, 1 (EIP-2930) and 2 (EIP-1559)")
        default:
            throw TransactionError(
                .malformed,
                "a transaction is an RLP list or a type byte followed by one; this starts with 0x\(String(first, radix: 16)), an RLP byte string"
            )
        }
        if let expectedChainId, let actual = transaction.chainId, actual != expectedChainId {
            throw TransactionError(
                .chainIDMismatch, field: "chainId",
                "the transaction is for chain \(actual), not the expected chain \(expectedChainId)")
        }
        try Self.check(signature)
        let sender = try Self.recoverSender(transaction, signature)
        self.init(transaction: transaction, signature: signature, sender: sender, raw: raw, hash: Keccak256.hash(raw))
    }

    // MARK: Types

    private static func decodeLegacy(_ raw: [UInt8]) throws(TransactionError) -> (Transaction, Signature) {
        let f = try fields(raw, count: 9, layout: "legacy transaction", names: "nonce, gasPrice, gasLimit, to, value, data, v, r, s")
        let v = try uint256(f[6], "v")
        let chainId: UInt64?
        let recoveryID: UInt8
        if v == U256(27) || v == U256(28) {
            chainId = nil
            recoveryID = UInt8(truncatingIfNeeded: v.w0 - 27)
        } else if v >= U256(35) {
            let offset = v &- U256(35)
            guard let id = (offset >> 1).uint64 else {
                throw TransactionError(
                    .invalidChainID, field: "v",
                    "v = \(v.hexQuantity) encodes a chain id above 64 bits (EIP-155: v = chainId * 2 + 35 or 36)")
            }
            chainId = id
            recoveryID = UInt8(truncatingIfNeeded: offset.w0 & 1)
        } else {
            throw TransactionError(
                .invalidChainID, field: "v",
                "v = \(v.decimalString) is neither 27/28 (pre-EIP-155) nor chainId * 2 + 35/36 (EIP-155)")
        }
        let tx = LegacyTransaction(
            chainId: chainId, nonce: try uint64(f[0], "nonce"), gasPrice: try uint256(f[1], "gasPrice"),
            gasLimit: try uint64(f[2], "gasLimit"), to: try recipient(f[3]), value: try uint256(f[4], "value"),
            data: try bytes(f[5], "data"))
        let signature = Signature(r: try uint256(f[7], "r"), s: try uint256(f[8], "s"), recoveryID: recoveryID)
        return (.legacy(tx), signature)
    }

    private static func decodeAccessList(_ body: ArraySlice<UInt8>) throws(TransactionError) -> (Transaction, Signature) {
        let f = try fields(
            body, count: 11, layout: "EIP-2930 transaction",
            names: "chainId, nonce, gasPrice, gasLimit, to, value, data, accessList, yParity, r, s")
        let tx = AccessListTransaction(
            chainId: try uint64(f[0], "chainId"), nonce: try uint64(f[1], "nonce"),
            gasPrice: try uint256(f[2], "gasPrice"), gasLimit: try uint64(f[3], "gasLimit"),
            to: try recipient(f[4]), value: try uint256(f[5], "value"), data: try bytes(f[6], "data"),
            accessList: try accessList(f[7]))
        return (.accessList(tx), try typedSignature(f[8], f[9], f[10]))
    }

    private static func decodeDynamicFee(_ body: ArraySlice<UInt8>) throws(TransactionError) -> (Transaction, Signature) {
        let f = try fields(
            body, count: 12, layout: "EIP-1559 transaction",
            names: "chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value, data, accessList, yParity, r, s")
        let tx = DynamicFeeTransaction(
            chainId: try uint64(f[0], "chainId"), nonce: try uint64(f[1], "nonce"),
            maxPriorityFeePerGas: try uint256(f[2], "maxPriorityFeePerGas"),
            maxFeePerGas: try uint256(f[3], "maxFeePerGas"), gasLimit: try uint64(f[4], "gasLimit"),
            to: try recipient(f[5]), value: try uint256(f[6], "value"), data: try bytes(f[7], "data"),
            accessList: try accessList(f[8]))
        return (.dynamicFee(tx), try typedSignature(f[9], f[10], f[11]))
    }

    // MARK: Fields

    /// Decodes `bytes` as one canonical RLP list of exactly `count` items.
    private static func fields(
        _ bytes: some Collection<UInt8>, count: Int, layout: String, names: String
    ) throws(TransactionError) -> [RLP] {
        let item: RLP
        do {
            item = try RLP.decode(bytes)
        } catch {
            throw TransactionError(.malformed, "the \(layout) is not canonical RLP: \(error.description)", cause: error)
        }
        guard case .list(let items) = item else {
            throw TransactionError(.malformed, "the \(layout) must be an RLP list, found a byte string")
        }
        guard items.count == count else {
            throw TransactionError(
                .fieldCount,
                "a signed \(layout) has \(count) fields (\(names)), found \(items.count)")
        }
        return items
    }

    private static func typedSignature(_ parity: RLP, _ r: RLP, _ s: RLP) throws(TransactionError) -> Signature {
        let yParity = try uint256(parity, "yParity")
        guard yParity <= U256.one else {
            throw TransactionError(.invalidSignature, field: "yParity", "y parity must be 0 or 1, got \(yParity.decimalString)")
        }
        return Signature(r: try uint256(r, "r"), s: try uint256(s, "s"), recoveryID: UInt8(truncatingIfNeeded: yParity.w0))
    }

    private static func bytes(_ item: RLP, _ field: String) throws(TransactionError) -> [UInt8] {
        guard case .bytes(let b) = item else {
            throw TransactionError(.invalidField, field: field, "expected a byte string, found a list")
        }
        return b
    }

    private static func uint256(_ item: RLP, _ field: String) throws(TransactionError) -> U256 {
        let b = try bytes(item, field)
        guard b.first != 0 else {
            throw TransactionError(.invalidField, field: field, "integer has a leading zero byte (not canonical RLP)")
        }
        guard let value = U256(bigEndian: b) else {
            throw TransactionError(.invalidField, field: field, "integer of \(b.count) bytes exceeds 256 bits")
        }
        return value
    }

    private static func uint64(_ item: RLP, _ field: String) throws(TransactionError) -> UInt64 {
        let value = try uint256(item, field)
        guard let small = value.uint64 else {
            throw TransactionError(.invalidField, field: field, "\(value.hexQuantity) exceeds 64 bits")
        }
        return small
    }

    private static func address(_ item: RLP, _ field: String) throws(TransactionError) -> Address {
        let b = try bytes(item, field)
        guard let address = Address(bytes: b) else {
            throw TransactionError(
                .invalidField, field: field,
                "an address is 20 bytes, found \(b.count)\(b.count > 20 ? " (too long; leading zeros are not allowed)" : " (too short)")")
        }
        return address
    }

    /// `to`: 20 bytes, or the empty string for a contract creation.
    private static func recipient(_ item: RLP) throws(TransactionError) -> Address? {
        if case .bytes(let b) = item, b.isEmpty { return nil }
        return try address(item, "to")
    }

    private static func accessList(_ item: RLP) throws(TransactionError) -> [AccessListEntry] {
        guard case .list(let entries) = item else {
            throw TransactionError(.invalidField, field: "accessList", "expected a list of [address, [storageKey, ...]], found a byte string")
        }
        var out: [AccessListEntry] = []
        out.reserveCapacity(entries.count)
        for (i, entry) in entries.enumerated() {
            let name = "accessList[\(i)]"
            guard case .list(let pair) = entry, pair.count == 2 else {
                throw TransactionError(.invalidField, field: name, "an access-list entry is a list [address, [storageKey, ...]]")
            }
            let address = try address(pair[0], "\(name).address")
            guard case .list(let keyItems) = pair[1] else {
                throw TransactionError(.invalidField, field: "\(name).storageKeys", "expected a list of storage keys, found a byte string")
            }
            var keys: [U256] = []
            keys.reserveCapacity(keyItems.count)
            for (j, keyItem) in keyItems.enumerated() {
                let keyName = "\(name).storageKeys[\(j)]"
                let b = try bytes(keyItem, keyName)
                guard b.count == 32, let key = U256(bigEndian: b) else {
                    throw TransactionError(
                        .invalidField, field: keyName, "a storage key is exactly 32 bytes, found \(b.count)")
                }
                keys.append(key)
            }
            out.append(AccessListEntry(address: address, storageKeys: keys))
        }
        return out
    }
}
