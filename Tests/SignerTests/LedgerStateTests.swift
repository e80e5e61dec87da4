import EVM
import Foundation
import Testing
@testable import Signer

/// The pure parts of the store, event by event: the group-commit state machine, the spend
/// groups, and check-and-reserve with a fake database.
@Suite struct LedgerStateTests {
    /// A database that holds what the test gives it and counts the look-ups.
    final class FakeBacking: LedgerBacking {
        var slots: [NonceSlotKey: [Transaction]] = [:]
        var stored: [SpendRecord] = []
        var slotReads = 0
        var spendReads = 0

        func signedTransactions(at key: NonceSlotKey) throws(SignerStoreError) -> [Transaction] {
            slotReads += 1
            return slots[key] ?? []
        }

        func spends(after start: Date) throws(SignerStoreError) -> [SpendRecord] {
            spendReads += 1
            return stored.filter { $0.at > start }
        }
    }

    let account = Address(word: 0xA11CE)
    let audit = LedgerFixture.audit(0)

    func request(_ nonce: UInt64, _ tx: Transaction? = nil, at seconds: Double = 0, lookback: Int64 = 3600) -> LedgerRequest {
        LedgerRequest(
            account: account, transaction: tx ?? LedgerFixture.transaction(nonce: nonce),
            now: LedgerFixture.start.addingTimeInterval(seconds), lookback: lookback)
    }

    // MARK: Group commit

    @Test func aLoneRecordWakesTheIdleCommitterAndCommitsAlone() {
        var commit = GroupCommit()
        let first = commit.append { $0.audits.append(AuditEntry(request: audit, decision: .refused)) }
        #expect(first.batch == 1 && first.wakeCommitter)
        let second = commit.append { $0.audits.append(AuditEntry(request: audit, decision: .refused)) }
        #expect(second.batch == 1 && !second.wakeCommitter, "the committer was already woken")
        let batch = commit.takeBatch()
        #expect(batch?.number == 1 && batch?.writes.audits.count == 2)
        #expect(commit.status(1) == .pending)
        // While batch 1 commits, new records gather in batch 2 and do not wake anyone.
        let third = commit.append { $0.audits.append(AuditEntry(request: audit, decision: .allowed)) }
        #expect(third.batch == 2 && !third.wakeCommitter)
        #expect(commit.takeBatch() == nil, "one batch at a time")
        commit.committed(1)
        #expect(commit.status(1) == .durable && commit.status(2) == .pending)
        #expect(commit.takeBatch()?.number == 2)
        commit.committed(2)
        #expect(commit.status(2) == .durable)
        #expect(commit.takeBatch() == nil, "nothing pending")
    }

    @Test func aFailedCommitFailsItsBatchAndEveryLaterOne() throws {
        var commit = GroupCommit()
        _ = commit.append { $0.audits.append(AuditEntry(request: audit, decision: .refused)) }
        let taken = commit.takeBatch()
        let batch = try #require(taken)
        _ = commit.append { $0.audits.append(AuditEntry(request: audit, decision: .refused)) }
        commit.failed(batch.number, SignerStoreError(.io, "disk full"))
        #expect(commit.status(1) == .failed(SignerStoreError(.io, "")))
        #expect(commit.status(2) == .failed(SignerStoreError(.io, "")))
        #expect(commit.takeBatch() == nil, "nothing commits after a failure")
    }

    // MARK: Spend groups

    @Test func pruningKeepsANonceWhileItsLatestRecordIsInTheWindow() {
        var spends = AccountSpends()
        let t0 = LedgerFixture.start
        // Nonce 1 at t0 with a high exposure, replaced at t0+50 with a lower one (smaller gas).
        spends.add(SpendRecord(account: account, chainId: 1, nonce: 1, at: t0, value: 0, feeExposure: 1000))
        spends.add(SpendRecord(account: account, chainId: 1, nonce: 2, at: t0.addingTimeInterval(10), value: 5, feeExposure: 10))
        spends.add(SpendRecord(account: account, chainId: 1, nonce: 1, at: t0.addingTimeInterval(50), value: 0, feeExposure: 200))
        spends.prune(through: t0.addingTimeInterval(20))
        let left = spends.condensed(after: .distantPast)
        #expect(left.count == 1)
        #expect(left.first?.nonce == 1 && left.first?.feeExposure == 1000, "the nonce counts at its highest exposure")
        spends.prune(through: t0.addingTimeInterval(50))
        #expect(spends.isEmpty)
    }

    @Test func condensedRecordsAggregateLikeAllRecords() throws {
        var spends = AccountSpends()
        var all: [SpendRecord] = []
        for i in 0..<40 {
            let record = SpendRecord(
                account: account, chainId: 1, nonce: UInt64(i % 7), at: LedgerFixture.start.addingTimeInterval(Double(i * 13 % 97)),
                value: U256(UInt64(i * 31 % 11)), feeExposure: U256(UInt64(i * 17 % 23)))
            spends.add(record)
            all.append(record)
        }
        let window = try #require(BudgetWindow("1m"))
        let now = LedgerFixture.start.addingTimeInterval(100)
        let expected = SpendTotals.aggregate(all, account: account, chainId: 1, window: window, now: now)
        let condensed = SpendTotals.aggregate(spends.condensed(after: .distantPast), account: account, chainId: 1, window: window, now: now)
        #expect(condensed == expected)
    }

    // MARK: Check and reserve

    @Test func aReservationCountsAgainstTheNextDecisionAndADeclineGivesItBack() throws {
        var state = LedgerState(retention: 3600, slotCapacity: 16)
        let backing = FakeBacking()
        var seen: [Int] = []
        let evaluate: (LedgerView) -> PolicyDecision = { view in
            seen.append(view.spends.count)
            return view.spends.count < 1 ? .allow(matched: "creation") : .refuse(rule: "budget.count.1h", reason: "full")
        }
        let first = try state.reserve(request(0), backing: backing, evaluate: evaluate)
        let second = try state.reserve(request(1), backing: backing, evaluate: evaluate)
        #expect(first.decision.isAllowed && !second.decision.isAllowed)
        _ = state.decline(first, audit: audit, rule: "internal", reason: "signing failed")
        let third = try state.reserve(request(2), backing: backing, evaluate: evaluate)
        #expect(third.decision.isAllowed, "the declined reservation no longer counts")
        #expect(seen == [0, 1, 0])
    }

    @Test func theStoreEnforcesTheNonceRuleEvenWhenEvaluateAllows() throws {
        var state = LedgerState(retention: 3600, slotCapacity: 16)
        let backing = FakeBacking()
        let first = try state.reserve(request(5), backing: backing) { _ in .allow(matched: "x") }
        #expect(first.decision.isAllowed && first.addedToSlot)
        let other = LedgerFixture.transaction(nonce: 5, data: [0x60, 0x01])
        let second = try state.reserve(request(5, other), backing: backing) { _ in .allow(matched: "x") }
        #expect(second.decision.refusingRule == PolicyRuleID.nonce)
        let again = try state.reserve(request(5), backing: backing) { _ in .allow(matched: "x") }
        #expect(again.decision.isAllowed && !again.addedToSlot, "re-signing the identical transaction adds nothing to the slot")
    }

    @Test func onlyANonceAtOrBelowTheHighestSignedIsLookedUp() throws {
        var state = LedgerState(retention: 3600, slotCapacity: 16)
        let backing = FakeBacking()
        let old = LedgerFixture.transaction(nonce: 3)
        backing.slots[NonceSlotKey(account: account, chainId: LedgerFixture.chainId, nonce: 3)] = [old]
        state.load(highestNonce: 3, for: AccountChain(account: account, chainId: LedgerFixture.chainId))

        let fresh = try state.reserve(request(4), backing: backing) { _ in .allow(matched: "x") }
        #expect(fresh.decision.isAllowed && backing.slotReads == 0, "a nonce above the highest signed needs no read")
        var seenAtNonce: [Transaction] = []
        let replay = try state.reserve(request(3, LedgerFixture.transaction(nonce: 3, data: [1])), backing: backing) { view in
            seenAtNonce = view.signedAtNonce
            return .allow(matched: "x")
        }
        #expect(backing.slotReads == 1 && seenAtNonce == [old])
        #expect(replay.decision.refusingRule == PolicyRuleID.nonce)
        _ = try state.reserve(request(3), backing: backing) { _ in .allow(matched: "x") }
        #expect(backing.slotReads == 1, "the slot is cached after the first read")
    }

    @Test func aLongerLookbackLoadsOlderSpendsOnce() throws {
        var state = LedgerState(retention: 60, slotCapacity: 16)
        let backing = FakeBacking()
        backing.stored = [SpendRecord(account: account, chainId: LedgerFixture.chainId, nonce: 9, at: LedgerFixture.start.addingTimeInterval(-600), value: 1, feeExposure: 1)]
        var counts: [Int] = []
        for _ in 0..<2 {
            _ = try state.reserve(request(10, lookback: 3600), backing: backing) { view in
                counts.append(view.spends.count)
                return .refuse(rule: "x", reason: "y")
            }
        }
        #expect(counts == [1, 1] && backing.spendReads == 1 && state.retention == 3600)
    }

    @Test func theRequestsACommitReleasedAreExpectedBack() throws {
        var state = LedgerState(retention: 3600, slotCapacity: 16)
        let backing = FakeBacking()
        for n in 0..<3 { _ = try state.record(AuditEntry(request: LedgerFixture.audit(n), decision: .allowed)) }
        let taken = state.commit.takeBatch()
        let batch = try #require(taken)
        state.committed(batch)
        #expect(state.returning == 3, "three requests were answered; under load they come back")
        _ = try state.reserve(request(0), backing: backing) { _ in .refuse(rule: "x", reason: "y") }
        _ = try state.record(AuditEntry(request: audit, decision: .allowed))
        #expect(state.returning == 1)
    }

    @Test func slotsWithRecordsNotYetDurableAreNeverEvicted() {
        var cache = SlotCache(capacity: 2)
        let keys = (0..<4).map { NonceSlotKey(account: account, chainId: 1, nonce: UInt64($0)) }
        cache.append(LedgerFixture.transaction(nonce: 0), at: keys[0])
        for key in keys.dropFirst() { cache.install(key, signed: []) }
        #expect(cache[keys[0]] != nil, "pinned")
        #expect(cache.entries.count == 2)
        cache.unpin(keys[0])
        cache.install(NonceSlotKey(account: account, chainId: 1, nonce: 9), signed: [])
        cache.install(NonceSlotKey(account: account, chainId: 1, nonce: 10), signed: [])
        #expect(cache[keys[0]] == nil, "evicted once durable")
    }
}
