public import EVM

extension TransactionArgs {
    /// The EVM transaction these arguments describe, or an error naming the field that does not
    /// fit (a chain id beyond 64 bits; fee fields that do not match the type; an access list on a
    /// legacy transaction).
    public func transaction() throws(WireDecodingError) -> Transaction {
        guard let chain = chainId.uint64 else {
            throw WireDecode.invalid(WirePath("tx").appending("chainId"), "chain ids above 2^64 - 1 are not supported")
        }
        let list = accessList.map { entry in
            AccessListEntry(address: entry.address, storageKeys: entry.storageKeys.map { U256(bigEndian: $0) ?? .zero })
        }
        switch (type, fees) {
        case (.legacy, .legacy(let gasPrice)):
            return .legacy(LegacyTransaction(chainId: chain, nonce: nonce, gasPrice: gasPrice, gasLimit: gas, to: to, value: value, data: data))
        case (.accessList, .legacy(let gasPrice)):
            return .accessList(AccessListTransaction(
                chainId: chain, nonce: nonce, gasPrice: gasPrice, gasLimit: gas, to: to, value: value, data: data, accessList: list))
        case (.dynamicFee, .dynamic(let maxFee, let tip)):
            return .dynamicFee(DynamicFeeTransaction(
                chainId: chain, nonce: nonce, maxPriorityFeePerGas: tip, maxFeePerGas: maxFee, gasLimit: gas, to: to,
                value: value, data: data, accessList: list))
        case (.dynamicFee, .legacy), (.legacy, .dynamic), (.accessList, .dynamic):
            // The initialisers refuse these combinations; kept so no path can mix them.
            throw WireDecode.invalid(WirePath("tx").appending("type"), "the fee fields do not match the transaction type")
        }
    }

    /// The arguments that describe `transaction`, sent from `from` (what the keeper sends).
    public init(_ transaction: Transaction, from: Address) throws(WireDecodingError) {
        let fees: Fees = switch transaction {
        case .dynamicFee(let t): .dynamic(maxFeePerGas: t.maxFeePerGas, maxPriorityFeePerGas: t.maxPriorityFeePerGas)
        case .legacy(let t): .legacy(gasPrice: t.gasPrice)
        case .accessList(let t): .legacy(gasPrice: t.gasPrice)
        }
        let type: TxType = switch transaction {
        case .legacy: .legacy
        case .accessList: .accessList
        case .dynamicFee: .dynamicFee
        }
        try self.init(
            from: from, to: transaction.to, gas: transaction.gasLimit, fees: fees, value: transaction.value,
            data: transaction.data, nonce: transaction.nonce, chainId: U256(transaction.chainId ?? 0), type: type,
            accessList: transaction.accessList.map { AccessTuple(address: $0.address, storageKeys: $0.storageKeys.map(\.bigEndianBytes)) })
    }
}
