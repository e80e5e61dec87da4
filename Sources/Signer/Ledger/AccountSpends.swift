import EVM
import Foundation

/// One account on one chain: the key of budgets and of the spend records kept in memory.
struct AccountChain: Hashable, Sendable {
    var account: Address
    var chainId: UInt64
}

/// The spend records of one account on one chain that the budgets can still see, grouped by
/// nonce. Pure value type; ``LedgerState`` keeps one per ``AccountChain``.
///
/// A nonce group lives until its latest record leaves the retention window: pruning removes whole
/// groups only, because a replacement may carry a lower fee exposure (a lower gas limit) than the
/// record it replaced, and the budgets count a nonce at its highest.
struct AccountSpends {
    /// Per nonce, the records signed for it (one, or more after replacements or re-signing).
    private(set) var groups: [UInt64: [SpendRecord]] = [:]
    /// (time, nonce) in arrival order: the pruning queue. Entries of removed records stay until
    /// they reach the head; pruning skips them.
    private var expiry: [(at: Date, nonce: UInt64)] = []
    private var expiryHead = 0

    var isEmpty: Bool { groups.isEmpty }

    /// Adds a record.
    mutating func add(_ record: SpendRecord) {
        groups[record.nonce, default: []].append(record)
        expiry.append((record.at, record.nonce))
    }

    /// Adds a record read from the database unless an equal one is present, so loading the same
    /// rows twice changes nothing.
    mutating func merge(_ record: SpendRecord) {
        if groups[record.nonce]?.contains(record) == true { return }
        add(record)
    }

    /// Removes one record equal to `record` (a reservation that was declined).
    mutating func remove(_ record: SpendRecord) {
        guard var group = groups[record.nonce], let index = group.lastIndex(of: record) else { return }
        group.remove(at: index)
        groups[record.nonce] = group.isEmpty ? nil : group
    }

    /// Drops the nonce groups whose latest record is at or before `cutoff`.
    mutating func prune(through cutoff: Date) {
        while expiryHead < expiry.count, expiry[expiryHead].at <= cutoff {
            let nonce = expiry[expiryHead].nonce
            if let group = groups[nonce], group.allSatisfy({ $0.at <= cutoff }) {
                groups[nonce] = nil
            }
            expiryHead += 1
        }
        if expiryHead > 1024, expiryHead * 2 > expiry.count {
            expiry.removeFirst(expiryHead)
            expiryHead = 0
        }
    }

    /// One record per nonce whose latest record is after `start`: the latest time, the highest
    /// value and the highest fee exposure of the group. ``SpendTotals/aggregate(_:account:chainId:window:now:)``
    /// gives the same totals for these as for all the records.
    func condensed(after start: Date) -> [SpendRecord] {
        var out: [SpendRecord] = []
        out.reserveCapacity(groups.count)
        for group in groups.values {
            var condensed = group[0]
            for record in group.dropFirst() {
                condensed.at = max(condensed.at, record.at)
                condensed.value = max(condensed.value, record.value)
                condensed.feeExposure = max(condensed.feeExposure, record.feeExposure)
            }
            if condensed.at > start { out.append(condensed) }
        }
        return out
    }
}
