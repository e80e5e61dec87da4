import DevnetTestKit
import EVM
import Foundation
import Keeper
import Oracle
import Strategies
import Testing

/// Drift receipts on the devnet's demo scenario: the monitoring files the scenario wrote give the
/// manifest's PSI values; the receipts are registered once; their exported canonical JSON hashes
/// to what the chain holds.
@Suite struct DriftReceiptsDevnetTests {
    @Test func registersReceiptsWhoseHashesRecompute() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drift-e2e-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let devnet = try await Devnet.start(scenario: "demo", options: ["data_dir": dir.appendingPathComponent("monitoring").path])
        let manifest = try #require(devnet.manifest)
        let dataDir = try #require(manifest["models"]?["dataDir"]?.stringValue)
        let configFile = dir.appendingPathComponent("keeper.toml")
        try Data("""
            [strategies.drift]
            kind = "drift-receipts"
            directory = "\(dataDir)"
            archive = "receipts.sqlite"
            """.utf8).write(to: configFile)
        let env = try StrategyDevnet.environment(devnet)
        let (observer, strategy) = try DriftReceiptsKind.make(
            name: "drift", table: try StrategyDevnet.table("", name: "drift", file: configFile.path), environment: env)
        #expect((observer as? DriftReceiptsObserver)?.archive.path == dir.appendingPathComponent("receipts.sqlite").path)

        let (_, decision) = try await StrategyDevnet.tick(observer, strategy, devnet)
        let models = try #require(manifest["models"]?["list"]?.arrayValue)
        #expect(decision.intents.count == models.count)
        #expect(decision.notes.isEmpty)

        // Each receipt's PSI values are the manifest's (computed independently in Python).
        let records = try ReceiptsTool.records(configPath: configFile.path)
        #expect(records.count == models.count)
        for m in models {
            let name = try #require(m["model"]?.stringValue)
            let record = try #require(records.first { $0.model == name })
            let stored = try CanonicalJSON(parsing: record.canonicalJSON)
            for (feature, value) in try #require(m["psi"]?.objectValue) {
                guard case .number(let text) = value, let psi = Double(text) else { continue }
                let micros = try #require(PopulationStabilityIndex.micros(psi))
                #expect(stored.objectValue?["features"]?.objectValue?[feature]?.stringValue == PopulationStabilityIndex.decimalString(micros: micros), "\(name) \(feature)")
            }
            guard case .number(let maxText)? = m["maxPsi"], let maxPsi = Double(maxText),
                  case .number(let floorText)? = m["driftBpsFloor"], let floor = Int64(floorText)
            else { Issue.record("manifest model \(name) lacks maxPsi/driftBpsFloor"); continue }
            let expectedBps = PopulationStabilityIndex.driftBps(psiMicros: try #require(PopulationStabilityIndex.micros(maxPsi)))
            #expect(record.driftBps == expectedBps)
            #expect(record.driftBps == floor || record.driftBps == floor + 1)
            #expect(record.periodEnd == StrategyDevnet.uint(m["periodEnd"])?.uint64)
        }

        // Sent: the registry holds each (model, period) with the archived receipt's hash.
        let receipts = try await StrategyDevnet.send(decision.intents, devnet)
        #expect(receipts.allSatisfy { $0.succeeded })
        let registry = try #require(env.contracts["DriftReceiptRegistry"]).address
        for record in records {
            let onChain = try await StrategyDevnet.call(
                devnet, registry,
                "getReceipt(bytes32,uint256) returns (uint256 driftBps, bytes32 receiptHash, uint256 submittedAt, address submitter, bool exists)",
                [.fixedBytes(record.modelId), .uint(U256(record.periodEnd))])
            #expect(onChain[0] == .uint(U256(UInt64(record.driftBps))))
            #expect(onChain[1] == .fixedBytes(record.receiptHash))
            #expect(onChain[4] == .bool(true))
            // Anyone can recompute it from the export: `keeper keccak` of the bytes, or of the text.
            let hash = try #require(onChain[1].bytesValue)
            #expect(KeccakTool.hash(Hex.encode(record.canonicalJSON)) == Hex.encode(hash))
            #expect(KeccakTool.hash(ReceiptsTool.line(record)) == Hex.encode(hash))
            #expect(try DriftReceipt.verify(storedJSON: record.canonicalJSON).receiptHash == hash)
        }
        let files = try ReceiptsTool.write(try ReceiptsTool.records(configPath: configFile.path, model: "fraud-v1"), to: dir.appendingPathComponent("out").path)
        #expect(files.count == 1)
        let exported = try Data(contentsOf: URL(fileURLWithPath: try #require(files.first)))
        #expect(Array(exported) == records.first { $0.model == "fraud-v1" }?.canonicalJSON)

        // Once per (model, period): the next tick plans nothing.
        let (_, again) = try await StrategyDevnet.tick(observer, strategy, devnet)
        #expect(again.intents.isEmpty)
    }

    @Test func observerReadsTheScenariosMonitoringFiles() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drift-obs-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let devnet = try await Devnet.start(scenario: "demo", options: ["data_dir": dir.path])
        let manifest = try #require(devnet.manifest)
        let env = try StrategyDevnet.environment(devnet)
        let observer = DriftObserver(
            strategy: "drift", registry: try #require(env.contracts["DriftReceiptRegistry"]).address,
            source: .directory(try #require(manifest["models"]?["dataDir"]?.stringValue)), maxAgeSeconds: 7 * 86_400)
        let context = StrategyDevnet.context(devnet)
        let head = try #require(try await context.rpc.block(.latest))
        let observation = try #require(try await observer.observe(at: head, context: context) as? DriftObservation)
        let models = try #require(manifest["models"]?["list"]?.arrayValue)
        #expect(observation.problems.isEmpty)
        #expect(observation.entries.map(\.snapshot.model) == models.compactMap { $0["model"]?.stringValue }.sorted())
        for entry in observation.entries {
            let m = try #require(models.first { $0["model"]?.stringValue == entry.snapshot.model })
            #expect(!entry.registered)
            #expect(Hex.encode(entry.snapshot.modelId) == m["modelId"]?.stringValue)
            #expect(U256(entry.snapshot.periodEnd) == StrategyDevnet.uint(m["periodEnd"]))
            // The histograms (proportions with 6 decimals) became exact counts per million.
            for feature in entry.snapshot.inputs.features {
                #expect(feature.baseline.reduce(0, +) == 1_000_000, "\(entry.snapshot.model) \(feature.name) baseline")
                #expect(feature.current.reduce(0, +) == 1_000_000, "\(entry.snapshot.model) \(feature.name) current")
            }
        }
        // A receipt already registered (the scenario's latest, churn-v3 a day ago) reads as registered.
        let registered = try #require(manifest["receipts"]?.arrayValue?.max {
            (StrategyDevnet.uint($0["periodEnd"]) ?? .zero) < (StrategyDevnet.uint($1["periodEnd"]) ?? .zero)
        })
        let snapshot = try #require(observation.entries.first).snapshot
        var old = snapshot
        old.periodEnd = try #require(StrategyDevnet.uint(registered["periodEnd"])?.uint64)
        old.modelId = try Hex.decode(try #require(registered["modelId"]?.stringValue))
        old.inputs.periodEnd = old.periodEnd
        let again = try await observer.observe(snapshots: [old], problems: [], at: head, context: context)
        #expect(again.entries.first?.registered == true)
    }
}
