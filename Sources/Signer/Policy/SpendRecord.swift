public import EVM
public import Foundation

/// One signed transaction as the budgets see it. The ledger stores one per signature; the
/// aggregation counts a nonce once, at its highest value and fee exposure, so a replacement
/// never double-counts.
public struct SpendRecord: Hashable, Sendable {
    public var account: Address
    public var chainId: UInt64
    public var nonce: UInt64
    /// When it was signed.
    public var at: Date
    /// Wei sent.
    public var value: U256
    /// Gas limit x maxFeePerGas (x gasPrice for legacy and EIP-2930): the most it can cost in fees.
    public var feeExposure: U256

    public init(account: Address, chainId: UInt64, nonce: UInt64, at: Date, value: U256, feeExposure: U256) {
        self.account = account
        self.chainId = chainId
        self.nonce = nonce
        self.at = at
        self.value = value
        self.feeExposure = feeExposure
    }

    /// The record a signature of `transaction` by `account` at `at` adds.
    public init(account: Address, transaction: Transaction, at: Date) {
        self.init(
            account: account, chainId: transaction.chainId ?? 0, nonce: transaction.nonce, at: at,
            value: transaction.value, feeExposure: Self.feeExposure(of: transaction))
    }

    /// Gas limit x maxFeePerGas (or gasPrice), saturating at 2^256 - 1.
    public static func feeExposure(of transaction: Transaction) -> U256 {
        let (product, overflow) = U256(transaction.gasLimit).multipliedReportingOverflow(by: transaction.maxFeePerGas)
        return overflow ? .max : product
    }
}

/// What one account spent on one chain in one window.
public struct SpendTotals: Hashable, Sendable {
    /// The three budget kinds, as they appear in rule ids.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case value, fee, count
    }

    /// Total wei sent (saturating).
    public var value: U256 = .zero
    /// Total fee exposure (saturating).
    public var fee: U256 = .zero
    /// Distinct nonces.
    public var count: Int = 0

    public init(value: U256 = .zero, fee: U256 = .zero, count: Int = 0) {
        self.value = value
        self.fee = fee
        self.count = count
    }

    /// Totals for `account` on `chainId` over the window ending at `now`.
    ///
    /// Records are grouped by nonce; a group counts once, with its highest value and highest fee
    /// exposure, and lies in the window when its latest record is later than `now - window`
    /// (records after `now`, from a clock that stepped back, count too: over-counting is the safe
    /// side).
    public static func aggregate(_ records: some Sequence<SpendRecord>, account: Address, chainId: UInt64, window: BudgetWindow, now: Date) -> SpendTotals {
        var groups: [UInt64: (at: Date, value: U256, fee: U256)] = [:]
        for record in records where record.account == account && record.chainId == chainId {
            if let group = groups[record.nonce] {
                groups[record.nonce] = (max(group.at, record.at), max(group.value, record.value), max(group.fee, record.feeExposure))
            } else {
                groups[record.nonce] = (record.at, record.value, record.feeExposure)
            }
        }
        let start = now.addingTimeInterval(-Double(window.seconds))
        var totals = SpendTotals()
        for group in groups.values where group.at > start {
            totals.value = totals.value.saturatingAdd(group.value)
            totals.fee = totals.fee.saturatingAdd(group.fee)
            totals.count += 1
        }
        return totals
    }
}

extension U256 {
    func saturatingAdd(_ other: U256) -> U256 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
