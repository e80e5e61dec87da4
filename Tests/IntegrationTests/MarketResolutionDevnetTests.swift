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
        let devnet = try Devnet(scenario: "demo", options: ["data_dir": FileManager.default.temporaryDirectory.appendingPathComponent("mon-\(UUID())").path])
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
}
