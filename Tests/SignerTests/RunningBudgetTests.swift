import EVM
import Foundation
import Testing
@testable import Signer

/// The budgets' running totals per window (``AccountSpends``) against the plain aggregation of
/// the records (``SpendTotals/aggregate(_:account:chainId:window:now:)``): event by event, over
/// long random sequences of spends, replacements, declines, pruning and windows that move.
@Suite struct RunningBudgetTests {
    let account = Address(word: 0xB0B)
    let chainId: UInt64 = 1

    /// The records the running totals must agree with: added, removed and pruned by the same rules.
    struct Reference {
        var records: [SpendRecord] = []

        mutating func prune(through cutoff: Date) {
            let latest = Dictionary(grouping: records, by: \.nonce).mapValues { $0.map(\.at).max()! }
            records.removeAll { latest[$0.nonce]! <= cutoff }
        }

        /// What the store has always handed the budgets (``LedgerView/spends``): one record per
        /// nonce whose latest record is after `start`, at its highest value and fee exposure. A
        /// nonce that left the window counts again, with a new record, at that record's amounts.
        func condensed(after start: Date) -> [SpendRecord] {
            Dictionary(grouping: records, by: \.nonce).values.compactMap { group in
                guard var record = group.first, let latest = group.map(\.at).max(), latest > start else { return nil }
                record.at = latest
                record.value = group.map(\.value).max()!
                record.feeExposure = group.map(\.feeExposure).max()!
                return record
            }
        }
    }

    func amount(_ generator: inout SeededGenerator, huge: Bool) -> U256 {
        // Now and then amounts near 2^256, so that sums wrap and must still subtract exactly.
        huge && generator.below(4) == 0 ? U256.max - U256(generator.below(1000)) : U256(generator.below(1_000_000))
    }

    @Test(arguments: [(seed: UInt64(1), huge: false), (seed: 2, huge: false), (seed: 3, huge: true), (seed: 4, huge: true)])
    func runningTotalsEqualTheAggregationOfTheRecords(seed: UInt64, huge: Bool) throws {
        var generator = SeededGenerator(seed: seed)
        var spends = AccountSpends()
        var reference = Reference()
        let windows: [Int64] = [30, 300, 3600]
        var now = LedgerFixture.start
        var nextNonce: UInt64 = 0
        for step in 0..<3000 {
            // Time moves on by 0 to 20 s (0 often: several records at one instant).
            now = now.addingTimeInterval(Double(generator.below(3) == 0 ? 0 : generator.below(20)))
            switch generator.below(10) {
            case 0..<6:
                // A new nonce, or (one in four) another record for a recent one: a replacement.
                let nonce = nextNonce > 0 && generator.below(4) == 0 ? nextNonce - 1 - generator.below(min(nextNonce, 50)) : nextNonce
                if nonce == nextNonce { nextNonce += 1 }
                let record = SpendRecord(
                    account: account, chainId: chainId, nonce: nonce, at: now,
                    value: amount(&generator, huge: huge), feeExposure: amount(&generator, huge: huge))
                spends.add(record)
                reference.records.append(record)
            case 6:
                // A declined reservation: one of the last records goes.
                if let record = reference.records.suffix(20).randomElement(using: &generator) {
                    spends.remove(record)
                    reference.records.remove(at: reference.records.lastIndex(of: record)!)
                }
            case 7:
                let cutoff = now.addingTimeInterval(-Double(windows.max()! + Int64(generator.below(100))))
                spends.prune(through: cutoff)
                reference.prune(through: cutoff)
            default:
                break
            }
            spends.prepare(windows: windows, now: now)
            // The check a request makes: its own spend added, for a new nonce or a live one.
            let nonce = nextNonce > 0 && generator.below(2) == 0 ? nextNonce - 1 - generator.below(min(nextNonce, 30)) : nextNonce
            let request = SpendRecord(
                account: account, chainId: chainId, nonce: nonce, at: now,
                value: amount(&generator, huge: huge), feeExposure: amount(&generator, huge: huge))
            for seconds in windows {
                let window = BudgetWindow(seconds: seconds)
                let start = now.addingTimeInterval(-Double(seconds))
                let expected = SpendTotals.aggregate(
                    reference.condensed(after: start) + [request], account: account, chainId: chainId, window: window, now: now)
                let running = try #require(spends.totals(window: seconds, adding: request, now: now))
                #expect(running == expected, "seed \(seed), step \(step), window \(window)")
                if running != expected { return }
            }
        }
    }

    @Test func aWindowNotPreparedForThisTimeAnswersNil() {
        var spends = AccountSpends()
        let record = SpendRecord(account: account, chainId: chainId, nonce: 0, at: LedgerFixture.start, value: 1, feeExposure: 1)
        spends.add(record)
        #expect(spends.totals(window: 60, adding: record, now: LedgerFixture.start) == nil, "never prepared")
        spends.prepare(windows: [60], now: LedgerFixture.start)
        #expect(spends.totals(window: 60, adding: record, now: LedgerFixture.start) != nil)
        #expect(spends.totals(window: 60, adding: record, now: LedgerFixture.start.addingTimeInterval(1)) == nil, "prepared for another time")
    }

    @Test func aWindowWhoseStartMovesBackIsRebuilt() throws {
        var spends = AccountSpends()
        let t0 = LedgerFixture.start
        spends.add(SpendRecord(account: account, chainId: chainId, nonce: 0, at: t0, value: 5, feeExposure: 7))
        func probe(at seconds: Double) -> SpendRecord {
            SpendRecord(account: account, chainId: chainId, nonce: 1, at: t0.addingTimeInterval(seconds), value: 0, feeExposure: 0)
        }
        spends.prepare(windows: [60], now: t0.addingTimeInterval(120))
        #expect(spends.totals(window: 60, adding: probe(at: 120), now: t0.addingTimeInterval(120))?.count == 1, "nonce 0 left the window")
        spends.prepare(windows: [60], now: t0.addingTimeInterval(30))
        let totals = try #require(spends.totals(window: 60, adding: probe(at: 30), now: t0.addingTimeInterval(30)))
        #expect(totals == SpendTotals(value: 5, fee: 7, count: 2), "back in the window at the earlier time")
    }

    @Test func wideSumsSubtractExactlyAfterPassingTwoToThe256() {
        var sum = WideSum()
        sum.add(.max)
        sum.add(5)
        #expect(sum.saturated == .max)
        sum.subtract(.max)
        #expect(sum.saturated == 5)
        sum.subtract(5)
        #expect(sum.saturated == .zero)
    }

    // MARK: Through the ledger state

    @Test func theStoreDecidesWithRunningTotalsAsWithTheRecords() throws {
        var state = LedgerState(retention: 3600, slotCapacity: 64)
        let backing = LedgerStateTests.FakeBacking()
        let windows: [BudgetWindow] = [BudgetWindow(seconds: 60), BudgetWindow(seconds: 3600)]
        var generator = SeededGenerator(seed: 9)
        var tickets: [ReservationTicket] = []
        for n in 0..<400 {
            let at = LedgerFixture.start.addingTimeInterval(Double(n) * 2.5)
            // Every fifth request replaces the previous nonce with fees 20% higher.
            let nonce = UInt64(n - n / 5)
            let bump = n % 5 == 4 ? U256(12) : U256(10)
            let tx = LedgerFixture.transaction(nonce: nonce, maxFee: bump * 1_000_000_000, tip: bump * 100_000_000)
            let request = LedgerRequest(account: account, transaction: tx, now: at, lookback: 3600, budgetWindows: windows.map(\.seconds))
            let ticket = try state.reserve(request, backing: backing) { view in
                let record = SpendRecord(account: account, transaction: tx, at: view.now)
                for window in windows {
                    let running = view.totals(in: window, with: record, now: view.now)
                    let aggregated = SpendList(view.spends).totals(in: window, with: record, now: view.now)
                    #expect(running == aggregated, "request \(n), window \(window)")
                }
                return .allow(matched: "x")
            }
            tickets.append(ticket)
            // One in six is declined again (signing failed): its spend is taken back.
            if generator.below(6) == 0, let last = tickets.popLast() {
                _ = state.decline(last, audit: LedgerFixture.audit(n), rule: "signing", reason: "failed")
            }
        }
    }

    @Test func aDecisionIsNeverTakenEarlierThanASpendAlreadyRecorded() throws {
        var state = LedgerState(retention: 3600, slotCapacity: 16)
        let backing = LedgerStateTests.FakeBacking()
        let later = LedgerFixture.start.addingTimeInterval(10)
        let first = try state.reserve(
            LedgerRequest(account: account, transaction: LedgerFixture.transaction(nonce: 0), now: later, lookback: 60, budgetWindows: [60]),
            backing: backing) { _ in .allow(matched: "x") }
        var decidedAt: Date?
        // A thread that read the clock earlier gets the lock second: decided (and recorded) at the later time.
        let second = try state.reserve(
            LedgerRequest(account: account, transaction: LedgerFixture.transaction(nonce: 1), now: LedgerFixture.start, lookback: 60, budgetWindows: [60]),
            backing: backing) { view in
                decidedAt = view.now
                return .allow(matched: "x")
            }
        #expect(decidedAt == LedgerTime.rounded(later))
        #expect(first.spend?.at == LedgerTime.rounded(later) && second.spend?.at == LedgerTime.rounded(later))
    }
}

extension SeededGenerator {
    /// A number below `n` (with SplitMix64's negligible bias).
    mutating func below(_ n: UInt64) -> UInt64 { next() % n }
}
