public import EVM
public import Oracle
public import TOML

/// The `[strategies.NAME]` table of an `aave-protection` strategy, resolved against the
/// configured contracts. Every key and its default is in docs/strategies.md.
public struct AaveProtectionConfig: Sendable, Hashable {
    /// A user watched by name in config, with optional overrides of the defaults.
    public typealias EnrolledUser = AaveEnrollment

    public var pool: ContractDirectory.Contract
    public var orchestrator: ContractDirectory.Contract
    public var oracle: ContractDirectory.Contract
    /// The swap venue whose `slippageBps()` is read on chain; nil: use ``slippageBps``.
    public var swap: ContractDirectory.Contract?
    /// The subgraph (by name) to discover users with debt from; nil: enrolled users only.
    public var subgraph: String?
    /// Act when HF is strictly below this (wad). Default 1.10.
    public var triggerHealthFactor: U256
    /// Bring HF to at least this (wad); also the `minHealthFactorAfter` the chain enforces. Default 1.30.
    public var targetHealthFactor: U256
    /// Size for the target raised by this many bps, so interest accrued between the snapshot's
    /// block and the one that includes the transaction cannot make it miss. Default 1.
    public var targetMarginBps: UInt16
    /// Seconds after an action on a user before the next one. Default 600.
    public var cooldownSeconds: UInt64
    /// The flash-loan premium; nil (default): read `FLASHLOAN_PREMIUM_TOTAL` on chain.
    public var flashLoanPremiumBps: UInt16?
    /// The most swap slippage accepted (and assumed, without a venue to read). Default 30.
    public var slippageBps: UInt16
    /// Skip when gas cost exceeds this share of the repaid value (bps; 0 turns the guard off). Default 100.
    public var maxGasShareBps: UInt32
    /// Gas assumed for one `protect` call. Default 800,000.
    public var gasPerProtection: UInt64
    /// The tip assumed on top of the block's base fee (wei). Default 1 gwei.
    public var priorityFee: U256
    /// The wrapped native token whose oracle price converts gas cost to the base currency.
    public var gasPriceAsset: Address?
    /// Subgraph page size (at most 1000). Default 1000.
    public var pageSize: Int
    /// Seconds of block time the discovered users are reused before the subgraph is asked again. Default 60.
    public var rediscoverySeconds: UInt64
    /// Compare the off-chain account data with `getUserAccountData` for every position, not only
    /// those below the trigger. Default false.
    public var checkAllPositions: Bool
    /// The users enrolled in config (`[[strategies.NAME.users]]`).
    public var users: [EnrolledUser]
    /// Also watch the users enrolled in the keeper's database (`keeper aave enroll`), read at
    /// every tick; a user enrolled in both is watched with the config's settings. Default false.
    public var databaseUsers: Bool

    public init(
        pool: ContractDirectory.Contract, orchestrator: ContractDirectory.Contract, oracle: ContractDirectory.Contract,
        swap: ContractDirectory.Contract? = nil, subgraph: String? = nil,
        triggerHealthFactor: U256 = AaveProtectionConfig.defaultTrigger,
        targetHealthFactor: U256 = AaveProtectionConfig.defaultTarget, targetMarginBps: UInt16 = 1,
        cooldownSeconds: UInt64 = 600, flashLoanPremiumBps: UInt16? = nil, slippageBps: UInt16 = 30,
        maxGasShareBps: UInt32 = 100, gasPerProtection: UInt64 = 800_000, priorityFee: U256 = U256(1_000_000_000),
        gasPriceAsset: Address? = nil, pageSize: Int = 1000, rediscoverySeconds: UInt64 = 60,
        checkAllPositions: Bool = false, users: [EnrolledUser] = [], databaseUsers: Bool = false
    ) {
        self.databaseUsers = databaseUsers
        self.pool = pool
        self.orchestrator = orchestrator
        self.oracle = oracle
        self.swap = swap
        self.subgraph = subgraph
        self.triggerHealthFactor = triggerHealthFactor
        self.targetHealthFactor = targetHealthFactor
        self.targetMarginBps = targetMarginBps
        self.cooldownSeconds = cooldownSeconds
        self.flashLoanPremiumBps = flashLoanPremiumBps
        self.slippageBps = slippageBps
        self.maxGasShareBps = maxGasShareBps
        self.gasPerProtection = gasPerProtection
        self.priorityFee = priorityFee
        self.gasPriceAsset = gasPriceAsset
        self.pageSize = pageSize
        self.rediscoverySeconds = rediscoverySeconds
        self.checkAllPositions = checkAllPositions
        self.users = users
    }

    public static let defaultTrigger = U256(1_100_000_000_000_000_000)
    public static let defaultTarget = U256(1_300_000_000_000_000_000)

    /// The observer's view of this config.
    public var observerConfiguration: AaveObserverConfiguration {
        AaveObserverConfiguration(
            pool: pool.address, oracle: oracle.address, swapVenue: swap?.address, gasPriceAsset: gasPriceAsset,
            enrolledUsers: users.map(\.address), databaseUsers: databaseUsers, subgraph: subgraph, pageSize: pageSize,
            checkBelowHealthFactor: checkAllPositions ? nil : highestTrigger, rediscoverySeconds: rediscoverySeconds)
    }

    /// The highest trigger of any watched user: positions at or above it cannot be acted on.
    public var highestTrigger: U256 {
        users.compactMap(\.triggerHealthFactor).reduce(triggerHealthFactor) { max($0, $1) }
    }
}

extension AaveProtectionConfig {
    /// Reads the table (the keeper has read `kind` and `enabled`, and rejects keys left unread).
    /// `prefix` is the table's key path for messages, such as `strategies.aave`.
    public init(table: TOML.Table, prefix: String, environment: StrategyEnvironment) throws {
        let contracts = environment.contracts
        func contract(_ key: String, default name: String) throws -> ContractDirectory.Contract {
            try contracts.require(try table.optionalString(key) ?? name, for: "\(prefix).\(key)")
        }
        pool = try contract("pool", default: "Pool")
        orchestrator = try contract("orchestrator", default: "FlashLoanOrchestrator")
        oracle = try contract("oracle", default: "PriceOracle")
        swap = try table.optionalString("swap").map { try contracts.require($0, for: "\(prefix).swap") }
        subgraph = try table.optionalString("subgraph")
        triggerHealthFactor = try Self.healthFactor(table, "trigger_health_factor") ?? Self.defaultTrigger
        targetHealthFactor = try Self.healthFactor(table, "target_health_factor") ?? Self.defaultTarget
        guard targetHealthFactor > triggerHealthFactor else {
            throw table.error(key: "target_health_factor", "must be above trigger_health_factor (\(Self.formatWad(triggerHealthFactor, decimals: 2))): a protection below the trigger would fire again at once")
        }
        guard triggerHealthFactor >= WadRayMath.wad else {
            throw table.error(key: "trigger_health_factor", "must be at least 1.0: below 1.0 the position is already liquidatable")
        }
        targetMarginBps = try Self.integer(table, "target_margin_bps", in: 0...1_000, default: 1)
        cooldownSeconds = try Self.integer(table, "cooldown_seconds", in: 0...UInt64(365 * 86_400), default: 600)
        flashLoanPremiumBps = try table.optionalInt("flash_loan_premium_bps").map { v throws in
            guard (0...10_000).contains(v) else { throw table.error(key: "flash_loan_premium_bps", "expected 0 to 10000 basis points") }
            return UInt16(v)
        }
        slippageBps = try Self.integer(table, "slippage_bps", in: 0...9_999, default: 30)
        maxGasShareBps = try Self.integer(table, "max_gas_share_bps", in: 0...10_000, default: 100)
        gasPerProtection = try Self.integer(table, "gas_per_protection", in: 21_000...30_000_000, default: 800_000)
        if let text = try table.optionalString("priority_fee") {
            switch EtherAmount.parse(text) {
            case .success(let wei): priorityFee = wei
            case .failure(let e): throw table.error(key: "priority_fee", "\(e.message); write an amount such as \"1 gwei\"")
            }
        } else {
            priorityFee = U256(1_000_000_000)
        }
        if let text = try table.optionalString("gas_price_asset") {
            gasPriceAsset = try Self.asset(text, key: "\(prefix).gas_price_asset", contracts: contracts)
        } else {
            gasPriceAsset = contracts["WETH"]?.address
        }
        if maxGasShareBps > 0 && gasPriceAsset == nil {
            throw table.error(key: "gas_price_asset", "is needed for the gas guard (max_gas_share_bps = \(maxGasShareBps)): name the wrapped native token's contract (e.g. \"WETH\"), or set max_gas_share_bps = 0")
        }
        pageSize = try Self.integer(table, "page_size", in: 1...1000, default: 1000)
        rediscoverySeconds = try Self.integer(table, "rediscovery_seconds", in: 0...86_400, default: 60)
        checkAllPositions = try table.optionalBool("check_all_positions") ?? false
        databaseUsers = try table.optionalBool("database_users") ?? false

        var users: [EnrolledUser] = []
        for (i, u) in try table.optionalArrayOfTables("users").enumerated() {
            let path = "\(prefix).users[\(i)]"
            let text = try u.string("address")
            let address: Address
            do { address = try Address(text) } catch {
                throw u.error(key: "address", "'\(text)' is not an address: \(error)")
            }
            let trigger = try Self.healthFactor(u, "trigger_health_factor")
            let target = try Self.healthFactor(u, "target_health_factor")
            if (target ?? targetHealthFactor) <= (trigger ?? triggerHealthFactor) {
                throw u.error(key: target == nil ? "trigger_health_factor" : "target_health_factor", "this user's target must be above their trigger")
            }
            let collateral = try u.optionalString("collateral").map { try Self.asset($0, key: "\(path).collateral", contracts: contracts) }
            let debt = try u.optionalString("debt").map { try Self.asset($0, key: "\(path).debt", contracts: contracts) }
            let slippage: UInt16? = try u.optionalInt("slippage_bps").map { v throws in
                guard (0...9_999).contains(v) else { throw u.error(key: "slippage_bps", "expected 0 to 9999 basis points") }
                return UInt16(v)
            }
            try u.rejectUnknownKeys()
            users.append(EnrolledUser(
                address: address, triggerHealthFactor: trigger, targetHealthFactor: target, collateralAsset: collateral,
                debtAsset: debt, slippageBps: slippage))
        }
        if subgraph == nil && users.isEmpty && !databaseUsers {
            throw table.error(key: "users", "watches nobody: enroll users with [[\(prefix).users]], set database_users = true and enroll them with 'keeper aave enroll', or name a subgraph for discovery with subgraph = \"aave\"")
        }
        self.users = users
    }

    /// A health factor written as a decimal string (`"1.10"`) or a TOML number (`1.1`), as a wad.
    static func healthFactor(_ table: TOML.Table, _ key: String) throws -> U256? {
        guard let value = table.value(key) else { return nil }
        let text: String
        switch value {
        case .string(let s): text = s
        case .float(let d): text = String(d)
        case .integer(let i): text = String(i)
        default: throw table.error(key: key, "expected a health factor such as \"1.10\", found \(value.typeDescription)")
        }
        guard let wad = parseWad(text), !wad.isZero else {
            throw table.error(key: key, "'\(text)' is not a positive decimal with at most 18 decimals, such as \"1.10\"")
        }
        return wad
    }

    static func integer<T: FixedWidthInteger>(_ table: TOML.Table, _ key: String, in range: ClosedRange<T>, default value: T) throws -> T {
        guard let v = try table.optionalInt(key) else { return value }
        guard let t = T(exactly: v), range.contains(t) else {
            throw table.error(key: key, "expected an integer from \(range.lowerBound) to \(range.upperBound), found \(v)")
        }
        return t
    }

    /// A token named by its contract name in [contracts] or by address.
    static func asset(_ text: String, key: String, contracts: ContractDirectory) throws -> Address {
        if text.hasPrefix("0x") {
            do { return try Address(text) } catch { throw StrategyConfigError(key: key, message: "'\(text)' is not an address: \(error)") }
        }
        return try contracts.require(text, for: key).address
    }

    /// `"1.10"` -> 1.1e18; nil for anything but digits with at most one point and 18 decimals.
    public static func parseWad(_ text: String) -> U256? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCII),
              whole.allSatisfy(\.isNumber)
        else { return nil }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= 18, fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        fraction += String(repeating: "0", count: 18 - fraction.count)
        guard let w = U256(decimal: String(whole)), let f = U256(decimal: fraction) else { return nil }
        let (p, o) = w.multipliedReportingOverflow(by: WadRayMath.wad)
        guard !o else { return nil }
        let (s, o2) = p.addingReportingOverflow(f)
        return o2 ? nil : s
    }

    /// A wad as a decimal with `decimals` places, rounded down: 1.0412e18 -> "1.0412".
    public static func formatWad(_ value: U256, decimals: Int) -> String {
        AaveAmount.format(value, decimals: 18, places: decimals, grouping: false)
    }
}

/// The observer's configuration, named here so the strategy module can build it.
public typealias AaveObserverConfiguration = AaveObserver.Configuration
