/// An EIP-2930 transaction (type 1):
/// `0x01 || rlp([chainId, nonce, gasPrice, gasLimit, to, value, data, accessList, yParity, r, s])`.
public struct AccessListTransaction: Hashable, Sendable {
    /// The chain the transaction is valid on.
    public var chainId: UInt64
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
    /// Accounts and storage slots to warm up front.
    public var accessList: [AccessListEntry]

    /// An EIP-2930 transaction.
    public init(
        chainId: UInt64, nonce: UInt64, gasPrice: U256, gasLimit: UInt64, to: Address?,
        value: U256 = .zero, data: [UInt8] = [], accessList: [AccessListEntry] = []
    ) {
        self.chainId = chainId
        self.nonce = nonce
        self.gasPrice = gasPrice
        self.gasLimit = gasLimit
        self.to = to
        self.value = value
        self.data = data
        self.accessList = accessList
    }

    /// The size of the eight unsigned fields' encodings.
    var bodyCount: Int {
        RLPWriter.count(chainId) + RLPWriter.count(nonce) + RLPWriter.count(gasPrice)
            + RLPWriter.count(gasLimit) + RLPWriter.count(to) + RLPWriter.count(value)
            + RLPWriter.count(bytes: data) + accessList.rlpCount
    }

    /// Appends the eight unsigned fields.
    func encodeBody(into w: inout RLPWriter) {
        w.append(chainId)
        w.append(nonce)
        w.append(gasPrice)
        w.append(gasLimit)
        w.append(to)
        w.append(value)
        w.append(bytes: data)
        accessList.encode(into: &w)
    }
}
