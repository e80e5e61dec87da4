public import EVM
public import Oracle
public import TOML

/// What a strategy may know at configuration time.
public struct StrategyEnvironment: Sendable {
    public var chainID: UInt64
    /// The account the keeper sends from (the signer's key).
    public var account: Address
    public var contracts: ContractDirectory

    public init(chainID: UInt64, account: Address, contracts: ContractDirectory) {
        self.chainID = chainID
        self.account = account
        self.contracts = contracts
    }
}

/// A kind of strategy the keeper can run: it reads its own `[strategies.NAME]` table (the keeper
/// has already read `enabled` and `kind`) and builds its observer and its pure decision.
///
/// The table tracks the keys read: a kind reads every key it supports and the keeper then
/// rejects the rest, so a misspelt key is an error naming its line, never silently ignored.
public protocol StrategyKind {
    /// The `kind` value in config, such as `twap-push`.
    static var kind: String { get }

    /// Builds the pair for the strategy called `name` from its table.
    static func make(name: String, table: TOML.Table, environment: StrategyEnvironment) throws -> (any Observer, any Strategy)
}
