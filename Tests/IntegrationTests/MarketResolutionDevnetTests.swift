import DevnetTestKit
import EVM
import Foundation
import Oracle
import Strategies
import Testing

/// Market resolution on the devnet's demo scenario: the observer finds the due markets, the
/// strategy resolves them with the manifest's expected outcomes, the chain records them, and the
/// next tick plans nothing.
@Suite struct MarketResolutionDevnetTests {
    static let config = """
        [strategies.markets]
        kind = "market-resolution"
        grace_seconds = 3600
        """

    @Test func resolvesDueMarketsWithTheExpectedOutcomes() async throws {
        let devnet = try await Devnet.start(scenario: "demo", options: ["data_dir": FileManager.default.temporaryDirectory.appendingPathComponent("mon-\(UUID())").path])
        let manifest = try #require(devnet.manifest)
        #expect(manifest["markets"]?["graceSeconds"] == .number("3600"))
        let env = try StrategyDevnet.environment(devnet)
        let (observer, strategy) = try MarketResolutionKind.make(
            name: "markets", table: try StrategyDevnet.table(Self.config, name: "markets"), environment: env)

        // Observation: the chain's truth for the candidates the subgraph found.
        let (head, decision) = try await StrategyDevnet.tick(observer, strategy, devnet)
        let list = try #require(manifest["markets"]?["list"]?.arrayValue)
        var expected: [U256: String] = [:]
        for m in list {
            let id = try #require(StrategyDevnet.uint(m["marketId"]))
            expected[id] = try #require(m["expected"]?.stringValue)
        }
        let planned = Dictionary(uniqueKeysWithValues: decision.intents.map { ($0.arguments[0].uintValue ?? .zero, $0) })
        for (id, what) in expected {
            switch what {
            case "resolve-yes":
                #expect(planned[id]?.arguments == [.uint(id), .bool(true)], "market \(id)")
                #expect(planned[id]?.reason.contains("1450 bps >= 1000") == true)
            case "resolve-no":
                #expect(planned[id]?.arguments == [.uint(id), .bool(false)], "market \(id)")
                #expect(planned[id]?.reason.contains("800 bps < 2000") == true)
            case "missing-data":
                #expect(planned[id] == nil, "market \(id)")
                #expect(decision.notes.contains { $0.level == .warning && $0.message.contains("market \(id) ") && $0.message.contains("no drift receipt") })
            default:  // already-resolved, not-ended, in-grace
                #expect(planned[id] == nil, "market \(id) (\(what))")
            }
        }
        #expect(decision.intents.count == 2)
        #expect(head.number > 0)

        // The keeper's part: sign, send; the chain's effect.
        let receipts = try await StrategyDevnet.send(decision.intents, devnet)
        #expect(receipts.allSatisfy { $0.succeeded })
        let market = try #require(env.contracts["PredictionMarket"]).address
        for (id, what) in expected where what.hasPrefix("resolve-") {
            #expect(try await StrategyDevnet.call(devnet, market, "resolved(uint256) returns (bool)", [.uint(id)]) == [.bool(true)])
            #expect(try await StrategyDevnet.call(devnet, market, "outcome(uint256) returns (bool)", [.uint(id)])
                == [.bool(what == "resolve-yes")])
        }

        // The next tick: nothing left to resolve, the missing-data market still warned about.
        let (_, again) = try await StrategyDevnet.tick(observer, strategy, devnet)
        #expect(again.intents.isEmpty)
        #expect(again.notes.contains { $0.level == .warning })
    }

    @Test func observerReadsCandidatesAndReceiptsFromTheChain() async throws {
        let devnet = try await Devnet.start(scenario: "demo", options: ["data_dir": FileManager.default.temporaryDirectory.appendingPathComponent("mon-\(UUID())").path])
        let manifest = try #require(devnet.manifest)
        let env = try StrategyDevnet.environment(devnet)
        let observer = MarketObserver(
            strategy: "markets", marketContract: try #require(env.contracts["PredictionMarket"]).address,
            registry: try #require(env.contracts["DriftReceiptRegistry"]).address, subgraph: "markets", graceSeconds: 3600)
        let context = StrategyDevnet.context(devnet)
        let head = try #require(try await context.rpc.block(.latest))
        let observation = try #require(try await observer.observe(at: head, context: context) as? MarketObservation)

        // Candidates: unresolved and ended before head - grace (not the open, in-grace or resolved ones).
        var due: [U256: JSONValue] = [:]
        for m in try #require(manifest["markets"]?["list"]?.arrayValue)
        where ["resolve-yes", "resolve-no", "missing-data"].contains(m["expected"]?.stringValue ?? "") {
            due[try #require(StrategyDevnet.uint(m["marketId"]))] = m
        }
        #expect(Set(observation.markets.map(\.marketId)) == Set(due.keys))
        for market in observation.markets {
            let m = try #require(due[market.marketId])
            #expect(!market.resolved)
            #expect(Hex.encode(market.modelId) == m["modelId"]?.stringValue)
            #expect(U256(market.startTime) == StrategyDevnet.uint(m["startTime"]))
            #expect(U256(market.endTime) == StrategyDevnet.uint(m["endTime"]))
            #expect(market.driftThresholdBps == StrategyDevnet.uint(m["driftThresholdBps"]))
        }
        // Receipts: every registered receipt of those models, with the manifest's drift and hash.
        for r in try #require(manifest["receipts"]?.arrayValue) {
            let model = try Hex.decode(try #require(r["modelId"]?.stringValue))
            guard let list = observation.receipts[model] else { continue }
            let period = try #require(StrategyDevnet.uint(r["periodEnd"])?.uint64)
            let found = try #require(list.first { $0.periodEnd == period })
            #expect(found.driftBps == StrategyDevnet.uint(r["driftBps"]))
            #expect(Hex.encode(found.receiptHash) == r["receiptHash"]?.stringValue)
        }
        #expect(observation.receipts.values.map(\.count).reduce(0, +) == 5)
    }
}
