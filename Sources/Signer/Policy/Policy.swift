public import EVM

/// A signing policy: what the signer may sign for which accounts on one chain. Deny by default:
/// a transaction is signed only when every rule allows it (see ``evaluate(_:spends:signedAtNonce:now:)``).
///
/// Load one from a TOML file with ``load(path:)`` or ``init(toml:file:)`` (the schema is in
/// docs/signer.md, "Policy reference"), or build one in code:
///
/// ```swift
/// let policy = try Policy(
///     chainId: 31337,
///     accounts: [keeper],
///     limits: TransactionLimits(maxGas: 500_000, maxFeePerGas: 100 * gwei, maxPriorityFeePerGas: 2 * gwei),
///     contracts: [PolicyContract(name: "Markets", address: markets, functions: [
///         try PolicyFunction("function resolve(uint256 marketId, bool outcome)",
///                            arguments: [ArgumentConstraint("marketId", .le(.uint(1000)))]),
///     ])],
///     budgets: [Budget(window: BudgetWindow("1m")!, maxCount: 30)])
/// ```
public struct Policy: Sendable {
    /// The schema version this signer reads (`schema = 1`).
    public static let schemaVersion = 1

    /// The only chain the policy signs for.
    public var chainId: UInt64
    /// The signer accounts the policy covers; requests from any other account are refused.
    public var accounts: [Address]
    /// Per-transaction caps that apply to every transaction.
    public var limits: TransactionLimits
    /// Tighter caps for contract creation; `nil` (the default) refuses every creation.
    public var creation: LimitOverrides?
    /// The contracts that may be called, each with the functions that may be called on it.
    public var contracts: [PolicyContract]
    /// Budgets per account over rolling windows.
    public var budgets: [Budget]

    let contractsByAddress: [Address: Int]

    /// A policy; throws when an account, contract address or budget window appears twice.
    public init(
        chainId: UInt64,
        accounts: [Address],
        limits: TransactionLimits,
        creation: LimitOverrides? = nil,
        contracts: [PolicyContract],
        budgets: [Budget] = []
    ) throws(PolicyError) {
        self.chainId = chainId
        self.accounts = accounts
        self.limits = limits
        self.creation = creation
        self.contracts = contracts
        self.budgets = budgets
        var byAddress: [Address: Int] = [:]
        for (i, contract) in contracts.enumerated() {
            if let first = byAddress[contract.address] {
                throw PolicyError(.duplicate, file: "policy", line: nil, key: "contract[\(i)].address",
                                  "contract \(contract.address) is listed twice (as '\(contracts[first].name)' and '\(contract.name)'); list each address once")
            }
            byAddress[contract.address] = i
        }
        self.contractsByAddress = byAddress
        var seenAccounts = Set<Address>()
        for (i, account) in accounts.enumerated() where !seenAccounts.insert(account).inserted {
            throw PolicyError(.duplicate, file: "policy", line: nil, key: "accounts[\(i)]", "account \(account) is listed twice")
        }
        var windows = Set<Int64>()
        for (i, budget) in budgets.enumerated() where !windows.insert(budget.window.seconds).inserted {
            throw PolicyError(.duplicate, file: "policy", line: nil, key: "budget[\(i)].window",
                              "two budgets have the window \(budget.window); put all caps for one window in one [[budget]]")
        }
    }

    /// The contract at `address`, if the policy lists it.
    public func contract(at address: Address) -> PolicyContract? {
        contractsByAddress[address].map { contracts[$0] }
    }
}

/// Per-transaction caps. A transaction is refused when it exceeds any of them.
public struct TransactionLimits: Hashable, Sendable {
    /// The most wei a transaction may carry (default 0: no value).
    public var maxValue: U256
    /// The highest gas limit.
    public var maxGas: UInt64
    /// The highest `maxFeePerGas` of an EIP-1559 transaction.
    public var maxFeePerGas: U256
    /// The highest `maxPriorityFeePerGas` of an EIP-1559 transaction.
    public var maxPriorityFeePerGas: U256
    /// The highest `gasPrice` of a legacy or EIP-2930 transaction.
    public var maxGasPrice: U256
    /// The transaction types that may be signed (default: EIP-1559 only).
    public var transactionTypes: Set<TransactionType>

    public init(
        maxValue: U256 = .zero,
        maxGas: UInt64,
        maxFeePerGas: U256 = .zero,
        maxPriorityFeePerGas: U256 = .zero,
        maxGasPrice: U256 = .zero,
        transactionTypes: Set<TransactionType> = [.dynamicFee]
    ) {
        self.maxValue = maxValue
        self.maxGas = maxGas
        self.maxFeePerGas = maxFeePerGas
        self.maxPriorityFeePerGas = maxPriorityFeePerGas
        self.maxGasPrice = maxGasPrice
        self.transactionTypes = transactionTypes
    }

    /// These limits with `overrides` applied: each cap becomes the lower of the two, the types the
    /// intersection. Overrides can only tighten.
    public func tightened(by overrides: LimitOverrides) -> TransactionLimits {
        var out = self
        if let v = overrides.maxValue { out.maxValue = Swift.min(out.maxValue, v) }
        if let v = overrides.maxGas { out.maxGas = Swift.min(out.maxGas, v) }
        if let v = overrides.maxFeePerGas { out.maxFeePerGas = Swift.min(out.maxFeePerGas, v) }
        if let v = overrides.maxPriorityFeePerGas { out.maxPriorityFeePerGas = Swift.min(out.maxPriorityFeePerGas, v) }
        if let v = overrides.maxGasPrice { out.maxGasPrice = Swift.min(out.maxGasPrice, v) }
        if let v = overrides.transactionTypes { out.transactionTypes.formIntersection(v) }
        return out
    }
}

/// Caps for one contract, function or for contract creation; each present cap tightens the
/// policy's ``TransactionLimits`` (it can never loosen them).
public struct LimitOverrides: Hashable, Sendable {
    public var maxValue: U256?
    public var maxGas: UInt64?
    public var maxFeePerGas: U256?
    public var maxPriorityFeePerGas: U256?
    public var maxGasPrice: U256?
    public var transactionTypes: Set<TransactionType>?

    public init(
        maxValue: U256? = nil,
        maxGas: UInt64? = nil,
        maxFeePerGas: U256? = nil,
        maxPriorityFeePerGas: U256? = nil,
        maxGasPrice: U256? = nil,
        transactionTypes: Set<TransactionType>? = nil
    ) {
        self.maxValue = maxValue
        self.maxGas = maxGas
        self.maxFeePerGas = maxFeePerGas
        self.maxPriorityFeePerGas = maxPriorityFeePerGas
        self.maxGasPrice = maxGasPrice
        self.transactionTypes = transactionTypes
    }
}

/// A contract the policy allows calls to.
public struct PolicyContract: Sendable {
    /// A human name, used in decisions and logs.
    public var name: String
    public var address: Address
    /// The functions that may be called; calls to anything else are refused.
    public var functions: [PolicyFunction]
    /// Caps for every call to this contract.
    public var limits: LimitOverrides

    public init(name: String, address: Address, functions: [PolicyFunction], limits: LimitOverrides = LimitOverrides()) {
        self.name = name
        self.address = address
        self.functions = functions
        self.limits = limits
    }

    /// The function whose selector starts `calldata`.
    public func function(forCalldata calldata: [UInt8]) -> PolicyFunction? {
        guard calldata.count >= 4 else { return nil }
        return functions.first { calldata.prefix(4).elementsEqual($0.selector) }
    }
}

/// A budget per account over one rolling window: any of total value, total fee exposure and
/// number of transactions (distinct nonces).
public struct Budget: Hashable, Sendable {
    public var window: BudgetWindow
    /// The most wei sent in the window.
    public var maxValue: U256?
    /// The most fee exposure (gas limit x maxFeePerGas, or x gasPrice) in the window.
    public var maxFee: U256?
    /// The most transactions (distinct nonces) in the window.
    public var maxCount: Int?

    public init(window: BudgetWindow, maxValue: U256? = nil, maxFee: U256? = nil, maxCount: Int? = nil) {
        self.window = window
        self.maxValue = maxValue
        self.maxFee = maxFee
        self.maxCount = maxCount
    }
}
