import EVM
import Keeper
import Oracle
import Testing

@Suite struct FeePolicyTests {
    static let gwei = U256(1_000_000_000)
    let policy = FeePolicy(maxFeePerGasCap: U256(100) * gwei, minPriorityFee: gwei / 10)

    static func history(base: [U256], tips: [U256]) -> FeeHistory {
        FeeHistory(oldestBlock: 1, baseFeePerGas: base, gasUsedRatio: tips.map { _ in 0.5 }, reward: tips.map { [$0] })
    }

    @Test func initialFeesUseMedianTipAndTwiceNextBase() throws {
        let h = Self.history(base: [10 * Self.gwei, 11 * Self.gwei, 12 * Self.gwei], tips: [1 * Self.gwei, 3 * Self.gwei])
        let fees = try #require(policy.initialFees(from: h))
        #expect(fees.maxPriorityFeePerGas == 3 * Self.gwei)
        #expect(fees.maxFeePerGas == 24 * Self.gwei + 3 * Self.gwei)
    }

    @Test func initialFeesAreCappedAndRefusedAboveCap() throws {
        let capped = try #require(policy.initialFees(from: Self.history(base: [60 * Self.gwei], tips: [])))
        #expect(capped.maxFeePerGas == 100 * Self.gwei)
        #expect(capped.maxPriorityFeePerGas == Self.gwei / 10)
        #expect(policy.initialFees(from: Self.history(base: [101 * Self.gwei], tips: [])) == nil)
    }

    @Test func bumpRaisesBothByAtLeastTwelveAndAHalfPercent() throws {
        let old = Fees(maxFeePerGas: 20 * Self.gwei, maxPriorityFeePerGas: 2 * Self.gwei)
        guard case .replace(let new) = policy.bumped(old, currentBaseFee: 5 * Self.gwei) else {
            Issue.record("expected a replacement")
            return
        }
        #expect(new.maxFeePerGas == U256(22_500_000_000))
        #expect(new.maxPriorityFeePerGas == U256(2_250_000_000))
        #expect(FeePolicy.isValidReplacement(new, of: old))
    }

    @Test func bumpCoversARisenBaseFee() throws {
        let old = Fees(maxFeePerGas: 20 * Self.gwei, maxPriorityFeePerGas: 2 * Self.gwei)
        guard case .replace(let new) = policy.bumped(old, currentBaseFee: 30 * Self.gwei) else {
            Issue.record("expected a replacement")
            return
        }
        #expect(new.maxFeePerGas == 60 * Self.gwei + U256(2_250_000_000))
    }

    @Test(arguments: [U256(95), U256(91)])
    func bumpStopsAtTheCap(oldMaxFeeGwei: U256) {
        let old = Fees(maxFeePerGas: oldMaxFeeGwei * Self.gwei, maxPriorityFeePerGas: 2 * Self.gwei)
        #expect(policy.bumped(old, currentBaseFee: nil) == .atCap)
    }

    @Test func tinyFeesStillRiseByAtLeastOneWei() {
        // A zero tip rises to one wei; a one-wei fee cap to two (12.5% rounded up).
        let old = Fees(maxFeePerGas: 1, maxPriorityFeePerGas: 0)
        #expect(policy.bumped(old, currentBaseFee: nil) == .replace(Fees(maxFeePerGas: 2, maxPriorityFeePerGas: 1)))
        let small = Fees(maxFeePerGas: 9, maxPriorityFeePerGas: 9)
        #expect(policy.bumped(small, currentBaseFee: nil) == .replace(Fees(maxFeePerGas: 11, maxPriorityFeePerGas: 11)))
    }
}

@Suite struct PendingTransactionTests {
    static let account = Address(word: U256(0xabc))
    static let policy = FeePolicy(maxFeePerGasCap: U256(1_000), bumpAfterBlocks: 3)
    static func attempt(_ tag: UInt8, fee: UInt64, at block: UInt64) -> Attempt {
        Attempt(hash: [tag], raw: [tag, tag], fees: Fees(maxFeePerGas: U256(fee), maxPriorityFeePerGas: U256(fee / 10)), sentAtBlock: block)
    }

    @Test func bumpsAfterNBlocksThenConfirms() {
        var tx = PendingTransaction(account: Self.account, nonce: 7, first: Self.attempt(1, fee: 100, at: 10))
        let r1 = tx.head(12, baseFee: nil, policy: Self.policy, confirmations: 2)
        #expect(r1 == .none)
        guard case .replace(let fees) = tx.head(13, baseFee: nil, policy: Self.policy, confirmations: 2) else {
            Issue.record("expected a bump at block 13")
            return
        }
        tx.replaced(with: Attempt(hash: [2], raw: [2], fees: fees, sentAtBlock: 13))
        let r2 = tx.head(14, baseFee: nil, policy: Self.policy, confirmations: 2)
        #expect(r2 == .none)
        // The first attempt is the one that got mined: still ours.
        let r3 = tx.receipt(hash: [1], block: 14, blockHash: [0xb1], succeeded: true)
        #expect(r3 == .none)
        let r4 = tx.head(14, baseFee: nil, policy: Self.policy, confirmations: 2)
        #expect(r4 == .none)
        let r5 = tx.head(15, baseFee: nil, policy: Self.policy, confirmations: 2)
        #expect(r5 == .confirmed(succeeded: true))
        #expect(tx.isFinal)
    }

    @Test func stopsAtCapWithOneAlert() {
        var tx = PendingTransaction(account: Self.account, nonce: 1, first: Self.attempt(1, fee: 950, at: 1))
        let r6 = tx.head(4, baseFee: nil, policy: Self.policy, confirmations: 1)
        #expect(r6 == .alertAtCap)
        #expect(tx.state == .stuckAtCap)
        let r7 = tx.head(10, baseFee: nil, policy: Self.policy, confirmations: 1)
        #expect(r7 == .none)
        let r8 = tx.receipt(hash: [1], block: 11, blockHash: [9], succeeded: false)
        #expect(r8 == .none)
        let r9 = tx.head(11, baseFee: nil, policy: Self.policy, confirmations: 1)
        #expect(r9 == .confirmed(succeeded: false))
    }

    @Test func reorgPutsItBackToWaitingAndRebroadcasts() {
        var tx = PendingTransaction(account: Self.account, nonce: 1, first: Self.attempt(1, fee: 100, at: 1))
        _ = tx.receipt(hash: [1], block: 2, blockHash: [0xaa], succeeded: true)
        let r10 = tx.reorganisedOut()
        #expect(r10 == .rebroadcast([1, 1]))
        #expect(tx.state == .waiting)
        _ = tx.receipt(hash: [1], block: 3, blockHash: [0xbb], succeeded: true)
        #expect(tx.state == .mined(hash: [1], block: 3, blockHash: [0xbb], succeeded: true))
    }

    @Test func foreignReceiptIsIgnoredAndUnknownNonceUseDrops() {
        var tx = PendingTransaction(account: Self.account, nonce: 1, first: Self.attempt(1, fee: 100, at: 1))
        let r11 = tx.receipt(hash: [9], block: 2, blockHash: [1], succeeded: true)
        #expect(r11 == .none)
        #expect(tx.state == .waiting)
        let r12 = tx.nonceConsumedWithoutReceipt()
        #expect(r12 == .dropped)
        #expect(tx.isFinal)
    }
}

@Suite struct NonceTrackerTests {
    let a = Address(word: U256(1))

    @Test(arguments: [
        (UInt64?.none, UInt64(5), UInt64(5), NonceTracker.Divergence?.none),
        (UInt64?.some(5), UInt64(5), UInt64(5), NonceTracker.Divergence?.none),
        (UInt64?.some(3), UInt64(5), UInt64(5), NonceTracker.Divergence.chainAhead(local: 3, chain: 5)),
        (UInt64?.some(8), UInt64(5), UInt64(8), NonceTracker.Divergence.localAhead(local: 8, chain: 5)),
    ])
    func syncTakesTheMaximum(local: UInt64?, chain: UInt64, expected: UInt64, divergence: NonceTracker.Divergence?) {
        var tracker = NonceTracker()
        let r13 = tracker.sync(a, local: local, chainPending: chain)
        #expect(r13 == divergence)
        #expect(tracker.peek(a) == expected)
    }

    @Test func reserveAndReleaseOnlyTheLatest() {
        var tracker = NonceTracker()
        let r14 = tracker.reserve(a)
        #expect(r14 == nil)
        _ = tracker.sync(a, local: nil, chainPending: 0)
        let r15 = tracker.reserve(a)
        #expect(r15 == 0)
        let r16 = tracker.reserve(a)
        #expect(r16 == 1)
        let r17 = tracker.release(a, nonce: 0)
        #expect(!r17)
        let r18 = tracker.release(a, nonce: 1)
        #expect(r18)
        let r19 = tracker.reserve(a)
        #expect(r19 == 1)
    }
}
