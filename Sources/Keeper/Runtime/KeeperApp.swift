import EVM
import Foundation
public import Logging
import Oracle
public import Prometheus
public import ServiceLifecycle
import Strategies
public import Systemd
import Synchronization
import UnixSignals

/// The keeper's object graph, built in one place (``make(config:kinds:mode:signer:...)``) and
/// run by one `ServiceGroup`. `keeper run` and `keeper plan` call it; so do the tests, with test
/// config and a test signer.
public final class KeeperApp: Sendable {
    /// Live (sign and send) or dry-run (plan and print; no signer, no intent store).
    public enum Mode: Sendable, Hashable {
        case live
        case dryRun
    }

    public let mode: Mode
    public let engine: KeeperEngine
    public let metrics: KeeperMetrics
    public let logger: Logger
    /// The HTTP server, when `[http] enabled` (live and dry-run alike).
    public let httpServer: LocalHTTPServer?
    /// The oracle's read API served by ``httpServer``; a reload swaps its feeds.
    public let oracleAPI: OracleAPI?
    nonisolated(unsafe) let kinds: StrategyRegistry
    let notifier: Systemd.Notifier?
    let config: Mutex<KeeperConfig>
    /// Whether `READY=1` was sent (after the first good tick); a reload notifies only after it.
    let readiness = ServiceReadiness()
    let onTick: (@Sendable (TickReport) async -> Void)?

    /// The configuration in force (the last one that loaded without error).
    public var currentConfig: KeeperConfig { config.withLock { $0 } }

    init(
        mode: Mode, engine: KeeperEngine, metrics: KeeperMetrics, logger: Logger, httpServer: LocalHTTPServer?,
        oracleAPI: OracleAPI?, kinds: StrategyRegistry, notifier: Systemd.Notifier?, config: KeeperConfig,
        onTick: (@Sendable (TickReport) async -> Void)?
    ) {
        self.mode = mode
        self.engine = engine
        self.metrics = metrics
        self.logger = logger
        self.httpServer = httpServer
        self.oracleAPI = oracleAPI
        self.kinds = kinds
        self.notifier = notifier
        self.config = Mutex(config)
        self.onTick = onTick
    }

    /// The composition root: RPC client (metrics on errors), Multicall3, subgraphs, strategies,
    /// intent store (live only), the engine, metrics and the HTTP router.
    ///
    /// - Parameters:
    ///   - signer: required in live mode; ignored in dry-run.
    ///   - metricsRegistry: where metrics live (`KeeperMetrics.bootstrapMetricsSystem()` in the
    ///     daemon; a fresh registry in tests).
    ///   - notifier: systemd's notify socket (`Systemd.Notifier.fromEnvironment()`), or nil.
    ///   - onTick: called after every tick (dry-run printing).
    public static func make(
        config: KeeperConfig, kinds: StrategyRegistry, mode: Mode, signer: (any TransactionSigner)?,
        metricsRegistry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), notifier: Systemd.Notifier? = nil,
        logger: Logger, onTick: (@Sendable (TickReport) async -> Void)? = nil
    ) async throws -> KeeperApp {
        let metrics = KeeperMetrics(registry: metricsRegistry)
        let client = JSONRPCClient(
            endpoints: config.rpc.endpoints, retry: config.rpc.retryPolicy, primaryRetryInterval: config.rpc.primaryRetryAfter,
            logger: logger, onError: { endpoint, error in metrics.rpcError(endpoint: endpoint, kind: error.shortDescription) })
        let rpc = EthereumRPC(client: client)
        let subgraphs = Dictionary(uniqueKeysWithValues: config.subgraphs.map { name, url in
            (name, GraphQLClient(name: name, url: url, retry: config.rpc.retryPolicy))
        })
        let context = ObservationContext(rpc: rpc, multicall: Multicall3(rpc: rpc), subgraphs: subgraphs, logger: logger)

        var store: IntentStore?
        var liveSigner: (any TransactionSigner)?
        if mode == .live {
            guard let signer else {
                throw KeeperRuntimeError("live mode needs a signer; run with --dry-run to plan without one")
            }
            liveSigner = signer
            let directory = URL(fileURLWithPath: config.database.path).deletingLastPathComponent()
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            do {
                store = try IntentStore(path: config.database.path)
            } catch {
                throw KeeperRuntimeError("cannot open the intent database at \(config.database.path): \(error); check [database] path and that the keeper's user may write there")
            }
            await checkSignerHoldsAccount(signer, account: config.signer.account, logger: logger)
        }
        let engine = KeeperEngine(
            settings: KeeperEngine.Settings(config: config), rpc: rpc, context: context,
            strategies: config.enginePairs, signer: liveSigner, store: store, metrics: metrics, logger: logger)

        var httpServer: LocalHTTPServer?
        var oracleAPI: OracleAPI?
        if config.http.enabled {
            var router = HTTPRouter()
            let maxTickAge = max(config.head.pollInterval * 10, .seconds(90))
            let maxHeadAge = config.head.stallAfter
            try router.addObservabilityRoutes(metrics: metrics) {
                metrics.health(maxTickAge: maxTickAge, maxHeadAge: maxHeadAge)
            }
            // The oracle's read API: /api/prices/{feed} from each tick's TWAP sections,
            // /api/twap/{feed}/{window} computed on demand.
            let strategies = config.enabledStrategies.map(\.strategy)
            let priceBook = PriceBook(strategies: strategies)
            await engine.addSnapshotObserver { priceBook.record($0) }
            let api = OracleAPI(priceBook: priceBook, quoter: TWAPQuoter(strategies: strategies, rpc: rpc, multicall: context.multicall))
            try api.register(on: &router)
            oracleAPI = api
            httpServer = LocalHTTPServer(
                configuration: LocalHTTPServer.Configuration(host: config.http.host, port: config.http.port), router: router,
                logger: logger)
        }
        return KeeperApp(
            mode: mode, engine: engine, metrics: metrics, logger: logger, httpServer: httpServer, oracleAPI: oracleAPI,
            kinds: kinds, notifier: notifier, config: config, onTick: onTick)
    }

    /// Logs an error when the signer is reachable and does not hold the configured account.
    static func checkSignerHoldsAccount(_ signer: any TransactionSigner, account: Address, logger: Logger) async {
        do {
            let accounts = try await signer.accounts()
            if !accounts.contains(account) {
                logger.error("the signer holds no key for the configured account; every signing request will fail", metadata: [
                    "keeper.account": "\(account.checksummed)",
                    "keeper.signer.accounts": "\(accounts.map(\.checksummed).joined(separator: ","))",
                ])
            }
        } catch {
            logger.warning("the signer is not reachable yet; signing waits for it", metadata: ["error.message": "\(error)"])
        }
    }

    /// `WatchdogSec=` from systemd's environment, or nil.
    public static var systemdWatchdogInterval: Duration? { (try? Systemd.watchdogInterval) ?? nil }

    /// The services in start order; graceful shutdown runs in reverse, so the tick finishes
    /// before the HTTP server stops.
    public func services<C: Clock<Duration>>(clock: C, watchdogInterval: Duration? = KeeperApp.systemdWatchdogInterval) -> [any Service] {
        var services: [any Service] = []
        if let httpServer { services.append(HTTPService(server: httpServer)) }
        services.append(ReloadService { [self] in await self.reload() })
        services.append(TickService(
            engine: engine, metrics: metrics, notifier: notifier, watchdogInterval: watchdogInterval, clock: clock, logger: logger,
            readiness: readiness, onTick: onTick))
        return services
    }

    /// Runs until SIGTERM/SIGINT (exit normally after the tick in flight) or a fatal error such
    /// as a stalled head (thrown: the process exits non-zero).
    public func run() async throws {
        if let interval = Self.systemdWatchdogInterval, interval / 2 < currentConfig.head.pollInterval {
            logger.warning("WatchdogSec is shorter than twice [head] poll_interval; systemd may kill a healthy keeper")
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services(clock: ContinuousClock()).map {
                    ServiceGroupConfiguration.ServiceConfiguration(
                        service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup)
                },
                gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger))
        try await group.run()
    }

    /// Re-reads the config file (SIGHUP). On error the old config stays and the error is logged.
    /// Strategies, fees, confirmations and the in-flight bound take effect at once; endpoints,
    /// database, signer socket, log and HTTP settings need a restart (logged when they changed).
    ///
    /// systemd hears `RELOADING=1` and then `READY=1` only once the keeper is ready (its first
    /// good tick): before that, `READY=1` would report a keeper that has not read the chain as
    /// started.
    public func reload() async {
        let old = currentConfig
        let notifier = readiness.isReady ? self.notifier : nil
        try? notifier?.reloading()
        defer { try? notifier?.ready() }
        let new: KeeperConfig
        do {
            new = try KeeperConfig.load(path: old.path, kinds: kinds)
        } catch {
            logger.error("config reload failed; keeping the running config", metadata: ["error.message": "\(error)"])
            return
        }
        var needRestart: [String] = []
        if new.rpc.endpoints != old.rpc.endpoints { needRestart.append("rpc.endpoints") }
        if new.database.path != old.database.path { needRestart.append("database.path") }
        if new.signer.socket != old.signer.socket { needRestart.append("signer.socket") }
        if new.http.host != old.http.host || new.http.port != old.http.port || new.http.enabled != old.http.enabled { needRestart.append("http") }
        if new.log.format != old.log.format || new.log.level != old.log.level { needRestart.append("log") }
        if !needRestart.isEmpty {
            logger.warning("these settings change only at a restart", metadata: ["keeper.keys": "\(needRestart.joined(separator: ","))"])
        }
        await engine.reconfigure(settings: KeeperEngine.Settings(config: new), strategies: new.enginePairs)
        // The read API follows the new feed set (feeds added, removed or changed by the reload).
        oracleAPI?.configure(strategies: new.enabledStrategies.map(\.strategy))
        config.withLock { $0 = new }
        logger.notice("config reloaded", metadata: ["keeper.strategies": "\(new.enabledStrategies.map(\.name).joined(separator: ","))"])
    }
}
