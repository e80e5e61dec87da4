public import Oracle
public import TOML

/// `kind = "aave-protection"`: builds the ``AaveObserver`` and the ``AaveProtectionStrategy`` from
/// a `[strategies.NAME]` table.
public enum AaveProtectionKind: StrategyKind {
    public static let kind = AaveProtectionStrategy.kind

    public static func make(name: String, table: TOML.Table, environment: StrategyEnvironment) throws -> (any Observer, any Strategy) {
        let (observer, strategy) = try build(name: name, table: table, environment: environment)
        return (observer, strategy)
    }

    /// The same pair with their concrete types (for tests and benchmarks).
    public static func build(name: String, table: TOML.Table, environment: StrategyEnvironment) throws
        -> (AaveObserver, AaveProtectionStrategy)
    {
        let prefix = table.keyPath.isEmpty ? "strategies.\(name)" : table.keyPath
        let config = try AaveProtectionConfig(table: table, prefix: prefix, environment: environment)
        return (
            AaveObserver(strategy: name, configuration: config.observerConfiguration),
            AaveProtectionStrategy(name: name, config: config)
        )
    }
}
