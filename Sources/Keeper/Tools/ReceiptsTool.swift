import EVM
import Foundation
public import Strategies
import TOML

/// `keeper receipts export`: the drift receipts the keeper archived, byte for byte, so anyone can
/// recompute the hash registered on chain (`keeper keccak 0x<bytes>`, or the file's text).
public enum ReceiptsTool {
    /// The archive files of the config's drift-receipts strategies (`kind = "drift-receipts"` in
    /// `[strategies.NAME]`; `archive`, default `drift-receipts.sqlite` next to the config file),
    /// optionally only the strategy called `strategy`.
    public static func archives(configPath: String, strategy: String? = nil) throws(ToolError) -> [ReceiptArchive] {
        let root: TOML.Table
        do {
            root = try TOML.load(path: configPath)
        } catch {
            throw ToolError("cannot read the config '\(configPath)': \(error)")
        }
        guard case .table(let strategies)? = root["strategies"] else {
            throw ToolError("config '\(configPath)' has no [strategies] table; a drift-receipts strategy keeps the archive")
        }
        var paths: [String] = []
        for key in strategies.keys {
            guard case .table(let table)? = strategies[key], table["kind"]?.stringValue == DriftReceiptsKind.kind else { continue }
            if let strategy, strategy != key { continue }
            do {
                paths.append(try DriftReceiptsKind.archivePath(table: table))
            } catch {
                throw ToolError("strategies.\(key).archive: \(error)")
            }
        }
        guard !paths.isEmpty else {
            let which = strategy.map { "named '\($0)' " } ?? ""
            throw ToolError("config '\(configPath)' has no drift-receipts strategy \(which)(a [strategies.NAME] table with kind = \"drift-receipts\")")
        }
        var seen = Set<String>()
        return paths.filter { seen.insert($0).inserted }.map { ReceiptArchive(path: $0) }
    }

    /// The archived receipts of the config's drift-receipts strategies, optionally of one model.
    public static func records(configPath: String, model: String? = nil, strategy: String? = nil) throws(ToolError) -> [ReceiptArchive.Record] {
        var out: [ReceiptArchive.Record] = []
        for archive in try archives(configPath: configPath, strategy: strategy) {
            do {
                out += try archive.records(model: model)
            } catch {
                throw ToolError(error.description)
            }
        }
        return out
    }

    /// Writes each receipt into `directory` as `<model>-<periodEnd>-<hash prefix>.json` (the exact
    /// canonical bytes, no newline) with its inputs beside it (`….inputs.json`); returns the
    /// receipt files' paths, in the order of `records`.
    public static func write(_ records: [ReceiptArchive.Record], to directory: String) throws(ToolError) -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ToolError("cannot create the output directory '\(directory)': \(error)")
        }
        var paths: [String] = []
        for r in records {
            let stem = "\(r.model)-\(r.periodEnd)-\(Hex.encode(r.receiptHash.prefix(4), prefix: false))"
            let file = (directory as NSString).appendingPathComponent(stem + ".json")
            let inputs = (directory as NSString).appendingPathComponent(stem + ".inputs.json")
            guard FileManager.default.createFile(atPath: file, contents: Data(r.canonicalJSON)),
                  FileManager.default.createFile(atPath: inputs, contents: Data(r.inputsJSON))
            else { throw ToolError("cannot write '\(file)'; check the directory's permissions") }
            paths.append(file)
        }
        return paths
    }

    /// One line per receipt for stdout: the canonical JSON itself (JSON Lines). Its Keccak-256
    /// (`keeper keccak "$(line)"`) is the hash registered on chain.
    public static func line(_ record: ReceiptArchive.Record) -> String {
        String(decoding: record.canonicalJSON, as: UTF8.self)
    }

    /// A summary line: model, period, drift, hash and how to check it.
    public static func summary(_ record: ReceiptArchive.Record, file: String) -> String {
        "\(record.model) periodEnd=\(record.periodEnd) driftBps=\(record.driftBps) receiptHash=\(Hex.encode(record.receiptHash)) file=\(file)"
    }
}
