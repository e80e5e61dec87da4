import EVM
import Foundation
public import Oracle
public import TOML

/// `kind = "drift-receipts"`:
/// ```
/// [strategies.drift]
/// kind = "drift-receipts"
/// registry = "DriftReceiptRegistry"       # [contracts] name of the registry
/// directory = "/var/lib/monitoring"       # <directory>/<model>/<periodEnd>.json ...
/// # url = "http://127.0.0.1:9100/snapshots"   # ... or GET <url>/<model> (then 'models' is required)
/// models = ["fraud-v1"]                   # default: every model in the directory
/// max_age_seconds = 604800                # ignore periods that ended longer ago
/// archive = "drift-receipts.sqlite"       # receipt archive; relative to the config file's directory
/// ```
public enum DriftReceiptsKind: StrategyKind {
    public static let kind = "drift-receipts"

    /// The archive path when `archive` is not set.
    public static let defaultArchive = "drift-receipts.sqlite"

    public static func make(name: String, table: TOML.Table, environment: StrategyEnvironment) throws -> (any Observer, any Strategy) {
        let path = table.keyPath
        let registry = try environment.contracts.require(
            try table.optionalString("registry") ?? "DriftReceiptRegistry", for: "\(path).registry")
        let directory = try table.optionalString("directory")
        let url = try table.optionalString("url")
        let source: DriftMonitoringSource
        switch (directory, url) {
        case (let d?, nil):
            source = .directory(ReceiptArchive.resolve(d, relativeTo: table.file))
        case (nil, let u?):
            guard let parsed = URL(string: u), parsed.scheme == "http" || parsed.scheme == "https" else {
                throw table.error(key: "url", "expected an http:// or https:// URL of the monitoring endpoint")
            }
            source = .http(parsed)
        case (nil, nil):
            throw table.error(key: "directory", "set 'directory' (monitoring files <model>/<periodEnd>.json) or 'url' (GET <url>/<model>)")
        case (_?, _?):
            throw table.error(key: "url", "set either 'directory' or 'url', not both")
        }
        var models: [String] = []
        if let array = try table.optionalArray("models") {
            for element in array.elements {
                guard let model = element.value.stringValue, DriftMonitoringSnapshot.modelID(model) != nil else {
                    throw table.error(key: "models", "expected model names of 1 to 32 bytes, such as \"fraud-v1\"")
                }
                models.append(model)
            }
        }
        if case .http = source, models.isEmpty {
            throw table.error(key: "models", "an HTTP source needs the models to ask for; list them, such as [\"fraud-v1\"]")
        }
        let maxAge = try table.optionalInt("max_age_seconds") ?? 7 * 86_400
        guard maxAge >= 0 else { throw table.error(key: "max_age_seconds", "must be 0 or more seconds") }
        let archive = ReceiptArchive(path: try archivePath(table: table))
        let observer = DriftReceiptsObserver(
            inner: DriftObserver(strategy: name, registry: registry.address, source: source, models: models, maxAgeSeconds: UInt64(maxAge)),
            archive: archive)
        return (observer, DriftReceipts(name: name, config: .init(registry: registry)))
    }

    /// The archive file of a drift-receipts table (`archive`, resolved against the config file).
    public static func archivePath(table: TOML.Table) throws(TOMLError) -> String {
        ReceiptArchive.resolve(try table.optionalString("archive") ?? defaultArchive, relativeTo: table.file)
    }
}
