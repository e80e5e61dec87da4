public import Foundation
import Metrics
public import Oracle
public import Prometheus
import Synchronization

private typealias MetricsCounter = Metrics.Counter
private typealias MetricsGauge = Metrics.Gauge
private typealias MetricsTimer = Metrics.Timer

/// The keeper's metric set, created through swift-metrics on one `PrometheusCollectorRegistry`.
///
/// Call sites use the typed methods (``tickFinished(duration:at:)``, ``rpcError(endpoint:kind:)``,
/// ...) so no metric name or label is spelled twice. Labels carry configured names and bounded
/// vocabularies only, never addresses or amounts; every free-form label value goes through
/// ``BoundedLabelValues``. `docs/keeper.md` lists every metric with its labels and meaning.
///
/// The process-wide `MetricsSystem` is bootstrapped once by ``bootstrapMetricsSystem()``; a
/// `KeeperMetrics` itself only needs a registry, so tests make their own and render it.
public final class KeeperMetrics: Sendable {
    /// The metric names, in one place.
    public enum Name {
        public static let ticks = "keeper_ticks_total"
        public static let tickDuration = "keeper_tick_duration_seconds"
        public static let lastSuccessfulTick = "keeper_last_successful_tick_timestamp_seconds"
        public static let rpcErrors = "keeper_rpc_errors_total"
        public static let headLag = "keeper_head_lag_seconds"
        public static let subgraphLag = "keeper_subgraph_lag_blocks"
        public static let intents = "keeper_intents"
        public static let transactionsSent = "keeper_transactions_sent_total"
        public static let transactionsConfirmed = "keeper_transactions_confirmed_total"
        public static let transactionsReplaced = "keeper_transactions_replaced_total"
        public static let transactionsFailed = "keeper_transactions_failed_total"
        public static let signerRefusals = "keeper_signer_refusals_total"
    }

    /// Bucket upper bounds of `keeper_tick_duration_seconds`.
    public static let tickDurationBuckets: [Duration] = [
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
        .seconds(10), .seconds(30),
    ]

    /// The registry the metrics live on; `GET /metrics` renders it.
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let now: @Sendable () -> Date

    private let ticksOK: MetricsCounter
    private let ticksFailed: MetricsCounter
    private let tickDuration: MetricsTimer
    private let lastSuccessfulTick: MetricsGauge
    private let headLag: MetricsGauge
    private let intents: [IntentState: MetricsGauge]
    private let sent: MetricsCounter
    private let confirmed: MetricsCounter
    private let replaced: MetricsCounter
    private let failed: MetricsCounter

    private let endpoints = BoundedLabelValues(capacity: 16)
    private let errorKinds = BoundedLabelValues(capacity: 32)
    private let subgraphs = BoundedLabelValues(capacity: 16)
    private let rules = BoundedLabelValues(capacity: 64)
    private let rpcErrorCounters = Mutex<[String: MetricsCounter]>([:])
    private let subgraphGauges = Mutex<[String: MetricsGauge]>([:])
    private let refusalCounters = Mutex<[String: MetricsCounter]>([:])
    /// When the head last moved (or when these metrics were made, before the first head).
    private let headMovedAt: Mutex<Date>
    /// When the last good tick ended; nil before the first.
    private let lastGoodTick = Mutex<Date?>(nil)
    /// When these metrics were made: the start of the grace period before the first tick.
    private let createdAt: Date

    /// Registers the keeper's metrics on `registry`.
    ///
    /// - Parameter now: the wall clock, for the last-tick time and the head lag; tests pass a
    ///   fixed one.
    public init(
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[Name.tickDuration] = Self.tickDurationBuckets
        self.factory = factory
        self.now = now

        ticksOK = MetricsCounter(label: Name.ticks, dimensions: [("outcome", "ok")], factory: factory)
        ticksFailed = MetricsCounter(label: Name.ticks, dimensions: [("outcome", "failed")], factory: factory)
        tickDuration = MetricsTimer(label: Name.tickDuration, factory: factory)
        lastSuccessfulTick = MetricsGauge(label: Name.lastSuccessfulTick, factory: factory)
        headLag = MetricsGauge(label: Name.headLag, factory: factory)
        var intents: [IntentState: MetricsGauge] = [:]
        for state in IntentState.allCases {
            let gauge = MetricsGauge(label: Name.intents, dimensions: [("state", state.rawValue)], factory: factory)
            gauge.record(0)
            intents[state] = gauge
        }
        self.intents = intents
        sent = MetricsCounter(label: Name.transactionsSent, factory: factory)
        confirmed = MetricsCounter(label: Name.transactionsConfirmed, factory: factory)
        replaced = MetricsCounter(label: Name.transactionsReplaced, factory: factory)
        failed = MetricsCounter(label: Name.transactionsFailed, factory: factory)
        createdAt = now()
        headMovedAt = Mutex(createdAt)
        headLag.record(0)
    }

    // MARK: Process-wide bootstrap

    private static let bootstrapped = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Bootstraps swift-metrics' global `MetricsSystem` with a `PrometheusMetricsFactory` and
    /// returns its registry; later calls return the same registry without bootstrapping again
    /// (swift-metrics allows one bootstrap per process).
    ///
    /// The composition root calls this once and builds `KeeperMetrics(registry:)` on the result,
    /// so metrics that libraries create through the global system appear on the same
    /// `GET /metrics` page.
    public static func bootstrapMetricsSystem() -> PrometheusCollectorRegistry {
        bootstrapped.withLock { registry in
            if let registry { return registry }
            let made = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: made))
            registry = made
            return made
        }
    }

    // MARK: Ticks

    /// A tick completed: counts it, records its duration and the time of the last good tick.
    public func tickFinished(duration: Duration, at time: Date? = nil) {
        let time = time ?? now()
        ticksOK.increment()
        tickDuration.record(duration: duration)
        lastSuccessfulTick.record(time.timeIntervalSince1970)
        lastGoodTick.withLock { $0 = time }
    }

    /// A tick ended in an error: counts it and records its duration.
    public func tickFailed(duration: Duration) {
        ticksFailed.increment()
        tickDuration.record(duration: duration)
    }

    // MARK: Reading the world

    /// A JSON-RPC call to the endpoint configured as `endpoint` failed with `kind` (use
    /// `RPCError.shortDescription`).
    public func rpcError(endpoint: String, kind: String) {
        let endpoint = endpoints.value(for: endpoint)
        let kind = errorKinds.value(for: kind)
        let counter = rpcErrorCounters.withLock { counters in
            let key = endpoint + "\u{0}" + kind
            if let counter = counters[key] { return counter }
            let counter = MetricsCounter(
                label: Name.rpcErrors, dimensions: [("endpoint", endpoint), ("kind", kind)], factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment()
    }

    /// Counts `error` against its endpoint (`unknown` when it names none) and its bounded
    /// `shortDescription`.
    public func rpcError(_ error: RPCError) {
        rpcError(endpoint: error.endpoint ?? "unknown", kind: error.shortDescription)
    }

    /// The chain head moved (a new block number was seen) at `time`; `keeper_head_lag_seconds`
    /// is the time since then, computed when the metrics are rendered.
    public func headMoved(at time: Date? = nil) {
        let time = time ?? now()
        headMovedAt.withLock { $0 = time }
        headLag.record(0)
    }

    /// Seconds since the head last moved (since these metrics were made, before the first head).
    public func headAge(at time: Date? = nil) -> Double {
        max(0, (time ?? now()).timeIntervalSince(headMovedAt.withLock { $0 }))
    }

    /// The subgraph configured as `subgraph` is `blocks` behind the chain head (its `_meta`).
    public func subgraphLag(blocks: Int, subgraph: String) {
        let name = subgraphs.value(for: subgraph)
        let gauge = subgraphGauges.withLock { gauges in
            if let gauge = gauges[name] { return gauge }
            let gauge = MetricsGauge(label: Name.subgraphLag, dimensions: [("subgraph", name)], factory: factory)
            gauges[name] = gauge
            return gauge
        }
        gauge.record(blocks)
    }

    // MARK: Intents and transactions

    /// Sets the number of intents in `state`.
    public func setIntents(_ state: IntentState, count: Int) {
        intents[state]?.record(count)
    }

    /// Sets every state's count at once; a state missing from `counts` is set to zero.
    public func setIntentCounts(_ counts: [IntentState: Int]) {
        for state in IntentState.allCases { setIntents(state, count: counts[state] ?? 0) }
    }

    /// A signed transaction was broadcast (`eth_sendRawTransaction` accepted it).
    public func transactionSent() { sent.increment() }
    /// A transaction reached the configured confirmations.
    public func transactionConfirmed() { confirmed.increment() }
    /// A stuck transaction was replaced by one with higher fees.
    public func transactionReplaced() { replaced.increment() }
    /// A transaction failed: reverted on chain, or refused by the node.
    public func transactionFailed() { failed.increment() }

    /// The signer refused to sign, naming `rule` (its stable rule id, such as `max_fee_per_gas`
    /// or `budget.value.24h`).
    public func signerRefused(rule: String) {
        let rule = rules.value(for: rule)
        let counter = refusalCounters.withLock { counters in
            if let counter = counters[rule] { return counter }
            let counter = MetricsCounter(label: Name.signerRefusals, dimensions: [("rule", rule)], factory: factory)
            counters[rule] = counter
            return counter
        }
        counter.increment()
    }

    // MARK: Health

    /// A health verdict from what these metrics saw: unhealthy when the last good tick (or, before
    /// the first one, the start) is older than `maxTickAge`, or the head has not moved for
    /// `maxHeadAge`. A ready-made closure for `/healthz`:
    ///
    ///     try router.addObservabilityRoutes(metrics: metrics) {
    ///         metrics.health(maxTickAge: .seconds(90), maxHeadAge: .seconds(120))
    ///     }
    public func health(maxTickAge: Duration, maxHeadAge: Duration, at time: Date? = nil) -> KeeperHealth {
        let time = time ?? now()
        let lastTick = lastGoodTick.withLock { $0 }
        let tickAge = time.timeIntervalSince(lastTick ?? createdAt)
        let headAge = headAge(at: time)
        if tickAge > Self.seconds(maxTickAge) {
            let what = lastTick == nil ? "no good tick since the start" : "no good tick"
            return .unhealthy(reason: "\(what) \(Int(tickAge)) s ago (limit \(Int(Self.seconds(maxTickAge))) s)")
        }
        if headAge > Self.seconds(maxHeadAge) {
            return .unhealthy(
                reason: "the chain head has not moved for \(Int(headAge)) s (limit \(Int(Self.seconds(maxHeadAge))) s)")
        }
        return .healthy(lastTick: lastTick, headAge: .milliseconds(Int64((headAge * 1000).rounded())))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    // MARK: Rendering

    /// The Prometheus text exposition (format 0.0.4) of the whole registry, with the head lag
    /// brought up to `time`.
    public func render(at time: Date? = nil) -> [UInt8] {
        headLag.record(headAge(at: time))
        return registry.emitToBuffer()
    }

    /// ``render(at:)`` as text.
    public func renderText(at time: Date? = nil) -> String {
        String(decoding: render(at: time), as: UTF8.self)
    }
}
