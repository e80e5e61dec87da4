public import EVM
public import Foundation

/// What ``SignerStore/reserve(_:evaluate:)`` is asked to reserve: a transaction for an account,
/// at a time, and how far back the policy's budgets look.
public struct LedgerRequest: Hashable, Sendable {
    /// The account that would sign.
    public var account: Address
    /// The transaction; its chain id (0 when absent) and nonce name the nonce slot.
    public var transaction: Transaction
    /// The time of the decision: budget windows end here, and the spend is recorded at it.
    public var now: Date
    /// How many seconds of spends the evaluation needs: the longest budget window of the active
    /// policy (0 without budgets). The store keeps at least this much in memory; asking for more
    /// than it holds makes it load the older spends from the database first (once).
    public var lookback: Int64
    /// The lengths (seconds) of the active policy's budget windows: the store keeps running
    /// totals for each, so that ``LedgerView/totals(in:with:now:)`` costs O(1) instead of a pass
    /// over the window's records.
    public var budgetWindows: [Int64]

    public init(account: Address, transaction: Transaction, now: Date, lookback: Int64, budgetWindows: [Int64] = []) {
        self.account = account
        self.transaction = transaction
        self.now = now
        self.lookback = lookback
        self.budgetWindows = budgetWindows
    }

    var slotKey: NonceSlotKey {
        NonceSlotKey(account: account, chainId: transaction.chainId ?? 0, nonce: transaction.nonce)
    }
}

/// What the evaluation of one request sees, under the store's lock: the account's spends on the
/// transaction's chain (committed, pending and reserved alike) and what was signed at its nonce.
///
/// Valid only inside the `evaluate` closure; pass it to
/// ``Policy/evaluate(_:history:signedAtNonce:now:)`` (it is the budgets' ``SpendHistory``).
public struct LedgerView: SpendHistory {
    /// The decision time (the request's `now`, rounded to the microsecond as the ledger stores it).
    public let now: Date
    /// The transactions signed (or reserved) for this account, chain and nonce, oldest first.
    public let signedAtNonce: [Transaction]
    private let account: AccountSpends?
    private let start: Date

    init(now: Date, signedAtNonce: [Transaction], account: AccountSpends?, lookback: Int64) {
        self.now = now
        self.signedAtNonce = signedAtNonce
        self.account = account
        self.start = now.addingTimeInterval(-Double(lookback))
    }

    /// The account's spends on this chain in the lookback window, one record per nonce (its
    /// latest time, highest value and highest fee exposure: what the budget aggregation counts).
    /// Computed on each access; a policy without budgets need not touch it.
    public var spends: [SpendRecord] {
        account?.condensed(after: start) ?? []
    }

    /// The budget totals of `window` with `record` added: from the store's running totals when
    /// the request named the window (``LedgerRequest/budgetWindows``), else aggregated from
    /// ``spends``.
    public func totals(in window: BudgetWindow, with record: SpendRecord, now: Date) -> SpendTotals {
        if let totals = account?.totals(window: window.seconds, adding: record, now: now) { return totals }
        return SpendTotals.aggregate(spends + [record], account: record.account, chainId: record.chainId, window: window, now: now)
    }
}
