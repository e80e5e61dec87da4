import Oracle
import Testing

@Suite struct HeadTrackerTests {
    /// A header whose hash encodes (number, branch) so forks are easy to write.
    static func block(_ number: UInt64, branch: UInt8 = 0, parentBranch: UInt8? = nil) -> BlockHeader {
        func hash(_ n: UInt64, _ b: UInt8) -> [UInt8] { [b] + (0..<8).map { UInt8(truncatingIfNeeded: n >> ($0 * 8)) } }
        return BlockHeader(
            number: number, hash: hash(number, branch),
            parentHash: number == 0 ? [] : hash(number - 1, parentBranch ?? branch),
            timestamp: 1_700_000_000 + number * 2, baseFeePerGas: nil, gasLimit: 30_000_000, gasUsed: 0)
    }

    let t0 = ContinuousClock.now

    @Test func advancesUnchangedAndSkips() {
        var tracker = HeadTracker(stallAfter: .seconds(10))
        #expect(tracker.observe(Self.block(10), at: t0) == .first(Self.block(10)))
        #expect(tracker.observe(Self.block(10), at: t0 + .seconds(1)) == .unchanged)
        #expect(tracker.observe(Self.block(11), at: t0 + .seconds(2)) == .advanced(Self.block(11), skipped: 0))
        #expect(tracker.observe(Self.block(14), at: t0 + .seconds(3)) == .advanced(Self.block(14), skipped: 2))
    }

    @Test func detectsReorgAndItsCommonAncestor() {
        var tracker = HeadTracker(stallAfter: .seconds(10))
        for n: UInt64 in 10...12 { _ = tracker.observe(Self.block(n), at: t0) }
        // Block 12 replaced by a sibling on branch 1 whose parent is our 11.
        let sibling = Self.block(12, branch: 1, parentBranch: 0)
        #expect(tracker.observe(sibling, at: t0) == .reorganised(sibling, commonAncestor: 11))
        #expect(tracker.header(at: 12) == sibling)
        // The new branch goes on and is followed as an advance.
        #expect(tracker.observe(Self.block(13, branch: 1), at: t0) == .advanced(Self.block(13, branch: 1), skipped: 0))
    }

    @Test func deepReorgHasUnknownAncestor() {
        var tracker = HeadTracker(stallAfter: .seconds(10))
        for n: UInt64 in 10...12 { _ = tracker.observe(Self.block(n), at: t0) }
        let other = Self.block(12, branch: 2)  // parent is block 11 of branch 2, which we never saw
        #expect(tracker.observe(other, at: t0) == .reorganised(other, commonAncestor: nil))
    }

    /// The chain forked below our head (at 11) and the new branch is already three blocks
    /// higher: the new head's parent is nothing we hold, so only the canonical block at our
    /// height tells a reorg from an advance.
    @Test func aJumpOntoAnotherBranchIsAReorg() {
        var tracker = HeadTracker(stallAfter: .seconds(10))
        for n: UInt64 in 10...12 { _ = tracker.observe(Self.block(n), at: t0) }
        let newHead = Self.block(15, branch: 1)
        #expect(tracker.heightToCheck(before: newHead) == 12)
        let canonical12 = Self.block(12, branch: 1, parentBranch: 0)  // its parent is our 11
        #expect(tracker.observe(newHead, at: t0, canonicalAtCurrentHeight: canonical12) == .reorganised(newHead, commonAncestor: 11))
        #expect(tracker.header(at: 12) == canonical12)
        #expect(tracker.head == newHead)
        // Deeper than what we hold below: the ancestor is unknown, still a reorg.
        var deep = HeadTracker(stallAfter: .seconds(10))
        for n: UInt64 in 10...12 { _ = deep.observe(Self.block(n), at: t0) }
        #expect(deep.observe(newHead, at: t0, canonicalAtCurrentHeight: Self.block(12, branch: 2)) == .reorganised(newHead, commonAncestor: nil))
    }

    @Test func aJumpOnTheSameBranchIsAnAdvance() {
        var tracker = HeadTracker(stallAfter: .seconds(10))
        for n: UInt64 in 10...12 { _ = tracker.observe(Self.block(n), at: t0) }
        #expect(tracker.heightToCheck(before: Self.block(13)) == nil)  // its parent is our 12: no check needed
        #expect(tracker.heightToCheck(before: Self.block(15)) == 12)
        #expect(tracker.observe(Self.block(15), at: t0, canonicalAtCurrentHeight: Self.block(12)) == .advanced(Self.block(15), skipped: 2))
        // Without the canonical block (it could not be read) a jump is taken for an advance.
        #expect(tracker.observe(Self.block(18, branch: 3), at: t0) == .advanced(Self.block(18, branch: 3), skipped: 2))
    }

    @Test func stallIsMeasuredFromTheLastChange() {
        var tracker = HeadTracker(stallAfter: .seconds(10))
        #expect(!tracker.isStalled(at: t0))
        _ = tracker.observe(Self.block(1), at: t0)
        _ = tracker.observe(Self.block(1), at: t0 + .seconds(9))
        #expect(!tracker.isStalled(at: t0 + .seconds(9)))
        #expect(tracker.isStalled(at: t0 + .seconds(10)))
        _ = tracker.observe(Self.block(2), at: t0 + .seconds(11))
        #expect(!tracker.isStalled(at: t0 + .seconds(20)))
        #expect(tracker.headAge(at: t0 + .seconds(20)) == .seconds(9))
    }

    @Test func forgetsBeyondItsDepth() {
        var tracker = HeadTracker(depth: 4, stallAfter: .seconds(10))
        for n in 0...20 { _ = tracker.observe(Self.block(UInt64(n)), at: t0) }
        #expect(tracker.header(at: 20) != nil)
        #expect(tracker.header(at: 10) == nil)
    }
}
