/// A transaction with its signature, its sender, its raw encoding and its hash.
///
/// Every value of this type holds a signature that passed the checks a node makes: r and s in
/// [1, n-1], s in the lower half (EIP-2), and a public key that recovers from it. Get one by
/// signing (``Transaction/sign(with:)``), by decoding raw bytes (``init(raw:chainId:)``), or from
/// a transaction and a signature made elsewhere (``init(transaction:signature:)``).
public struct SignedTransaction: Hashable, Sendable {
    /// The unsigned transaction.
    public let transaction: Transaction
    /// r, s and the recovery id (the legacy `v` is derived from it and the chain id).
    public let signature: Signature
    /// The account that signed.
    public let sender: Address
    /// The signed encoding, as sent with `eth_sendRawTransaction`.
    public let raw: [UInt8]
    /// The transaction hash: Keccak-256 of ``raw``.
    public let hash: [UInt8]

    init(transaction: Transaction, signature: Signature, sender: Address, raw: [UInt8], hash: [UInt8]) {
        self.transaction = transaction
        self.signature = signature
        self.sender = sender
        self.raw = raw
        self.hash = hash
    }

    /// Attaches a signature made elsewhere (by a hardware wallet, say), checking it and
    /// recovering the sender.
    public init(transaction: Transaction, signature: Signature) throws(TransactionError) {
        try Self.check(signature)
        let sender = try Self.recoverSender(transaction, signature)
        let raw = transaction.encoded(with: signature)
        self.init(transaction: transaction, signature: signature, sender: sender, raw: raw, hash: Keccak256.hash(raw))
    }

    /// The `v` field as encoded: 27/28, `chainId * 2 + 35/36` (EIP-155), or the y parity 0/1
    /// of a typed transaction.
    public var v: U256 { transaction.v(recoveryID: signature.recoveryID) }

    /// The transaction hash as `0x`-prefixed hex.
    public var hashHex: String { Hex.encode(hash) }

    /// The raw encoding as `0x`-prefixed hex.
    public var rawHex: String { Hex.encode(raw) }

    /// Checks r and s against the curve order and EIP-2's low-s rule.
    static func check(_ signature: Signature) throws(TransactionError) {
        guard signature.recoveryID <= 1 else {
            throw TransactionError(.invalidSignature, field: "v", "recovery id must be 0 or 1, got \(signature.recoveryID)")
        }
        for (name, value) in [("r", signature.r), ("s", signature.s)] {
            guard !value.isZero else {
                throw TransactionError(.invalidSignature, field: name, "\(name) is zero; the signature is not valid")
            }
            guard value < Secp256k1.order else {
                throw TransactionError(
                    .invalidSignature, field: name,
                    "\(name) = \(value.hexQuantity) is not below the secp256k1 order n; the signature is not valid")
            }
        }
        guard signature.isLowS else {
            throw TransactionError(
                .invalidSignature, field: "s",
                "s = \(signature.s.hexQuantity) is above n/2, which EIP-2 forbids; re-sign with a low-s signer (or use s' = n - s with the other recovery id)"
            )
        }
    }

    /// Recovers the signer of `transaction`'s signing hash.
    static func recoverSender(_ transaction: Transaction, _ signature: Signature) throws(TransactionError) -> Address {
        do {
            return try Secp256k1.recoverAddress(digest: transaction.signingHash, signature: signature)
        } catch {
            throw TransactionError(
                .recoveryFailed, "no public key recovers from this signature (\(error.message)); the signature does not belong to this transaction",
                cause: error)
        }
    }
}
