/// The EIP-2718 transaction type: the byte in front of a typed transaction's RLP.
public enum TransactionType: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Legacy (untyped) transactions, with or without EIP-155 replay protection.
    case legacy = 0
    /// EIP-2930: gas price plus an access list.
    case accessList = 1
    /// EIP-1559: priority fee and fee cap, plus an access list.
    case dynamicFee = 2

    /// A name for messages, such as `EIP-1559 dynamic fee (type 2)`.
    public var description: String {
        switch self {
        case .legacy: "legacy"
        case .accessList: "EIP-2930 access list (type 1)"
        case .dynamicFee: "EIP-1559 dynamic fee (type 2)"
        }
    }
}
