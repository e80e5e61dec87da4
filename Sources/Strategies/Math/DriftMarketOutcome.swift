public import EVM

/// The outcome rule of a drift prediction market: YES when a drift receipt for the market's model
/// with `periodEnd` inside the market's window `[startTime, endTime]` (both ends included) has
/// `driftBps >= driftThresholdBps`; NO when there are receipts in the window and none reaches the
/// threshold; no outcome (nil: do not resolve, warn) when the window has no receipt.
public enum DriftMarketOutcome {
    /// A registered receipt: its period end and drift.
    public struct Receipt: Sendable, Hashable {
        public var periodEnd: UInt64
        public var driftBps: U256

        public init(periodEnd: UInt64, driftBps: U256) {
            self.periodEnd = periodEnd
            self.driftBps = driftBps
        }
    }

    /// The outcome, or nil when no receipt falls in the window.
    public static func outcome(
        receipts: some Sequence<Receipt>, startTime: UInt64, endTime: UInt64, driftThresholdBps: U256
    ) -> Bool? {
        var any = false
        for r in receipts where r.periodEnd >= startTime && r.periodEnd <= endTime {
            if r.driftBps >= driftThresholdBps { return true }
            any = true
        }
        return any ? false : nil
    }
}
