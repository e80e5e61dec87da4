public import Oracle
public import TOML

/// `kind = "market-resolution"`:
/// ```
/// [strategies.markets]
/// kind = "market-resolution"
/// contract = "PredictionMarket"        # [contracts] name of the market contract
/// registry = "DriftReceiptRegistry"    # [contracts] name of the receipts registry
/// subgraph = "markets"                 # [subgraphs] name used for discovery
/// grace_seconds = 3600                 # wait this long after a market's end time
/// max_markets_per_tick = 100           # candidates read per tick, oldest first
/// ```
public enum MarketResolutionKind: StrategyKind {
    public static let kind = "market-resolution"

    public static func make(name: String, table: TOML.Table, environment: StrategyEnvironment) throws -> (any Observer, any Strategy) {
        let path = table.keyPath
        let market = try environment.contracts.require(try table.optionalString("contract") ?? "PredictionMarket", for: "\(path).contract")
        let registry = try environment.contracts.require(
            try table.optionalString("registry") ?? "DriftReceiptRegistry", for: "\(path).registry")
        let subgraph = try table.optionalString("subgraph") ?? "markets"
        let grace = try table.optionalInt("grace_seconds") ?? 3600
        guard grace >= 0 else { throw table.error(key: "grace_seconds", "must be 0 or more seconds") }
        let maxMarkets = try table.optionalInt("max_markets_per_tick") ?? 100
        guard maxMarkets >= 1 else { throw table.error(key: "max_markets_per_tick", "must be at least 1") }
        let observer = MarketObserver(
            strategy: name, marketContract: market.address, registry: registry.address, subgraph: subgraph,
            graceSeconds: UInt64(grace), maxMarkets: maxMarkets)
        let strategy = MarketResolution(name: name, config: .init(market: market, graceSeconds: UInt64(grace)))
        return (observer, strategy)
    }
}
