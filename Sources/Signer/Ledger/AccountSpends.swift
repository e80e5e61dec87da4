import EVM
import Foundation

/// One account on one chain: the key of budgets and of the spend records kept in memory.
struct AccountChain: Hashable, Sendable {
    var account: Address
    var chainId: UInt64
}

/// The spend records of one account on one chain that the budgets can still see, grouped by
/// nonce, with running totals per budget window. Pure value type; ``LedgerState`` keeps one per
/// ``AccountChain``.
///
/// A nonce group lives until its latest record leaves the retention window: pruning removes whole
/// groups only, because a replacement may carry a lower fee exposure (a lower gas limit) than the
/// record it replaced, and the budgets count a nonce at its highest.
///
/// The time index (`timeline`) is kept sorted by time: it is the pruning queue, and each running
/// window (``RunningWindow``) walks it with a cursor to find the groups that left the window.
/// Records arrive almost in time order, so the sorted insert is nearly always an append.
///
/// ## Running windows
/// A budget check needs, per window, the totals of the groups whose latest record is inside it
/// (``SpendTotals/aggregate(_:account:chainId:window:now:)``). Rescanning the records for that
/// costs what the window holds, per request: at thousands of signatures a second and a day-long
/// window, that is the signer's whole budget. So each window length asked for
/// (``prepare(windows:now:)``) keeps running totals: a record added or removed updates them
/// from its group's summary, and moving the window's start walks the timeline past the groups
/// that left it; both cost O(1) amortised per record. Each group remembers, one bit per window,
/// whether the window counts it, so no group is ever added or subtracted twice. Sums are kept
/// exact past 2^256 (``WideSum``) and saturate only when read, as the aggregation does.
///
/// A window's start only moves forward (``LedgerState`` decides at a time that never goes
/// backwards for an account); if it did move back, the window is rebuilt from the records.
struct AccountSpends {
    /// One nonce's records, and what the budgets count of them.
    struct Group {
        var records: [SpendRecord] = []
        /// The latest time, the highest value and the highest fee exposure of the records.
        var latest: Date = .distantPast
        var value: U256 = .zero
        var fee: U256 = .zero
        /// Bit `i` set: running window `i` counts this group.
        var counted: UInt64 = 0

        mutating func summarise() {
            latest = records.map(\.at).max() ?? .distantPast
            value = records.map(\.value).max() ?? .zero
            fee = records.map(\.feeExposure).max() ?? .zero
        }
    }

    /// Running totals of the groups whose latest record is after `start`.
    struct RunningWindow {
        var seconds: Int64
        var start: Date
        /// Timeline entries before this index are at or before `start`.
        var cursor: Int
        var value = WideSum()
        var fee = WideSum()
        var count = 0

        mutating func add(_ group: Group) {
            value.add(group.value)
            fee.add(group.fee)
            count += 1
        }

        mutating func subtract(_ group: Group) {
            value.subtract(group.value)
            fee.subtract(group.fee)
            count -= 1
        }
    }

    /// Per nonce, the records signed for it (one, or more after replacements or re-signing).
    private(set) var groups: [UInt64: Group] = [:]
    /// (time, nonce) sorted by time, from `timelineHead` on: the pruning queue and the index the
    /// running windows walk. Entries of removed records stay until pruned; readers re-check the
    /// group.
    private var timeline: [(at: Date, nonce: UInt64)] = []
    private var timelineHead = 0
    /// At most ``maximumWindows`` (a bit each in ``Group/counted``).
    private(set) var windows: [RunningWindow] = []
    /// The latest record time ever added: decisions for this account are never taken earlier.
    private(set) var clock: Date = .distantPast

    static let maximumWindows = 64

    var isEmpty: Bool { groups.isEmpty }

    /// Adds a record.
    mutating func add(_ record: SpendRecord) {
        clock = max(clock, record.at)
        let old = groups[record.nonce]
        var group = old ?? Group()
        group.records.append(record)
        group.latest = max(group.latest, record.at)
        group.value = max(group.value, record.value)
        group.fee = max(group.fee, record.feeExposure)
        recount(&group, was: old)
        groups[record.nonce] = group

        timeline.append((record.at, record.nonce))
        var i = timeline.count - 1
        while i > timelineHead, timeline[i - 1].at > record.at {
            timeline.swapAt(i - 1, i)
            i -= 1
        }
        // An entry inserted before a window's cursor is at or before its start: keep it behind.
        for w in windows.indices where i < windows[w].cursor { windows[w].cursor += 1 }
    }

    /// Adds records read from the database, skipping those already present, so loading the same
    /// rows twice changes nothing. Sorts the time index once at the end, and rebuilds the running
    /// windows (older records may have arrived).
    mutating func merge(_ records: some Sequence<SpendRecord>) {
        for record in records where groups[record.nonce]?.records.contains(record) != true {
            groups[record.nonce, default: Group()].records.append(record)
            timeline.append((record.at, record.nonce))
            clock = max(clock, record.at)
        }
        for nonce in Array(groups.keys) { groups[nonce]?.summarise() }
        timeline[timelineHead...].sort { $0.at < $1.at }
        rebuildWindows()
    }

    /// Removes one record equal to `record` (a reservation that was declined).
    mutating func remove(_ record: SpendRecord) {
        guard let old = groups[record.nonce], let index = old.records.lastIndex(of: record) else { return }
        var group = old
        group.records.remove(at: index)
        if group.records.isEmpty {
            for w in windows.indices where old.counted & (1 << w) != 0 { windows[w].subtract(old) }
            groups[record.nonce] = nil
            return
        }
        group.summarise()
        recount(&group, was: old)
        groups[record.nonce] = group
    }

    /// Drops the nonce groups whose latest record is at or before `cutoff`.
    mutating func prune(through cutoff: Date) {
        while timelineHead < timeline.count, timeline[timelineHead].at <= cutoff {
            let nonce = timeline[timelineHead].nonce
            if let group = groups[nonce], group.latest <= cutoff {
                for w in windows.indices where group.counted & (1 << w) != 0 { windows[w].subtract(group) }
                groups[nonce] = nil
            }
            timelineHead += 1
        }
        // Entries behind the head belong to pruned groups or are stale: no window needs them.
        for w in windows.indices where windows[w].cursor < timelineHead { windows[w].cursor = timelineHead }
        if timelineHead > 1024, timelineHead * 2 > timeline.count {
            timeline.removeFirst(timelineHead)
            for w in windows.indices { windows[w].cursor -= timelineHead }
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
            guard let group = groups[nonce], var condensed = group.records.first else { continue }
            condensed.at = group.latest
            condensed.value = group.value
            condensed.feeExposure = group.fee
            if condensed.at > start { out.append(condensed) }
        }
        return out
    }

    // MARK: Running windows

    /// Makes running totals ready for each window length in `windows` (seconds), ending at `now`:
    /// creates those not kept yet (one pass over the records), then moves each start to
    /// `now - seconds`. Lengths beyond ``maximumWindows`` are not kept (``totals(window:adding:now:)``
    /// answers nil for them).
    mutating func prepare(windows lengths: [Int64], now: Date) {
        for seconds in lengths {
            let start = now.addingTimeInterval(-Double(seconds))
            if let w = windows.firstIndex(where: { $0.seconds == seconds }) {
                advance(w, to: start)
            } else if windows.count < Self.maximumWindows {
                windows.append(RunningWindow(seconds: seconds, start: start, cursor: timelineHead))
                rebuild(windows.count - 1)
            }
        }
    }

    /// The totals ``SpendTotals/aggregate(_:account:chainId:window:now:)`` gives for the records
    /// of the window of `seconds` ending at `now` and `record` (a new spend at `now`): O(1).
    /// Nil when that window was not prepared for `now` (the caller aggregates the records then).
    func totals(window seconds: Int64, adding record: SpendRecord, now: Date) -> SpendTotals? {
        let start = now.addingTimeInterval(-Double(seconds))
        guard let w = windows.firstIndex(where: { $0.seconds == seconds }), windows[w].start == start else { return nil }
        let window = windows[w]
        var value = window.value
        var fee = window.fee
        var count = window.count
        if let group = groups[record.nonce], group.counted & (1 << w) != 0 {
            value.subtract(group.value)
            fee.subtract(group.fee)
            value.add(max(group.value, record.value))
            fee.add(max(group.fee, record.feeExposure))
        } else if record.at > start {
            value.add(record.value)
            fee.add(record.feeExposure)
            count += 1
        }
        return SpendTotals(value: value.saturated, fee: fee.saturated, count: count)
    }

    /// Moves window `w`'s start to `start`: the groups whose latest record it passes leave.
    private mutating func advance(_ w: Int, to start: Date) {
        guard start >= windows[w].start else {
            windows[w].start = start
            rebuild(w)
            return
        }
        windows[w].start = start
        let bit: UInt64 = 1 << w
        var cursor = max(windows[w].cursor, timelineHead)
        while cursor < timeline.count, timeline[cursor].at <= start {
            let nonce = timeline[cursor].nonce
            if let group = groups[nonce], group.counted & bit != 0, group.latest <= start {
                windows[w].subtract(group)
                groups[nonce]?.counted &= ~bit
            }
            cursor += 1
        }
        windows[w].cursor = cursor
    }

    /// Recounts window `w` from the records, at its start.
    private mutating func rebuild(_ w: Int) {
        let bit: UInt64 = 1 << w
        let start = windows[w].start
        windows[w] = RunningWindow(seconds: windows[w].seconds, start: start, cursor: timelineHead)
        for nonce in Array(groups.keys) {
            guard var group = groups[nonce] else { continue }
            if group.latest > start {
                windows[w].add(group)
                group.counted |= bit
            } else {
                group.counted &= ~bit
            }
            groups[nonce] = group
        }
        var cursor = timelineHead
        while cursor < timeline.count, timeline[cursor].at <= start { cursor += 1 }
        windows[w].cursor = cursor
    }

    private mutating func rebuildWindows() {
        for w in windows.indices { rebuild(w) }
    }

    /// Updates the windows for a group whose summary changed from `old` (nil: a new group).
    private mutating func recount(_ group: inout Group, was old: Group?) {
        for w in windows.indices {
            let bit: UInt64 = 1 << w
            if let old, old.counted & bit != 0 { windows[w].subtract(old) }
            if group.latest > windows[w].start {
                windows[w].add(group)
                group.counted |= bit
            } else {
                group.counted &= ~bit
            }
        }
    }
}

/// A sum of U256 amounts that stays exact past 2^256 (it counts the carries), so that amounts
/// can be subtracted again; read saturated, as the budgets' aggregation adds.
struct WideSum: Hashable {
    private(set) var low: U256 = .zero
    private(set) var carries = 0

    mutating func add(_ amount: U256) {
        let (sum, overflow) = low.addingReportingOverflow(amount)
        low = sum
        if overflow { carries += 1 }
    }

    mutating func subtract(_ amount: U256) {
        let (difference, borrow) = low.subtractingReportingOverflow(amount)
        low = difference
        if borrow { carries -= 1 }
    }

    /// The sum, or 2^256 - 1 when it is larger.
    var saturated: U256 { carries > 0 ? .max : low }
}
