/// What one observation of the chain's head means.
public enum HeadEvent: Sendable, Hashable {
    /// The first head seen.
    case first(BlockHeader)
    /// The head moved forward on the chain we knew.
    case advanced(BlockHeader, skipped: UInt64)
    /// The head is on a different branch: blocks above `commonAncestor` left the canonical chain.
    case reorganised(BlockHeader, commonAncestor: UInt64?)
    /// Same head as before.
    case unchanged
}

/// Follows the chain head from polled headers: tells advances from reorganisations, and knows
/// when the head has stopped moving.
///
/// A value type with no I/O: the poller feeds it headers and times, tests feed it sequences.
/// Reorg detection compares parent hashes with the headers it remembers (`depth` of them); a
/// reorg deeper than that is reported with an unknown common ancestor. A head that jumped several
/// blocks has a parent we never saw: the poller reads the chain's block at our height
/// (``heightToCheck(before:)``) so that a fork below our head is still seen as a reorg.
public struct HeadTracker: Sendable {
    /// Heads older than this many blocks are forgotten.
    public let depth: Int
    /// The head is stalled when it has not changed for this long. Changing it (a config reload)
    /// keeps the head and the time it last moved.
    public var stallAfter: Duration

    private var recent: [UInt64: BlockHeader] = [:]
    public private(set) var head: BlockHeader?
    private var headSince: ContinuousClock.Instant?

    public init(depth: Int = 64, stallAfter: Duration) {
        self.depth = max(2, depth)
        self.stallAfter = stallAfter
    }

    /// For a head that jumped past the blocks we hold, the height whose canonical header tells
    /// an advance from a reorg: our head's. The caller reads the chain's block at that height
    /// and passes it to ``observe(_:at:canonicalAtCurrentHeight:)``. Nil when `header` alone
    /// says enough.
    public func heightToCheck(before header: BlockHeader) -> UInt64? {
        guard let current = head, header.hash != current.hash, header.number > current.number + 1,
            recent[header.number - 1] == nil
        else { return nil }
        return current.number
    }

    /// Records a polled head seen at `now`.
    ///
    /// - Parameter canonical: for a head that jumped past what we hold (see
    ///   ``heightToCheck(before:)``), the chain's block at our head's height: another hash than
    ///   our head's means the chain forked below it. Without it such a jump is taken for an
    ///   advance.
    public mutating func observe(
        _ header: BlockHeader, at now: ContinuousClock.Instant, canonicalAtCurrentHeight canonical: BlockHeader? = nil
    ) -> HeadEvent {
        guard let current = head else {
            remember(header, at: now)
            return .first(header)
        }
        if header.hash == current.hash { return .unchanged }
        let event: HeadEvent
        if let known = recent[header.number &- 1], header.number > 0, known.hash == header.parentHash, header.number > current.number {
            event = .advanced(header, skipped: header.number - current.number - 1)
        } else if header.number == current.number + 1 && header.parentHash == current.hash {
            event = .advanced(header, skipped: 0)
        } else if header.number > current.number + 1 && recent[header.number - 1] == nil {
            // A jump past what we hold: the chain's block at our height says whether our head is
            // still on it. Unknown (not given): trusted as an advance.
            if let canonical, canonical.number == current.number, canonical.hash != current.hash {
                event = .reorganised(header, commonAncestor: commonAncestor(below: canonical))
                for number in recent.keys where number >= canonical.number { recent[number] = nil }
                recent[canonical.number] = canonical
            } else {
                event = .advanced(header, skipped: header.number - current.number - 1)
            }
        } else {
            event = .reorganised(header, commonAncestor: commonAncestor(below: header))
            // Forget what we knew at and above the new head: those blocks left the chain.
            for number in recent.keys where number >= header.number { recent[number] = nil }
        }
        remember(header, at: now)
        return event
    }

    /// The highest remembered block that is an ancestor of `header` by the hashes we hold.
    private func commonAncestor(below header: BlockHeader) -> UInt64? {
        guard header.number > 0, let parent = recent[header.number - 1] else { return nil }
        return parent.hash == header.parentHash ? header.number - 1 : nil
    }

    private mutating func remember(_ header: BlockHeader, at now: ContinuousClock.Instant) {
        head = header
        headSince = now
        recent[header.number] = header
        if recent.count > depth {
            let floor = header.number >= UInt64(depth) ? header.number - UInt64(depth) : 0
            for number in recent.keys where number < floor { recent[number] = nil }
        }
    }

    /// How long the head has been unchanged at `now` (nil before the first head).
    public func headAge(at now: ContinuousClock.Instant) -> Duration? {
        headSince.map { now - $0 }
    }

    /// Whether the head has not moved for ``stallAfter``.
    public func isStalled(at now: ContinuousClock.Instant) -> Bool {
        headAge(at: now).map { $0 >= stallAfter } ?? false
    }

    /// The remembered header at `number`, if any (to check that a receipt's block is canonical).
    public func header(at number: UInt64) -> BlockHeader? { recent[number] }
}
