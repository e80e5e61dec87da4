import EVM
import EVMTestKit
import Oracle
import Strategies
import Testing

@Suite struct EmissionAccrualTests {
    static func address(_ i: Int) -> Address {
        Address(word: U256(UInt64(0x1000 + i)))
    }

    @Test func accruedIsRateTimesWholeSeconds() {
        #expect(EmissionAccrual.accrued(rate: U256(7), accruedUntil: 100, until: 110) == U256(70))
        #expect(EmissionAccrual.accrued(rate: U256(7), accruedUntil: 110, until: 110) == .zero)
        #expect(EmissionAccrual.accrued(rate: U256(7), accruedUntil: 120, until: 110) == .zero)
        #expect(EmissionAccrual.accrued(rate: U256.max, accruedUntil: 0, until: 2) == nil)
    }

    @Test func dueRuleAndBatching() throws {
        let holders = (0..<7).map { EmissionAccrual.Holder(address: Self.address($0), accruedUntil: 1_000 - UInt64($0) * 10) }
        // rate 1 wei/s at t = 1000: accruals 0, 10, 20, ..., 60. Minimum 30, interval 55 s.
        let plan = try EmissionAccrual.plan(
            ratePerSecond: .one, holders: holders, blockTime: 1_000,
            policy: .init(minimumAmount: U256(30), interval: 55, maxBatchSize: 2))
        let minted = plan.batches.flatMap(\.holders)
        #expect(minted == [3, 4, 5, 6].map(Self.address))
        #expect(plan.batches.map(\.holders.count) == [2, 2])
        #expect(plan.batches.allSatisfy { $0.accruedUntil == 1_000 })
        #expect(plan.total == U256(30 + 40 + 50 + 60))
        #expect(plan.holders[1].carried == U256(10) && plan.holders[1].accruedUntil == 990)
        #expect(plan.holders[0].carried == .zero && plan.holders[0].minted == .zero)
        // The interval alone makes a small accrual due.
        let byInterval = try EmissionAccrual.plan(
            ratePerSecond: .one, holders: holders, blockTime: 1_000,
            policy: .init(minimumAmount: U256(1_000), interval: 50, maxBatchSize: 10))
        #expect(byInterval.batches.flatMap(\.holders) == [5, 6].map(Self.address))
        // A batch limit carries the rest.
        let limited = try EmissionAccrual.plan(
            ratePerSecond: .one, holders: holders, blockTime: 1_000,
            policy: .init(minimumAmount: U256(1), interval: 1, maxBatchSize: 2, maxBatches: 1))
        #expect(limited.batches.flatMap(\.holders) == [1, 2].map(Self.address))
        #expect(limited.holders[3].carried == U256(30) && limited.holders[3].minted == .zero)
        #expect(throws: EmissionAccrual.PlanError.invalidPolicy) {
            try EmissionAccrual.plan(ratePerSecond: .one, holders: holders, blockTime: 1, policy: .init(minimumAmount: .one, interval: 1, maxBatchSize: 0))
        }
        #expect(throws: EmissionAccrual.PlanError.duplicateHolder(Self.address(0))) {
            try EmissionAccrual.plan(ratePerSecond: .one, holders: [holders[0], holders[0]], blockTime: 1_000, policy: .init(minimumAmount: .one, interval: 1, maxBatchSize: 5))
        }
    }

    /// The chain of CredentialToken.vy, as the contract checks a mint.
    struct Chain {
        var accruedUntil: [Address: UInt64]
        var minted: [Address: U256] = [:]

        mutating func mint(_ batch: EmissionAccrual.Batch, rate: U256, now: UInt64) {
            precondition(batch.accruedUntil <= now, "accruedUntil in the future")
            for (holder, amount) in zip(batch.holders, batch.amounts) {
                let last = accruedUntil[holder]!
                precondition(batch.accruedUntil > last, "accruedUntil overlaps the last mint")
                precondition(amount <= rate * U256(batch.accruedUntil - last), "amount exceeds accrued emissions")
                accruedUntil[holder] = batch.accruedUntil
                minted[holder, default: .zero] += amount
            }
        }
    }

    /// Many ticks at irregular times, small batches and a batch limit, some transactions lost
    /// (never mined) and some mined late: at every tick, for every holder,
    /// minted + carried == rate * (t - since), and the contract accepts every mint.
    @Test func remainderIsCarriedExactlyOverManyBatches() throws {
        var rng = SeededGenerator(seed: 8)
        let rate = U256(1_234_567_891)
        let since: [UInt64] = (0..<40).map { _ in UInt64.random(in: 1_000...5_000, using: &rng) }
        var chain = Chain(accruedUntil: Dictionary(uniqueKeysWithValues: since.enumerated().map { (Self.address($0), $1) }))
        let policy = EmissionAccrual.Policy(minimumAmount: rate * U256(900), interval: 3_600, maxBatchSize: 3, maxBatches: 4)
        var now: UInt64 = 6_000
        var batchesMined = 0
        for _ in 0..<600 {
            now += UInt64.random(in: 1...400, using: &rng)
            let holders = since.indices.map { EmissionAccrual.Holder(address: Self.address($0), accruedUntil: chain.accruedUntil[Self.address($0)]!) }
            let plan = try EmissionAccrual.plan(ratePerSecond: rate, holders: holders, blockTime: now, policy: policy)
            for (i, carry) in plan.holders.enumerated() {
                let a = Self.address(i)
                let expected = rate * U256(now - since[i])
                #expect(chain.minted[a, default: .zero] + carry.minted + carry.carried == expected)
            }
            #expect(plan.batches.allSatisfy { $0.holders.count <= 3 })
            #expect(plan.batches.count <= 4)
            let inclusion = now + UInt64.random(in: 0...30, using: &rng)
            for batch in plan.batches where Int.random(in: 0..<10, using: &rng) != 0 {  // 1 in 10 lost
                chain.mint(batch, rate: rate, now: inclusion)
                batchesMined += 1
            }
        }
        for i in since.indices {
            let a = Self.address(i)
            let outstanding = rate * U256(now - chain.accruedUntil[a]!)
            #expect(chain.minted[a, default: .zero] + outstanding == rate * U256(now - since[i]))
        }
        #expect(batchesMined > 500)
    }
}
