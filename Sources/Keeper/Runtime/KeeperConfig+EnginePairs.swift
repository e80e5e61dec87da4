import Oracle

extension KeeperConfig {
    /// The enabled strategies as the engine runs them: each with its observer, an Aave
    /// observer of a strategy with `database_users = true` also reading the users enrolled in
    /// the keeper's database (``AaveEnrollmentStore`` at `[database] path`) at every tick. The
    /// config alone cannot attach it: the database is the runtime's, not the strategy's.
    public var enginePairs: [KeeperEngine.StrategyPair] {
        enabledStrategies.map { entry in
            var observer = entry.observer
            if let aave = observer as? AaveObserver, aave.configuration.databaseUsers {
                observer = aave.enrolling(from: AaveEnrollmentStore(path: database.path))
            }
            return KeeperEngine.StrategyPair(observer: observer, strategy: entry.strategy)
        }
    }
}
