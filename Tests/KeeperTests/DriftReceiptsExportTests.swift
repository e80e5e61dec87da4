import EVM
import Foundation
import Keeper
import Oracle
import Strategies
import Testing

/// `keeper receipts export`: finds the archive through the config, exports the exact bytes.
@Suite struct DriftReceiptsExportTests {
    static func receipt(_ model: String, _ periodEnd: UInt64) throws -> DriftReceipt {
        try DriftReceipt(inputs: .init(modelId: model, periodEnd: periodEnd, features: [
            .init(name: "amount", baseline: [500_000, 500_000], current: [250_000, 750_000]),
        ], baselineAccuracy: 0.9, currentAccuracy: 0.85))
    }

    static func modelID(_ name: String) -> [UInt8] { Array(name.utf8) + [UInt8](repeating: 0, count: 32 - name.utf8.count) }

    @Test func exportsTheArchivedBytesOfTheConfiguredArchive() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("keeper.toml")
        try Data("""
            [strategies.drift]
            kind = "drift-receipts"
            directory = "/nonexistent"
            archive = "state/receipts.sqlite"

            [strategies.other]
            kind = "market-resolution"
            """.utf8).write(to: config)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("state"), withIntermediateDirectories: true)
        let archive = ReceiptArchive(path: dir.appendingPathComponent("state/receipts.sqlite").path)
        let a = try Self.receipt("fraud-v1", 1_700_000_000)
        let b = try Self.receipt("churn-v3", 1_700_086_400)
        try archive.archive(a, modelId: Self.modelID("fraud-v1"), now: 1)
        try archive.archive(b, modelId: Self.modelID("churn-v3"), now: 2)

        let all = try ReceiptsTool.records(configPath: config.path)
        #expect(all.map(\.model) == ["churn-v3", "fraud-v1"])
        let fraud = try ReceiptsTool.records(configPath: config.path, model: "fraud-v1")
        #expect(fraud.count == 1)
        let record = try #require(fraud.first)
        #expect(ReceiptsTool.line(record) == String(decoding: a.canonicalJSON, as: UTF8.self))
        #expect(KeccakTool.hash(ReceiptsTool.line(record)) == Hex.encode(a.receiptHash))
        #expect(KeccakTool.hash(Hex.encode(record.canonicalJSON)) == Hex.encode(a.receiptHash))

        let files = try ReceiptsTool.write(fraud, to: dir.appendingPathComponent("out").path)
        let file = try #require(files.first)
        #expect(file.hasSuffix("fraud-v1-1700000000-\(Hex.encode(a.receiptHash.prefix(4), prefix: false)).json"))
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: file))) == a.canonicalJSON)
        let inputs = file.replacingOccurrences(of: ".json", with: ".inputs.json")
        #expect(Keccak256.hash(Array(try Data(contentsOf: URL(fileURLWithPath: inputs)))) == a.inputsDigest)
        #expect(ReceiptsTool.summary(record, file: file).contains("receiptHash=\(Hex.encode(a.receiptHash))"))
    }

    @Test func aConfigWithoutADriftStrategyIsExplained() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("keeper.toml")
        try Data("[strategies.m]\nkind = \"market-resolution\"\n".utf8).write(to: config)
        let e1 = #expect(throws: ToolError.self) { _ = try ReceiptsTool.records(configPath: config.path) }
        #expect(e1?.message.contains("no drift-receipts strategy") == true)
        let e2 = #expect(throws: ToolError.self) { _ = try ReceiptsTool.records(configPath: dir.appendingPathComponent("missing.toml").path) }
        #expect(e2?.message.contains("cannot read the config") == true)
        try Data("[strategies.d]\nkind = \"drift-receipts\"\n".utf8).write(to: config)
        let e3 = #expect(throws: ToolError.self) { _ = try ReceiptsTool.records(configPath: config.path) }
        #expect(e3?.message.contains("no drift receipt archive at '\(dir.path)/drift-receipts.sqlite'") == true)
    }
}
