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
///
/// The time index (`timeline`) is kept sorted by time, so reading the groups of the last `w`
/// seconds costs what is in those `w` seconds, not everything retained. Records arrive almost in
/// time order (threads take the time just before the lock), so the sorted insert is nearly always
/// an append.
struct AccountSpends {
    /// Per nonce, the records signed for it (one, or more after replacements or re-signing).
    private(set) var groups: [UInt64: [SpendRecord]] = [:]
    /// (time, nonce) sorted by time, from `timelineHead` on: the pruning queue and the index of
    /// recent groups. Entries of removed records stay until pruned; readers re-check the group.
    private var timeline: [(at: Date, nonce: UInt64)] = []
    private var timelineHead = 0

    var isEmpty: Bool { groups.isEmpty }

    /// Adds a record.
    mutating func add(_ record: SpendRecord) {
        groups[record.nonce, default: []].append(record)
        timeline.append((record.at, record.nonce))
        var i = timeline.count - 1
        while i > timelineHead, timeline[i - 1].at > record.at {
            timeline.swapAt(i - 1, i)
            i -= 1
        }
    }

    /// Adds records read from the database, skipping those already present, so loading the same
    /// rows twice changes nothing. Sorts the time index once at the end.
    mutating func merge(_ records: some Sequence<SpendRecord>) {
        for record in records where groups[record.nonce]?.contains(record) != true {
            groups[record.nonce, default: []].append(record)
            timeline.append((record.at, record.nonce))
        }
        timeline[timelineHead...].sort { $0.at < $1.at }
    }

    /// Removes one record equal to `record` (a reservation that was declined).
    mutating func remove(_ record: SpendRecord) {
        guard var group = groups[record.nonce], let index = group.lastIndex(of: record) else { return }
        group.remove(at: index)
        groups[record.nonce] = group.isEmpty ? nil : group
    }

    /// Drops the nonce groups whose latest record is at or before `cutoff`.
    mutating func prune(through cutoff: Date) {
        while timelineHead < timeline.count, timeline[timelineHead].at <= cutoff {
            let nonce = timeline[timelineHead].nonce
            if let group = groups[nonce], group.allSatisfy({ $0.at <= cutoff }) {
                groups[nonce] = nil
            }
            timelineHead += 1
        }
        if timelineHead > 1024, timelineHead * 2 > timeline.count {
            timeline.removeFirst(timelineHead)
            timelineHead = 0
        }
    }

    /// One record per nonce whose latest record is after `start`: the latest time, the highest
    /// value and the highest fee exposure of the group. ``SpendTotals/aggregate(_:account:chainId:window:now:)``
    /// gives the same totals for these as for all the records.
    func condensed(after start: Date) -> [SpendRecord] {
        var recent = Set<UInt64>()
        var i = timeline.count - 1
        while i >= timelineHead, timeline[i].at > start {
            recent.insert(timeline[i].nonce)
            i -= 1
        }
        var out: [SpendRecord] = []
        out.reserveCapacity(recent.count)
        for nonce in recent {
            guard let group = groups[nonce], !group.isEmpty else { continue }
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
