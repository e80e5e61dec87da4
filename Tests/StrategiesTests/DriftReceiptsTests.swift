import EVM
import Foundation
import Oracle
import Strategies
import TOML
import Testing

/// The drift-receipts strategy, the monitoring snapshot format, and the receipt archive.
@Suite struct DriftReceiptsTests {
    static let registry = ContractDirectory.Contract(name: "DriftReceiptRegistry", address: Address(word: U256(0x2222)))
    let strategy = DriftReceipts(name: "drift", config: .init(registry: registry))

    static let snapshotJSON = """
        {"model": "fraud-v1", "modelId": "0x66726175642d7631000000000000000000000000000000000000000000000000",
         "periodStart": 1699913600, "periodEnd": 1700000000,
         "features": {"amount": {"bins": [0, 0.5, 1], "baseline": [0.5, 0.5], "current": [0.25, 0.75]},
                      "age": {"bins": [0, 0.5, 1], "baseline": [0.4, 0.6], "current": [0.0, 1.0]}},
         "baselineAccuracy": 0.912, "currentAccuracy": 0.897}
        """

    static func snapshot() throws -> DriftMonitoringSnapshot {
        try DriftMonitoringSnapshot(json: Array(snapshotJSON.utf8), source: "test.json")
    }

    @Test func snapshotProportionsBecomeCountsPerMillion() throws {
        let s = try Self.snapshot()
        #expect(s.model == "fraud-v1")
        #expect(s.modelId == DriftMonitoringSnapshot.modelID("fraud-v1"))
        #expect(s.periodEnd == 1_700_000_000)
        #expect(s.inputs.features.map(\.name) == ["age", "amount"])
        #expect(s.inputs.features[0].baseline == [400_000, 600_000])
        #expect(s.inputs.features[0].current == [0, 1_000_000])
        #expect(s.inputs.features[1].current == [250_000, 750_000])
        #expect(s.inputs.baselineAccuracy == 0.912)
    }

    @Test(arguments: [
        ("0.1", UInt64(100_000)), ("1.0", 1_000_000), ("1", 1_000_000), ("0", 0), ("1e-05", 10), ("2.5E-3", 2_500),
        ("0.0000005", 0), ("0.0000015", 2), ("0.00000150001", 2), ("0.0000025", 2), ("0.123456", 123_456), ("12e2", 1_200_000_000),
    ])
    func perMillionIsExact(text: String, expected: UInt64) {
        #expect(DriftMonitoringSnapshot.perMillion(text) == expected)
    }

    @Test(arguments: ["-0.1", "", ".", "0.1.2", "1e", "abc"])
    func perMillionRefusesMalformed(text: String) {
        #expect(DriftMonitoringSnapshot.perMillion(text) == nil)
    }

    @Test func integerHistogramsAreCounts() throws {
        let json = #"{"model": "m", "periodEnd": 5, "features": {"f": {"baseline": [10, 20], "current": [15, 15]}}}"#
        let s = try DriftMonitoringSnapshot(json: Array(json.utf8), source: "x")
        #expect(s.inputs.features[0].baseline == [10, 20])
        #expect(s.modelId == [UInt8(ascii: "m")] + [UInt8](repeating: 0, count: 31))
    }

    @Test func aModelIdThatDisagreesWithTheNameIsRefused() {
        let json = #"{"model": "a", "modelId": "0x6200000000000000000000000000000000000000000000000000000000000000", "periodEnd": 5, "features": {"f": {"baseline": [1], "current": [1]}}}"#
        let error = #expect(throws: DriftMonitoringSnapshot.Failure.self) {
            _ = try DriftMonitoringSnapshot(json: Array(json.utf8), source: "a/5.json")
        }
        #expect(error?.description.hasPrefix("a/5.json: 'modelId'") == true)
    }

    @Test func unregisteredReceiptIsSubmittedWithItsHash() throws {
        let s = try Self.snapshot()
        let receipt = try DriftReceipt(inputs: s.inputs)
        let observation = DriftObservation(entries: [.init(snapshot: s, receipt: receipt, registered: false)])
        let decision = strategy.decide(observation, blockTime: 1_700_000_100)
        let intent = try #require(decision.intents.first)
        #expect(intent.idempotencyKey == "drift/fraud-v1/1700000000")
        #expect(intent.to == Self.registry.address)
        #expect(intent.arguments == [
            .fixedBytes(s.modelId), .uint(U256(1_700_000_000)), .uint(U256(UInt64(receipt.driftBps))), .fixedBytes(receipt.receiptHash),
        ])
        #expect(receipt.receiptHash == Keccak256.hash(receipt.canonicalJSON))
        #expect(intent.reason.contains("drift \(receipt.driftBps) bps"))
        #expect(intent.reason.contains("on '\(receipt.maxFeature)'"))
        let decoded = try DriftReceipts.submitFunction.decodeCall(try intent.calldata())
        #expect(decoded == intent.arguments)
    }

    @Test func registeredReceiptGivesNoIntent() throws {
        let s = try Self.snapshot()
        let observation = DriftObservation(entries: [.init(snapshot: s, receipt: try DriftReceipt(inputs: s.inputs), registered: true)])
        #expect(strategy.decide(observation, blockTime: 1_700_000_100).intents.isEmpty)
    }

    @Test func aPeriodNotYetEndedGivesNoIntent() throws {
        let s = try Self.snapshot()
        let observation = DriftObservation(entries: [.init(snapshot: s, receipt: try DriftReceipt(inputs: s.inputs), registered: false)])
        #expect(strategy.decide(observation, blockTime: 1_699_999_999).intents.isEmpty)
        #expect(strategy.decide(observation, blockTime: 1_700_000_000).intents.count == 1)
    }

    @Test func problemsBecomeWarnings() {
        let decision = strategy.decide(DriftObservation(entries: [], problems: ["x/1.json: not JSON"]), blockTime: 5)
        #expect(decision.notes == [.init(.warning, "monitoring snapshot skipped: x/1.json: not JSON")])
    }

    @Test func archiveKeepsTheExactBytesOnce() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drift-archive-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let archive = ReceiptArchive(path: dir.appendingPathComponent("r.sqlite").path)
        let s = try Self.snapshot()
        let receipt = try DriftReceipt(inputs: s.inputs)
        try archive.archive(receipt, modelId: s.modelId, now: 42)
        try archive.archive(receipt, modelId: s.modelId, now: 43)
        let records = try archive.records()
        #expect(records.count == 1)
        let r = try #require(records.first)
        #expect(r.canonicalJSON == receipt.canonicalJSON)
        #expect(DriftReceipt.recomputeHash(storedJSON: r.canonicalJSON) == r.receiptHash)
        #expect(try DriftReceipt.verify(storedJSON: r.canonicalJSON).receiptHash == receipt.receiptHash)
        #expect(Keccak256.hash(r.inputsJSON) == receipt.inputsDigest)
        #expect(r.modelId == s.modelId && r.periodEnd == 1_700_000_000 && r.archivedAt == 42)
        #expect(try archive.records(model: "other").isEmpty)
    }

    @Test func readingAMissingArchiveSaysWhatToCheck() {
        let archive = ReceiptArchive(path: "/nonexistent/dir/r.sqlite")
        let error = #expect(throws: ReceiptArchive.Failure.self) { _ = try archive.records() }
        #expect(error?.description.contains("'archive' key") == true)
    }

    @Test func directorySourceReadsModelDirectories() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drift-mon-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("fraud-v1")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        try Data(Self.snapshotJSON.utf8).write(to: model.appendingPathComponent("1700000000.json"))
        try Data(Self.snapshotJSON.utf8).write(to: model.appendingPathComponent("1700000001.json"))  // misnamed
        try Data("{".utf8).write(to: model.appendingPathComponent("1700086400.json"))
        let observer = DriftObserver(strategy: "drift", registry: Self.registry.address, source: .directory(dir.path), maxAgeSeconds: 86_400)
        let (snapshots, problems) = try await observer.load()
        #expect(snapshots.map(\.periodEnd) == [1_700_000_000])
        #expect(problems.count == 2)
        #expect(problems.contains { $0.contains("1700000001.json") && $0.contains("name the file 1700000000.json") })
        #expect(problems.contains { $0.contains("1700086400.json") && $0.contains("not JSON") })
    }

    @Test func kindNeedsADirectoryOrAURL() throws {
        let env = StrategyEnvironment(chainID: 31337, account: Address(word: U256(1)), contracts: ContractDirectory([Self.registry]))
        let none = try TOML.parse("kind = \"drift-receipts\"\n")
        let e1 = #expect(throws: TOMLError.self) { _ = try DriftReceiptsKind.make(name: "drift", table: none, environment: env) }
        #expect(e1?.message.contains("set 'directory'") == true)
        let both = try TOML.parse("directory = \"/tmp\"\nurl = \"http://127.0.0.1:1/x\"\n")
        #expect(throws: TOMLError.self) { _ = try DriftReceiptsKind.make(name: "drift", table: both, environment: env) }
        let http = try TOML.parse("url = \"http://127.0.0.1:1/x\"\n")
        let e2 = #expect(throws: TOMLError.self) { _ = try DriftReceiptsKind.make(name: "drift", table: http, environment: env) }
        #expect(e2?.keyPath == "models")
        let ok = try TOML.parse("directory = \"/tmp/mon\"\nmodels = [\"fraud-v1\"]\narchive = \"/tmp/a.sqlite\"\nmax_age_seconds = 10\n")
        let (observer, _) = try DriftReceiptsKind.make(name: "drift", table: ok, environment: env)
        try ok.rejectUnknownKeys()
        let o = try #require(observer as? DriftReceiptsObserver)
        #expect(o.inner.source == .directory("/tmp/mon"))
        #expect(o.inner.models == ["fraud-v1"])
        #expect(o.inner.maxAgeSeconds == 10)
        #expect(o.archive.path == "/tmp/a.sqlite")
    }

    @Test func archivePathIsRelativeToTheConfigFile() {
        #expect(ReceiptArchive.resolve("r.sqlite", relativeTo: "/etc/keeper/keeper.toml") == "/etc/keeper/r.sqlite")
        #expect(ReceiptArchive.resolve("/var/lib/k/r.sqlite", relativeTo: "/etc/keeper/keeper.toml") == "/var/lib/k/r.sqlite")
        #expect(ReceiptArchive.resolve("r.sqlite", relativeTo: nil) == "r.sqlite")
    }
}
