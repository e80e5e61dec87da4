public import EVM
public import Oracle

/// EIP-1559 fees for one transaction.
public struct Fees: Sendable, Hashable {
    public var maxFeePerGas: U256
    public var maxPriorityFeePerGas: U256

    public init(maxFeePerGas: U256, maxPriorityFeePerGas: U256) {
        self.maxFeePerGas = maxFeePerGas
        self.maxPriorityFeePerGas = maxPriorityFeePerGas
    }
}

/// How the keeper prices its transactions: a tip at a percentile of recent blocks' tips, a fee cap
/// of twice the next base fee plus the tip (room for six full blocks of base-fee growth), never
/// above the operator's cap; stuck transactions are replaced with both fields raised.
public struct FeePolicy: Sendable, Hashable {
    /// The most the keeper will ever offer per gas.
    public var maxFeePerGasCap: U256
    /// Tips are taken at this percentile of recent blocks' tips.
    public var tipPercentile: Double
    /// A floor for the tip (quiet chains report zero tips).
    public var minPriorityFee: U256
    /// Each replacement raises fee cap and tip by at least this many basis points. geth and the
    /// signer require 10% (1,000 bps); 12.5% leaves margin for rounding.
    public var bumpBps: Int
    /// A transaction not mined after this many blocks is replaced.
    public var bumpAfterBlocks: UInt64

    public init(
        maxFeePerGasCap: U256, tipPercentile: Double = 50, minPriorityFee: U256 = U256(100_000_000),
        bumpBps: Int = 1_250, bumpAfterBlocks: UInt64 = 3
    ) {
        self.maxFeePerGasCap = maxFeePerGasCap
        self.tipPercentile = tipPercentile
        self.minPriorityFee = minPriorityFee
        self.bumpBps = max(1_000, bumpBps)
        self.bumpAfterBlocks = max(1, bumpAfterBlocks)
    }

    /// Fees for a new transaction from `eth_feeHistory` (requested at ``tipPercentile``).
    /// Nil when even the next block's base fee is above the cap: nothing sent now could be mined.
    public func initialFees(from history: FeeHistory) -> Fees? {
        guard let nextBase = history.baseFeePerGas.last else { return nil }
        // Each block reports its tip at the requested percentile; take the median across blocks.
        let tips = history.reward.compactMap(\.first).sorted()
        var tip = tips.isEmpty ? minPriorityFee : tips[tips.count / 2]
        tip = max(tip, minPriorityFee)
        let (doubled, overflow) = nextBase.multipliedReportingOverflow(by: 2)
        var maxFee = overflow ? maxFeePerGasCap : doubled &+ tip
        if maxFee > maxFeePerGasCap { maxFee = maxFeePerGasCap }
        guard maxFee >= nextBase else { return nil }
        if tip > maxFee { tip = maxFee }
        return Fees(maxFeePerGas: maxFee, maxPriorityFeePerGas: tip)
    }

    /// The outcome of trying to bump.
    public enum Bump: Sendable, Hashable {
        /// Replace with these fees.
        case replace(Fees)
        /// The cap leaves no room for a valid replacement (both fields +10%): stop and alert.
        case atCap
    }

    /// Replacement fees: each field raised by ``bumpBps`` (rounded up, at least +1 wei), the fee
    /// cap also raised to cover the current base fee; capped. A replacement that would not beat
    /// the old one by the 10% nodes require is not made.
    public func bumped(_ fees: Fees, currentBaseFee: U256?) -> Bump {
        func raise(_ v: U256) -> U256 {
            let raised = U256.mulDivRoundingUp(v, U256(10_000 + bumpBps), U256(10_000)) ?? .max
            return raised > v ? raised : v &+ .one
        }
        var tip = raise(fees.maxPriorityFeePerGas)
        var maxFee = raise(fees.maxFeePerGas)
        if let base = currentBaseFee {
            let needed = base.multipliedReportingOverflow(by: 2).partialValue &+ tip
            if needed > maxFee { maxFee = needed }
        }
        if maxFee > maxFeePerGasCap { maxFee = maxFeePerGasCap }
        if tip > maxFee { tip = maxFee }
        let replacement = Fees(maxFeePerGas: maxFee, maxPriorityFeePerGas: tip)
        return Self.isValidReplacement(replacement, of: fees) ? .replace(replacement) : .atCap
    }

    /// Whether `new` beats `old` by the 10% geth (and our signer) require on both fields.
    public static func isValidReplacement(_ new: Fees, of old: Fees) -> Bool {
        func atLeastTenPercentMore(_ n: U256, _ o: U256) -> Bool {
            let need = U256.mulDivRoundingUp(o, 110, 100) ?? .max
            return n >= need && n > o
        }
        return atLeastTenPercentMore(new.maxFeePerGas, old.maxFeePerGas)
            && atLeastTenPercentMore(new.maxPriorityFeePerGas, old.maxPriorityFeePerGas)
    }
}
