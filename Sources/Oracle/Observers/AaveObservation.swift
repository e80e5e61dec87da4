public import EVM

/// What the Aave observer read at one block: the reserves (prices, risk parameters, indexes),
/// the cost parameters of a protection (flash-loan premium, swap slippage) and, for every watched
/// user, the position from scaled balances x indexes together with the contract's own
/// `getUserAccountData`.
///
/// Plain values only: the strategy decides from this and nothing else.
public struct AaveObservation: Sendable {
    /// One reserve of the pool at the block.
    public struct ReserveState: Sendable, Hashable {
        public var asset: Address
        /// The token's `symbol()`, or a short address when it has none.
        public var symbol: String
        public var decimals: Int
        /// Loan to value, basis points.
        public var ltv: UInt16
        /// Liquidation threshold, basis points.
        public var liquidationThreshold: UInt16
        /// The oracle's price in the base currency, 8 decimals.
        public var price: U256
        /// `getReserveData`'s stored indexes, rates and `lastUpdateTimestamp`.
        public var indexes: AaveReserveIndexes
        /// The liquidity index at the block's timestamp (ray).
        public var normalizedIncome: U256
        /// The variable borrow index at the block's timestamp (ray).
        public var normalizedDebt: U256

        public init(
            asset: Address, symbol: String, decimals: Int, ltv: UInt16, liquidationThreshold: UInt16, price: U256,
            indexes: AaveReserveIndexes, normalizedIncome: U256, normalizedDebt: U256
        ) {
            self.asset = asset
            self.symbol = symbol
            self.decimals = decimals
            self.ltv = ltv
            self.liquidationThreshold = liquidationThreshold
            self.price = price
            self.indexes = indexes
            self.normalizedIncome = normalizedIncome
            self.normalizedDebt = normalizedDebt
        }
    }

    /// A user's scaled balances in one reserve, as the Pool stores them.
    public struct ScaledBalance: Sendable, Hashable {
        public var scaledCollateral: U256
        public var scaledDebt: U256

        public init(scaledCollateral: U256, scaledDebt: U256) {
            self.scaledCollateral = scaledCollateral
            self.scaledDebt = scaledDebt
        }
    }

    /// One watched user.
    public struct Position: Sendable, Hashable {
        public var user: Address
        /// The reserves the user holds or owes, with current balances (scaled x index).
        public var reserves: [AaveAccount.Reserve]
        /// Parallel to ``reserves``: the scaled balances they came from.
        public var scaled: [ScaledBalance]
        /// Parallel to ``reserves``: the index of each in ``AaveObservation/reserves``.
        public var reserveIndexes: [Int]
        /// The contract's `getUserAccountData` at the block (its zero-LTV flag is not returned
        /// by the contract and is left false); nil when it was not read because the off-chain
        /// health factor is at or above the observer's check bound.
        public var onChain: AaveAccount.UserAccountData?
        /// The account data computed off chain with Aave's arithmetic; nil when it overflows.
        public var offChain: AaveAccount.UserAccountData?

        public init(
            user: Address, reserves: [AaveAccount.Reserve], scaled: [ScaledBalance], reserveIndexes: [Int],
            onChain: AaveAccount.UserAccountData?, offChain: AaveAccount.UserAccountData?
        ) {
            self.user = user
            self.reserves = reserves
            self.scaled = scaled
            self.reserveIndexes = reserveIndexes
            self.onChain = onChain
            self.offChain = offChain
        }

        /// Whether the contract's account data was read for this position.
        public var checked: Bool { onChain != nil }

        /// Whether the off-chain account data equals the contract's in every field it returns
        /// (false when either is missing).
        public var matches: Bool {
            guard let o = offChain, let c = onChain else { return false }
            return AaveObservation.sameAccountData(o, c)
        }

        /// The health factor to decide on: the contract's when read, else the off-chain one.
        public var healthFactor: U256? { onChain?.healthFactor ?? offChain?.healthFactor }
    }

    /// How the subgraph discovery went.
    public struct Discovery: Sendable, Hashable {
        /// The subgraph's indexed block (`_meta`).
        public var indexedBlock: UInt64
        /// Blocks the subgraph is behind the snapshot's block (0 when ahead).
        public var lag: UInt64
        /// Users with debt the subgraph listed.
        public var users: Int
        public var hasIndexingErrors: Bool

        public init(indexedBlock: UInt64, lag: UInt64, users: Int, hasIndexingErrors: Bool) {
            self.indexedBlock = indexedBlock
            self.lag = lag
            self.users = users
            self.hasIndexingErrors = hasIndexingErrors
        }
    }

    public var blockNumber: UInt64
    public var timestamp: UInt64
    public var reserves: [ReserveState]
    /// `FLASHLOAN_PREMIUM_TOTAL` in basis points, when the pool answers it.
    public var flashLoanPremiumBps: UInt16?
    /// The swap venue's `slippageBps()`, when a venue is configured and answers it.
    public var swapSlippageBps: UInt16?
    /// The oracle's price of the asset gas is paid in (wrapped native token), 8 decimals.
    public var gasAssetPrice: U256?
    public var positions: [Position]
    /// Nil when discovery is off.
    public var discovery: Discovery?
    /// What could not be read or did not agree (each a sentence for the operator's log).
    public var problems: [String]
    /// The users enrolled in the keeper's database at this tick, with their settings (the
    /// config's enrolled users are in the strategy's config, not here).
    public var enrollments: [AaveEnrollment]

    public init(
        blockNumber: UInt64, timestamp: UInt64, reserves: [ReserveState], flashLoanPremiumBps: UInt16?,
        swapSlippageBps: UInt16?, gasAssetPrice: U256?, positions: [Position], discovery: Discovery? = nil,
        problems: [String] = [], enrollments: [AaveEnrollment] = []
    ) {
        self.enrollments = enrollments
        self.blockNumber = blockNumber
        self.timestamp = timestamp
        self.reserves = reserves
        self.flashLoanPremiumBps = flashLoanPremiumBps
        self.swapSlippageBps = swapSlippageBps
        self.gasAssetPrice = gasAssetPrice
        self.positions = positions
        self.discovery = discovery
        self.problems = problems
    }

    /// Equality of the six values `getUserAccountData` returns.
    public static func sameAccountData(_ a: AaveAccount.UserAccountData, _ b: AaveAccount.UserAccountData) -> Bool {
        a.totalCollateralBase == b.totalCollateralBase && a.totalDebtBase == b.totalDebtBase
            && a.availableBorrowsBase == b.availableBorrowsBase
            && a.currentLiquidationThreshold == b.currentLiquidationThreshold && a.ltv == b.ltv
            && a.healthFactor == b.healthFactor
    }
}
