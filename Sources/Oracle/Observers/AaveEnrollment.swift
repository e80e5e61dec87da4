public import EVM

/// A user an Aave protection strategy watches by name, with optional overrides of the
/// strategy's defaults: from the config (`[[strategies.NAME.users]]`) or from the keeper's
/// database (`keeper aave enroll`). A nil field takes the strategy's default.
public struct AaveEnrollment: Sendable, Hashable {
    public var address: Address
    /// Act when HF is strictly below this (wad).
    public var triggerHealthFactor: U256?
    /// Bring HF to at least this (wad).
    public var targetHealthFactor: U256?
    /// The collateral to withdraw and swap; nil: the user's largest collateral.
    public var collateralAsset: Address?
    /// The debt to repay; nil: the user's largest debt.
    public var debtAsset: Address?
    /// The most swap slippage this user accepts; nil: the default.
    public var slippageBps: UInt16?

    public init(
        address: Address, triggerHealthFactor: U256? = nil, targetHealthFactor: U256? = nil,
        collateralAsset: Address? = nil, debtAsset: Address? = nil, slippageBps: UInt16? = nil
    ) {
        self.address = address
        self.triggerHealthFactor = triggerHealthFactor
        self.targetHealthFactor = targetHealthFactor
        self.collateralAsset = collateralAsset
        self.debtAsset = debtAsset
        self.slippageBps = slippageBps
    }
}

/// Where users enrolled outside the config come from (the keeper's database). The
/// ``AaveObserver`` asks at every tick, so an enrollment made while the keeper runs is watched
/// from the next tick on, without a reload.
public protocol AaveEnrollmentSource: Sendable {
    /// The users enrolled for the strategy called `strategy`, in a stable order.
    func enrollments(strategy: String) throws -> [AaveEnrollment]
}
