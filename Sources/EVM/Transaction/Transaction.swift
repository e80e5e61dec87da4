/// An unsigned Ethereum transaction of any supported type.
///
/// Build one of the three payload types, wrap it, and ``sign(with:)`` it:
///
/// ```swift
/// let tx = Transaction.dynamicFee(DynamicFeeTransaction(
///     chainId: 1, nonce: 7, maxPriorityFeePerGas: 1_000_000_000, maxFeePerGas: 30_000_000_000,
///     gasLimit: 21_000, to: recipient, value: 10))
/// let signed = try tx.sign(with: key)   // signed.raw goes to eth_sendRawTransaction
/// ```
///
/// The signing payload and the raw form are written straight into one pre-sized buffer each, and
/// each is hashed once.
public enum Transaction: Hashable, Sendable {
    /// A legacy transaction (EIP-155 or pre-EIP-155).
    case legacy(LegacyTransaction)
    /// An EIP-2930 transaction (type 1).
    case accessList(AccessListTransaction)
    /// An EIP-1559 transaction (type 2).
    case dynamicFee(DynamicFeeTransaction)
}

// MARK: - Common fields

extension Transaction {
    /// The EIP-2718 type.
    public var type: TransactionType {
        switch self {
        case .legacy: .legacy
        case .accessList: .accessList
        case .dynamicFee: .dynamicFee
        }
    }

    /// The chain id; `nil` only for a pre-EIP-155 legacy transaction.
    public var chainId: UInt64? {
        switch self {
        case .legacy(let tx): tx.chainId
        case .accessList(let tx): tx.chainId
        case .dynamicFee(let tx): tx.chainId
        }
    }

    /// The sender's nonce.
    public var nonce: UInt64 {
        switch self {
        case .legacy(let tx): tx.nonce
        case .accessList(let tx): tx.nonce
        case .dynamicFee(let tx): tx.nonce
        }
    }

    /// The recipient; `nil` for a contract creation.
    public var to: Address? {
        switch self {
        case .legacy(let tx): tx.to
        case .accessList(let tx): tx.to
        case .dynamicFee(let tx): tx.to
        }
    }

    /// Wei sent with the call.
    public var value: U256 {
        switch self {
        case .legacy(let tx): tx.value
        case .accessList(let tx): tx.value
        case .dynamicFee(let tx): tx.value
        }
    }

    /// Call data, or init code for a contract creation.
    public var data: [UInt8] {
        switch self {
        case .legacy(let tx): tx.data
        case .accessList(let tx): tx.data
        case .dynamicFee(let tx): tx.data
        }
    }

    /// The most gas the transaction may use.
    public var gasLimit: UInt64 {
        switch self {
        case .legacy(let tx): tx.gasLimit
        case .accessList(let tx): tx.gasLimit
        case .dynamicFee(let tx): tx.gasLimit
        }
    }

    /// The fixed gas price of a legacy or EIP-2930 transaction; `nil` for EIP-1559.
    public var gasPrice: U256? {
        switch self {
        case .legacy(let tx): tx.gasPrice
        case .accessList(let tx): tx.gasPrice
        case .dynamicFee: nil
        }
    }

    /// The most wei per gas the sender can pay: the gas price, or EIP-1559's `maxFeePerGas`.
    public var maxFeePerGas: U256 {
        switch self {
        case .legacy(let tx): tx.gasPrice
        case .accessList(let tx): tx.gasPrice
        case .dynamicFee(let tx): tx.maxFeePerGas
        }
    }

    /// The most wei per gas offered to the block producer above the base fee: EIP-1559's
    /// `maxPriorityFeePerGas`, or the whole gas price for the older types (as nodes treat them).
    public var maxPriorityFeePerGas: U256 {
        switch self {
        case .legacy(let tx): tx.gasPrice
        case .accessList(let tx): tx.gasPrice
        case .dynamicFee(let tx): tx.maxPriorityFeePerGas
        }
    }

    /// The access list; empty for a legacy transaction.
    public var accessList: [AccessListEntry] {
        switch self {
        case .legacy: []
        case .accessList(let tx): tx.accessList
        case .dynamicFee(let tx): tx.accessList
        }
    }

    /// Whether the transaction creates a contract (it has no recipient).
    public var isContractCreation: Bool { to == nil }
}

// MARK: - Encoding and signing

extension Transaction {
    /// The bytes whose Keccak-256 is signed: `rlp([6 fields])` for pre-EIP-155 legacy,
    /// `rlp([6 fields, chainId, 0, 0])` for EIP-155, `type || rlp([fields])` for typed ones.
    public var signingPayload: [UInt8] {
        switch self {
        case .legacy(let tx):
            var payload = tx.bodyCount
            if let chainId = tx.chainId { payload += RLPWriter.count(chainId) + 2 }
            var w = RLPWriter(capacity: RLPWriter.count(listPayload: payload))
            w.appendListHeader(payload: payload)
            tx.encodeBody(into: &w)
            if let chainId = tx.chainId {
                w.append(chainId)
                w.append(0 as UInt64)
                w.append(0 as UInt64)
            }
            return w.bytes
        case .accessList(let tx):
            let payload = tx.bodyCount
            var w = RLPWriter(capacity: 1 + RLPWriter.count(listPayload: payload))
            w.append(rawByte: TransactionType.accessList.rawValue)
            w.appendListHeader(payload: payload)
            tx.encodeBody(into: &w)
            return w.bytes
        case .dynamicFee(let tx):
            let payload = tx.bodyCount
            var w = RLPWriter(capacity: 1 + RLPWriter.count(listPayload: payload))
            w.append(rawByte: TransactionType.dynamicFee.rawValue)
            w.appendListHeader(payload: payload)
            tx.encodeBody(into: &w)
            return w.bytes
        }
    }

    /// Keccak-256 of ``signingPayload``: the 32-byte digest the sender signs.
    public var signingHash: [UInt8] { Keccak256.hash(signingPayload) }

    /// Signs with `key` (RFC 6979 nonce, low-s) and encodes the signed transaction.
    ///
    /// The sender of the result is `key.address`; no recovery is run.
    public func sign(with key: PrivateKey) throws(TransactionError) -> SignedTransaction {
        let signature: Signature
        do {
            signature = try key.sign(digest: signingHash)
        } catch {
            throw TransactionError(.signingFailed, "could not sign: \(error.message)", cause: error)
        }
        let raw = encoded(with: signature)
        return SignedTransaction(
            transaction: self, signature: signature, sender: key.address, raw: raw, hash: Keccak256.hash(raw))
    }

    /// The `v` value written into the signed encoding for a signature with `recoveryID`:
    /// 27/28 or `chainId * 2 + 35/36` for legacy, the y parity (0/1) for typed transactions.
    public func v(recoveryID: UInt8) -> U256 {
        switch self {
        case .legacy(let tx): tx.v(recoveryID: recoveryID)
        case .accessList, .dynamicFee: U256(UInt64(recoveryID))
        }
    }

    /// The raw signed encoding with `signature` (no check that the signature is valid).
    func encoded(with signature: Signature) -> [UInt8] {
        let v = self.v(recoveryID: signature.recoveryID)
        let tail = RLPWriter.count(v) + RLPWriter.count(signature.r) + RLPWriter.count(signature.s)
        var w: RLPWriter
        switch self {
        case .legacy(let tx):
            let payload = tx.bodyCount + tail
            w = RLPWriter(capacity: RLPWriter.count(listPayload: payload))
            w.appendListHeader(payload: payload)
            tx.encodeBody(into: &w)
        case .accessList(let tx):
            let payload = tx.bodyCount + tail
            w = RLPWriter(capacity: 1 + RLPWriter.count(listPayload: payload))
            w.append(rawByte: TransactionType.accessList.rawValue)
            w.appendListHeader(payload: payload)
            tx.encodeBody(into: &w)
        case .dynamicFee(let tx):
            let payload = tx.bodyCount + tail
            w = RLPWriter(capacity: 1 + RLPWriter.count(listPayload: payload))
            w.append(rawByte: TransactionType.dynamicFee.rawValue)
            w.appendListHeader(payload: payload)
            tx.encodeBody(into: &w)
        }
        w.append(v)
        w.append(signature.r)
        w.append(signature.s)
        return w.bytes
    }
}
