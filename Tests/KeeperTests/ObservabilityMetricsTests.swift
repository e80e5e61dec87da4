import EVM
import Foundation
import Metrics
import Oracle
import Testing

@testable import Keeper

/// ``KeeperMetrics`` rendered after typed updates: exact exposition lines. The registry emits
/// metric families in no fixed order, so a render is compared as a set of lines.
@Suite struct ObservabilityMetricsTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)

    static func lines(_ metrics: KeeperMetrics, at time: Date = start) -> Set<String> {
        Set(metrics.renderText(at: time).split(separator: "\n").map(String.init))
    }

    /// The whole page of fresh metrics: every family, its type, and zero values.
    static let freshPage: Set<String> = [
        "# TYPE keeper_ticks_total counter",
        #"keeper_ticks_total{outcome="ok"} 0"#,
        #"keeper_ticks_total{outcome="failed"} 0"#,
        "# TYPE keeper_tick_duration_seconds histogram",
        #"keeper_tick_duration_seconds_bucket{le="0.01"} 0"#,
        #"keeper_tick_duration_seconds_bucket{le="0.025"} 0"#,
        #"keeper_tick_duration_seconds_bucket{le="0.05"} 0"#,
        #"keeper_tick_duration_seconds_bucket{le="0.1"} 0"#,
        #"keeper_tick_duration_seconds_bucket{le="0.25"} 0"#,
        #"keeper_tick_duration_seconds_bucket{le="0.5"} 0"#,
        #"keeper_tick_duration_seconds_bucket{le="1.0"} 0"#,
        #"keeper_tick_duration_seconds_bucket{le="2.5"} 0"#,
        #"keeper_tick_duration_seconds_bucket{le="5.0"} 0"#,
        #"keeper_tick_duration_seconds_bucket{le="10.0"} 0"#,
        #"keeper_tick_duration_seconds_bucket{le="30.0"} 0"#,
        #"keeper_tick_duration_seconds_bucket{le="+Inf"} 0"#,
        "keeper_tick_duration_seconds_sum 0.0",
        "keeper_tick_duration_seconds_count 0",
        "# TYPE keeper_last_successful_tick_timestamp_seconds gauge",
        "keeper_last_successful_tick_timestamp_seconds 0.0",
        "# TYPE keeper_head_lag_seconds gauge",
        "keeper_head_lag_seconds 0.0",
        "# TYPE keeper_intents gauge",
        #"keeper_intents{state="planned"} 0.0"#,
        #"keeper_intents{state="signed"} 0.0"#,
        #"keeper_intents{state="sent"} 0.0"#,
        #"keeper_intents{state="confirmed"} 0.0"#,
        #"keeper_intents{state="failed"} 0.0"#,
        #"keeper_intents{state="dropped"} 0.0"#,
        "# TYPE keeper_transactions_sent_total counter",
        "keeper_transactions_sent_total 0",
        "# TYPE keeper_transactions_confirmed_total counter",
        "keeper_transactions_confirmed_total 0",
        "# TYPE keeper_transactions_replaced_total counter",
        "keeper_transactions_replaced_total 0",
        "# TYPE keeper_transactions_failed_total counter",
        "keeper_transactions_failed_total 0",
    ]

    @Test func freshMetricsRenderEveryFamilyAtZero() {
        #expect(Self.lines(KeeperMetrics(now: { Self.start })) == Self.freshPage)
    }

    @Test func typedUpdatesRenderExactLines() {
        let metrics = KeeperMetrics(now: { Self.start })
        metrics.tickFinished(duration: .milliseconds(120), at: Self.start.addingTimeInterval(2.5))
        metrics.tickFinished(duration: .milliseconds(40))
        metrics.tickFailed(duration: .seconds(3))
        metrics.rpcError(endpoint: "primary", kind: "rateLimited")
        metrics.rpcError(endpoint: "primary", kind: "rateLimited")
        metrics.rpcError(RPCError(.rpc, endpoint: "backup", message: "header not found", code: -32000))
        metrics.headMoved(at: Self.start.addingTimeInterval(10))
        metrics.subgraphLag(blocks: 7, subgraph: "aave-v3")
        metrics.setIntentCounts([.planned: 3, .sent: 1])
        metrics.transactionSent()
        metrics.transactionSent()
        metrics.transactionConfirmed()
        metrics.transactionReplaced()
        metrics.transactionFailed()
        metrics.signerRefused(rule: "max_fee_per_gas")
        metrics.signerRefused(rule: "budget.value.24h")
        metrics.signerRefused(rule: "max_fee_per_gas")

        let changed: [String: String] = [
            #"keeper_ticks_total{outcome="ok"} 0"#: #"keeper_ticks_total{outcome="ok"} 2"#,
            #"keeper_ticks_total{outcome="failed"} 0"#: #"keeper_ticks_total{outcome="failed"} 1"#,
            #"keeper_tick_duration_seconds_bucket{le="0.05"} 0"#: #"keeper_tick_duration_seconds_bucket{le="0.05"} 1"#,
            #"keeper_tick_duration_seconds_bucket{le="0.1"} 0"#: #"keeper_tick_duration_seconds_bucket{le="0.1"} 1"#,
            #"keeper_tick_duration_seconds_bucket{le="0.25"} 0"#: #"keeper_tick_duration_seconds_bucket{le="0.25"} 2"#,
            #"keeper_tick_duration_seconds_bucket{le="0.5"} 0"#: #"keeper_tick_duration_seconds_bucket{le="0.5"} 2"#,
            #"keeper_tick_duration_seconds_bucket{le="1.0"} 0"#: #"keeper_tick_duration_seconds_bucket{le="1.0"} 2"#,
            #"keeper_tick_duration_seconds_bucket{le="2.5"} 0"#: #"keeper_tick_duration_seconds_bucket{le="2.5"} 2"#,
            #"keeper_tick_duration_seconds_bucket{le="5.0"} 0"#: #"keeper_tick_duration_seconds_bucket{le="5.0"} 3"#,
            #"keeper_tick_duration_seconds_bucket{le="10.0"} 0"#: #"keeper_tick_duration_seconds_bucket{le="10.0"} 3"#,
            #"keeper_tick_duration_seconds_bucket{le="30.0"} 0"#: #"keeper_tick_duration_seconds_bucket{le="30.0"} 3"#,
            #"keeper_tick_duration_seconds_bucket{le="+Inf"} 0"#: #"keeper_tick_duration_seconds_bucket{le="+Inf"} 3"#,
            "keeper_tick_duration_seconds_sum 0.0": "keeper_tick_duration_seconds_sum 3.16",
            "keeper_tick_duration_seconds_count 0": "keeper_tick_duration_seconds_count 3",
            // The second good tick took the injected clock's time.
            "keeper_last_successful_tick_timestamp_seconds 0.0": "keeper_last_successful_tick_timestamp_seconds 1700000000.0",
            "keeper_head_lag_seconds 0.0": "keeper_head_lag_seconds 5.25",
            #"keeper_intents{state="planned"} 0.0"#: #"keeper_intents{state="planned"} 3.0"#,
            #"keeper_intents{state="sent"} 0.0"#: #"keeper_intents{state="sent"} 1.0"#,
            "keeper_transactions_sent_total 0": "keeper_transactions_sent_total 2",
            "keeper_transactions_confirmed_total 0": "keeper_transactions_confirmed_total 1",
            "keeper_transactions_replaced_total 0": "keeper_transactions_replaced_total 1",
            "keeper_transactions_failed_total 0": "keeper_transactions_failed_total 1",
        ]
        var expected = Set(Self.freshPage.map { changed[$0] ?? $0 })
        expected.formUnion([
            "# TYPE keeper_rpc_errors_total counter",
            #"keeper_rpc_errors_total{endpoint="primary",kind="rateLimited"} 2"#,
            #"keeper_rpc_errors_total{endpoint="backup",kind="rpc(-32000)"} 1"#,
            "# TYPE keeper_subgraph_lag_blocks gauge",
            #"keeper_subgraph_lag_blocks{subgraph="aave-v3"} 7.0"#,
            "# TYPE keeper_signer_refusals_total counter",
            #"keeper_signer_refusals_total{rule="max_fee_per_gas"} 2"#,
            #"keeper_signer_refusals_total{rule="budget.value.24h"} 1"#,
        ])
        let rendered = Self.lines(metrics, at: Self.start.addingTimeInterval(15.25))
        #expect(rendered.subtracting(expected) == [])
        #expect(expected.subtracting(rendered) == [])
    }

    @Test func headLagGrowsUntilTheHeadMovesAgain() {
        let metrics = KeeperMetrics(now: { Self.start })
        #expect(Self.lines(metrics, at: Self.start.addingTimeInterval(30)).contains("keeper_head_lag_seconds 30.0"))
        metrics.headMoved(at: Self.start.addingTimeInterval(31))
        #expect(metrics.headAge(at: Self.start.addingTimeInterval(32)) == 1)
        #expect(Self.lines(metrics, at: Self.start.addingTimeInterval(31)).contains("keeper_head_lag_seconds 0.0"))
        // A clock that runs behind the last head never gives a negative lag.
        #expect(metrics.headAge(at: Self.start) == 0)
    }

    @Test func labelValuesAreSanitizedAndBounded() {
        let metrics = KeeperMetrics(now: { Self.start })
        metrics.signerRefused(rule: "argument.to 0xAbC\"}\n")
        metrics.rpcError(endpoint: "", kind: "transport")
        for index in 0..<70 { metrics.signerRefused(rule: "argument.a\(index)") }
        let rendered = Self.lines(metrics)
        #expect(rendered.contains(#"keeper_signer_refusals_total{rule="argument.to_0xAbC___"} 1"#))
        #expect(rendered.contains(#"keeper_rpc_errors_total{endpoint="unknown",kind="transport"} 1"#))
        // 64 distinct rules are kept (the sanitized one and 63 more); the other 7 fold into "other".
        #expect(rendered.contains(#"keeper_signer_refusals_total{rule="other"} 7"#))
        #expect(rendered.filter { $0.hasPrefix("keeper_signer_refusals_total{") }.count == 65)
        #expect(BoundedLabelValues.sanitize(String(repeating: "x", count: 100)).count == 64)
    }

    @Test func bootstrapIsOnceAndGlobalMetricsLandOnTheSameRegistry() {
        let registry = KeeperMetrics.bootstrapMetricsSystem()
        #expect(KeeperMetrics.bootstrapMetricsSystem() === registry)
        Metrics.Counter(label: "keeper_test_global_total").increment(by: 3)
        let metrics = KeeperMetrics(registry: registry, now: { Self.start })
        metrics.transactionSent()
        let rendered = Self.lines(metrics)
        #expect(rendered.contains("keeper_test_global_total 3"))
        #expect(rendered.contains("keeper_transactions_sent_total 1"))
    }
}

@Suite struct ObservabilityHealthTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)

    @Test func healthFollowsTheLastTickAndTheHead() {
        let metrics = KeeperMetrics(now: { Self.start })
        let limits = (tick: Duration.seconds(90), head: Duration.seconds(120))
        // Before the first tick: healthy during the grace period, then not.
        #expect(
            metrics.health(maxTickAge: limits.tick, maxHeadAge: limits.head, at: Self.start.addingTimeInterval(30))
                == .healthy(lastTick: nil, headAge: .seconds(30)))
        #expect(
            metrics.health(maxTickAge: limits.tick, maxHeadAge: limits.head, at: Self.start.addingTimeInterval(91))
                == .unhealthy(reason: "no good tick since the start 91 s ago (limit 90 s)"))
        // A good tick and a moving head.
        metrics.headMoved(at: Self.start.addingTimeInterval(100))
        metrics.tickFinished(duration: .milliseconds(5), at: Self.start.addingTimeInterval(100.5))
        #expect(
            metrics.health(maxTickAge: limits.tick, maxHeadAge: limits.head, at: Self.start.addingTimeInterval(101.25))
                == .healthy(lastTick: Self.start.addingTimeInterval(100.5), headAge: .milliseconds(1250)))
        // Ticks go on but the head stalls.
        metrics.tickFinished(duration: .milliseconds(5), at: Self.start.addingTimeInterval(230))
        #expect(
            metrics.health(maxTickAge: limits.tick, maxHeadAge: limits.head, at: Self.start.addingTimeInterval(231))
                == .unhealthy(reason: "the chain head has not moved for 131 s (limit 120 s)"))
        // Ticks stop.
        #expect(
            metrics.health(maxTickAge: .seconds(90), maxHeadAge: .seconds(1000), at: Self.start.addingTimeInterval(400))
                == .unhealthy(reason: "no good tick 170 s ago (limit 90 s)"))
    }

    @Test func healthResponsesAreJSON() {
        let healthy = HTTPRouter.healthResponse(.healthy(lastTick: nil, headAge: nil))
        #expect(healthy.status == .ok)
        #expect(String(decoding: healthy.body, as: UTF8.self) == #"{"head_age_seconds":null,"last_tick":null,"status":"ok"}"# + "\n")
        let unhealthy = HTTPRouter.healthResponse(.unhealthy(reason: "a \"quoted\" reason"))
        #expect(unhealthy.status == .serviceUnavailable)
        #expect(String(decoding: unhealthy.body, as: UTF8.self) == #"{"reason":"a \"quoted\" reason","status":"unhealthy"}"# + "\n")
    }
}
