/// An EIP-1559 transaction (type 2): `0x02 || rlp([chainId, nonce, maxPriorityFeePerGas,
/// maxFeePerGas, gasLimit, to, value, data, accessList, yParity, r, s])`.
public struct DynamicFeeTransaction: Hashable, Sendable {
    /// The chain the transaction is valid on.
    public var chainId: UInt64
    /// The sender's nonce.
    public var nonce: UInt64
    /// The most wei per gas paid to the block producer on top of the base fee.
    public var maxPriorityFeePerGas: U256
    /// The most wei per gas paid in total (base fee plus priority fee).
    public var maxFeePerGas: U256
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

    /// An EIP-1559 transaction.
    public init(
        chainId: UInt64, nonce: UInt64, maxPriorityFeePerGas: U256, maxFeePerGas: U256,
        gasLimit: UInt64, to: Address?, value: U256 = .zero, data: [UInt8] = [],
        accessList: [AccessListEntry] = []
    ) {
        self.chainId = chainId
        self.nonce = nonce
        self.maxPriorityFeePerGas = maxPriorityFeePerGas
        self.maxFeePerGas = maxFeePerGas
        self.gasLimit = gasLimit
        self.to = to
        self.value = value
        self.data = data
        self.accessList = accessList
    }

    /// The size of the nine unsigned fields' encodings.
    var bodyCount: Int {
        RLPWriter.count(chainId) + RLPWriter.count(nonce) + RLPWriter.count(maxPriorityFeePerGas)
            + RLPWriter.count(maxFeePerGas) + RLPWriter.count(gasLimit) + RLPWriter.count(to)
            + RLPWriter.count(value) + RLPWriter.count(bytes: data) + accessList.rlpCount
    }

    /// Appends the nine unsigned fields.
    func encodeBody(into w: inout RLPWriter) {
        w.append(chainId)
        w.append(nonce)
        w.append(maxPriorityFeePerGas)
        w.append(maxFeePerGas)
        w.append(gasLimit)
        w.append(to)
        w.append(value)
        w.append(bytes: data)
        accessList.encode(into: &w)
    }
}
