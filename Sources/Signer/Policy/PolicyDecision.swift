public import EVM

/// What the signer is asked to sign: the account, the transaction, and optionally the method
/// signature the client says the calldata calls (Clef's second parameter).
public struct PolicyRequest: Hashable, Sendable {
    public var from: Address
    public var transaction: Transaction
    /// When present, it must parse and its selector must equal the calldata's first four bytes.
    public var methodSignature: String?

    public init(from: Address, transaction: Transaction, methodSignature: String? = nil) {
        self.from = from
        self.transaction = transaction
        self.methodSignature = methodSignature
    }
}

/// The policy's answer for one request.
public enum PolicyDecision: Hashable, Sendable, CustomStringConvertible {
    /// Every rule allows it; `matched` names the contract and function (or creation) that did.
    case allow(matched: String)
    /// A rule refuses it: `rule` is the stable id (see ``PolicyRuleID``), `reason` a sentence
    /// with the numbers.
    case refuse(rule: String, reason: String)

    public var isAllowed: Bool {
        if case .allow = self { return true }
        return false
    }

    /// The refusing rule id, or nil when allowed.
    public var refusingRule: String? {
        if case .refuse(let rule, _) = self { return rule }
        return nil
    }

    public var description: String {
        switch self {
        case .allow(let matched): "allow: \(matched)"
        case .refuse(let rule, let reason): "refuse [\(rule)]: \(reason)"
        }
    }
}

/// The stable rule ids that appear in refusals, in the audit log and in `docs/signer.md`.
public enum PolicyRuleID {
    public static let chainId = "chain_id"
    public static let account = "account"
    public static let txType = "tx_type"
    public static let contract = "contract"
    public static let creation = "creation"
    public static let methodSignature = "method_signature"
    public static let function = "function"
    public static let calldata = "calldata"
    public static let value = "value"
    public static let gas = "gas"
    public static let maxFeePerGas = "max_fee_per_gas"
    public static let maxPriorityFeePerGas = "max_priority_fee_per_gas"
    public static let gasPrice = "gas_price"
    public static let nonce = "nonce"

    /// `argument.<name>`, or `argument.<index>` for an unnamed parameter.
    public static func argument(_ name: String) -> String { "argument.\(name)" }

    /// `budget.value.24h`, `budget.fee.1m`, `budget.count.1h`.
    public static func budget(_ kind: SpendTotals.Kind, _ window: BudgetWindow) -> String {
        "budget.\(kind.rawValue).\(window.label)"
    }
}
