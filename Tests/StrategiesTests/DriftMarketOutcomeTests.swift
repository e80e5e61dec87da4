import EVM
import Strategies
import Testing

@Suite struct DriftMarketOutcomeTests {
    typealias R = DriftMarketOutcome.Receipt

    @Test func outcomeRule() {
        let receipts = [R(periodEnd: 100, driftBps: U256(2000)), R(periodEnd: 200, driftBps: U256(900)), R(periodEnd: 300, driftBps: U256(1000))]
        // YES at exactly the threshold, inside the window (both ends included).
        #expect(DriftMarketOutcome.outcome(receipts: receipts, startTime: 150, endTime: 300, driftThresholdBps: U256(1000)) == true)
        #expect(DriftMarketOutcome.outcome(receipts: receipts, startTime: 150, endTime: 299, driftThresholdBps: U256(1000)) == false)
        #expect(DriftMarketOutcome.outcome(receipts: receipts, startTime: 100, endTime: 100, driftThresholdBps: U256(2000)) == true)
        #expect(DriftMarketOutcome.outcome(receipts: receipts, startTime: 100, endTime: 100, driftThresholdBps: U256(2001)) == false)
        // No receipt in the window: no outcome.
        #expect(DriftMarketOutcome.outcome(receipts: receipts, startTime: 301, endTime: 400, driftThresholdBps: U256(1)) == nil)
        #expect(DriftMarketOutcome.outcome(receipts: [], startTime: 0, endTime: 400, driftThresholdBps: U256(1)) == nil)
    }
}
