public import EVM

/// What was signed for one (account, chain, nonce), and the rule for signing there again.
///
/// A value-type state machine: ``sign(_:)`` decides and, when it allows, records. The first
/// transaction for a nonce is allowed; re-signing the identical transaction is allowed (the
/// signature is deterministic, so nothing new leaves the signer); a different transaction is a
/// replacement only when it is the same call (same type, chain, recipient, value, data and access
/// list; the gas limit may change) with maxFeePerGas and maxPriorityFeePerGas each at least 10%
/// above the highest signed so far (gasPrice for legacy and EIP-2930). Anything else is refused
/// with rule `nonce`.
public struct NonceSlot: Hashable, Sendable {
    /// What ``sign(_:)`` decided.
    public enum Action: Hashable, Sendable {
        /// Nothing was signed for this nonce yet.
        case signFirst
        /// The identical transaction was signed before.
        case signAgain
        /// An allowed fee bump of the same call.
        case signReplacement
        /// Refused, with a sentence giving the numbers.
        case refuse(reason: String)

        public var isAllowed: Bool {
            if case .refuse = self { return false }
            return true
        }
    }

    /// The replacement bump, in percent.
    public static let bumpPercent: UInt64 = 10

    /// The transactions signed for this nonce, oldest first.
    public private(set) var signed: [Transaction]

    public init(signed: [Transaction] = []) {
        self.signed = signed
    }

    /// What signing `transaction` now would be, without recording it.
    public func check(_ transaction: Transaction) -> Action {
        guard let first = signed.first else { return .signFirst }
        if signed.contains(transaction) { return .signAgain }
        guard Self.sameCall(first, transaction) else {
            return .refuse(reason: "nonce \(transaction.nonce) was already signed for a different call (\(Self.difference(first, transaction))); only a fee bump of the same call may replace it")
        }
        let highestFee = signed.map(\.maxFeePerGas).max()!
        let highestTip = signed.map(\.maxPriorityFeePerGas).max()!
        let feeName = transaction.type == .dynamicFee ? "maxFeePerGas" : "gasPrice"
        if !Self.isBumped(transaction.maxFeePerGas, over: highestFee) {
            return .refuse(reason: "a replacement for nonce \(transaction.nonce) needs \(feeName) at least \(Self.bumpPercent)% above the highest signed (\(highestFee.decimalString) wei): at least \(Self.minimumBump(highestFee).decimalString) wei, got \(transaction.maxFeePerGas.decimalString)")
        }
        if transaction.type == .dynamicFee, !Self.isBumped(transaction.maxPriorityFeePerGas, over: highestTip) {
            return .refuse(reason: "a replacement for nonce \(transaction.nonce) needs maxPriorityFeePerGas at least \(Self.bumpPercent)% above the highest signed (\(highestTip.decimalString) wei): at least \(Self.minimumBump(highestTip).decimalString) wei, got \(transaction.maxPriorityFeePerGas.decimalString)")
        }
        return .signReplacement
    }

    /// Decides, and records `transaction` when allowed.
    public mutating func sign(_ transaction: Transaction) -> Action {
        let action = check(transaction)
        switch action {
        case .signFirst, .signReplacement: signed.append(transaction)
        case .signAgain, .refuse: break
        }
        return action
    }

    /// Same type, chain, recipient, value, data and access list.
    static func sameCall(_ a: Transaction, _ b: Transaction) -> Bool {
        a.type == b.type && a.chainId == b.chainId && a.nonce == b.nonce && a.to == b.to && a.value == b.value
            && a.data == b.data && a.accessList == b.accessList
    }

    static func difference(_ a: Transaction, _ b: Transaction) -> String {
        var parts: [String] = []
        if a.type != b.type { parts.append("type \(a.type.rawValue) -> \(b.type.rawValue)") }
        if a.chainId != b.chainId { parts.append("chain") }
        if a.to != b.to { parts.append("recipient") }
        if a.value != b.value { parts.append("value") }
        if a.data != b.data { parts.append("data") }
        if a.accessList != b.accessList { parts.append("access list") }
        return parts.joined(separator: ", ") + " differ"
    }

    /// new > old and new >= old x 1.1, exactly.
    static func isBumped(_ new: U256, over old: U256) -> Bool {
        guard new > old else { return false }
        let (lhsHigh, lhsLow) = new.multipliedFullWidth(by: U256(100))
        let (rhsHigh, rhsLow) = old.multipliedFullWidth(by: U256(100 + bumpPercent))
        return lhsHigh != rhsHigh ? lhsHigh > rhsHigh : lhsLow >= rhsLow
    }

    /// The smallest value that ``isBumped(_:over:)`` accepts.
    static func minimumBump(_ old: U256) -> U256 {
        let bumped = U256.mulDivRoundingUp(old, U256(100 + bumpPercent), U256(100)) ?? .max
        return bumped > old ? bumped : old.saturatingAdd(.one)
    }
}
