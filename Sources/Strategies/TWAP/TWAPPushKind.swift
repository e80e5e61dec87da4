public import Oracle
public import TOML

/// `kind = "twap-push"`: Uniswap V3 TWAPs pushed to a `PriceFeedSink` on deviation and
/// heartbeat. See ``TWAPPushConfig`` for the keys and docs/strategies.md for the whole story.
public enum TWAPPushKind: StrategyKind {
    public static let kind = "twap-push"

    public static func make(name: String, table: TOML.Table, environment: StrategyEnvironment) throws -> (any Observer, any Strategy) {
        let config = try TWAPPushConfig(table: table, environment: environment)
        let observer = TWAPObserver(strategy: name, sink: config.sink, feeds: config.feeds.map(\.spec))
        return (observer, TWAPPushStrategy(name: name, config: config))
    }
}
