public import Foundation

/// What a policy's budgets read about an account's past spends: per window, the totals with the
/// request's own spend added, as ``SpendTotals/aggregate(_:account:chainId:window:now:)`` counts
/// them (one per nonce, at its highest value and fee exposure, in the window when its latest
/// record is).
///
/// The signer's store answers from running totals (``LedgerView``); a list of records
/// (``SpendList``) answers by aggregating, for tests and `signer policy check`.
public protocol SpendHistory {
    /// The totals of the window ending at `now`, with `record` (the request's spend, at `now`).
    func totals(in window: BudgetWindow, with record: SpendRecord, now: Date) -> SpendTotals
}

/// Spend records as a ``SpendHistory``: every question aggregates the records.
public struct SpendList: SpendHistory, Sendable {
    public var records: [SpendRecord]

    public init(_ records: [SpendRecord]) {
        self.records = records
    }

    public func totals(in window: BudgetWindow, with record: SpendRecord, now: Date) -> SpendTotals {
        SpendTotals.aggregate(records + [record], account: record.account, chainId: record.chainId, window: window, now: now)
    }
}
