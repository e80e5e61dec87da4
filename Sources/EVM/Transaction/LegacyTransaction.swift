/// A legacy (untyped) transaction: `rlp([nonce, gasPrice, gasLimit, to, value, data, v, r, s])`.
///
/// With a ``chainId`` it is signed as EIP-155 prescribes (the signing payload ends with
/// `chainId, 0, 0` and `v = chainId * 2 + 35 + recoveryID`), which binds it to one chain. Without
/// one it is a pre-EIP-155 transaction (`v = 27 + recoveryID`) that any chain would replay; such
/// transactions are decoded for completeness but should not be signed for new work.
public struct LegacyTransaction: Hashable, Sendable {
    /// The EIP-155 chain id, or `nil` for a pre-EIP-155 (replayable) transaction.
    public var chainId: UInt64?
    /// The sender's nonce.
    public var nonce: UInt64
    /// Price per unit of gas, in wei.
    public var gasPrice: U256
    /// The most gas the transaction may use.
    public var gasLimit: UInt64
    /// The recipient, or `nil` to create a contract from ``data``.
    public var to: Address?
    /// Wei sent with the call.
    public var value: U256
    /// Call data, or init code for a contract creation.
    public var data: [UInt8]

    /// A legacy transaction; give a `chainId` unless you mean to sign a replayable one.
    public init(
        chainId: UInt64?, nonce: UInt64, gasPrice: U256, gasLimit: UInt64, to: Address?,
        value: U256 = .zero, data: [UInt8] = []
    ) {
        self.chainId = chainId
        self.nonce = nonce
        self.gasPrice = gasPrice
        self.gasLimit = gasLimit
        self.to = to
        self.value = value
        self.data = data
    }

    /// The size of the six common fields' encodings.
    var bodyCount: Int {
        RLPWriter.count(nonce) + RLPWriter.count(gasPrice) + RLPWriter.count(gasLimit)
            + RLPWriter.count(to) + RLPWriter.count(value) + RLPWriter.count(bytes: data)
    }

    /// Appends `nonce, gasPrice, gasLimit, to, value, data`.
    func encodeBody(into w: inout RLPWriter) {
        w.append(nonce)
        w.append(gasPrice)
        w.append(gasLimit)
        w.append(to)
        w.append(value)
        w.append(bytes: data)
    }

    /// The `v` this transaction carries for a signature with `recoveryID`.
    func v(recoveryID: UInt8) -> U256 {
        guard let chainId else { return U256(27 + UInt64(recoveryID)) }
        return (U256(chainId) << 1) &+ U256(35 + UInt64(recoveryID))
    }
}
