public import EVM
public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What the drift-receipts strategy knows at one block: each monitoring snapshot due for a
/// receipt, the receipt computed from it, and whether the registry already has one for that
/// (model, period) at the pinned block.
public struct DriftObservation: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var snapshot: DriftMonitoringSnapshot
        public var receipt: DriftReceipt
        /// `hasReceipt(modelId, periodEnd)` at the snapshot's block.
        public var registered: Bool

        public init(snapshot: DriftMonitoringSnapshot, receipt: DriftReceipt, registered: Bool) {
            self.snapshot = snapshot
            self.receipt = receipt
            self.registered = registered
        }
    }

    /// In (model, periodEnd) order.
    public var entries: [Entry]
    /// Snapshots that could not be used, each naming its file or URL and the problem.
    public var problems: [String]
    /// Snapshots left for later: their period has not ended at the block time.
    public var notYetEnded: Int

    public init(entries: [Entry], problems: [String] = [], notYetEnded: Int = 0) {
        self.entries = entries
        self.problems = problems
        self.notYetEnded = notYetEnded
    }
}

/// Where monitoring snapshots come from.
public enum DriftMonitoringSource: Sendable, Hashable {
    /// `<directory>/<model>/<periodEnd>.json`.
    case directory(String)
    /// `GET <url>/<model>`: a JSON array of snapshots (or one snapshot object).
    case http(URL)
}

/// Reads a ``DriftObservation``: the monitoring snapshots of the configured models (or every
/// model the source has), those whose period ended within `maxAgeSeconds` before the block time,
/// each turned into a ``DriftReceipt``, and the registry's `hasReceipt` for each at the pinned
/// block (one Multicall3 read).
public struct DriftObserver: Observer {
    public let strategy: String
    public let registry: Address
    public let source: DriftMonitoringSource
    /// Model names; empty = every model the source has (directory: its subdirectories).
    public let models: [String]
    public let maxAgeSeconds: UInt64

    static let hasReceipt = try! ABIFunction(parsing: "function hasReceipt(bytes32 modelId, uint256 periodEnd) view returns (bool)")

    public init(strategy: String, registry: Address, source: DriftMonitoringSource, models: [String] = [], maxAgeSeconds: UInt64) {
        self.strategy = strategy
        self.registry = registry
        self.source = source
        self.models = models
        self.maxAgeSeconds = maxAgeSeconds
    }

    public func observe(at block: BlockHeader, context: ObservationContext) async throws -> any Sendable {
        let (snapshots, problems) = try await load()
        return try await observe(snapshots: snapshots, problems: problems, at: block, context: context)
    }

    /// The observation from snapshots already loaded (the chain reads only).
    public func observe(
        snapshots: [DriftMonitoringSnapshot], problems: [String], at block: BlockHeader, context: ObservationContext
    ) async throws -> DriftObservation {
        var problems = problems
        var notYetEnded = 0
        var due: [(DriftMonitoringSnapshot, DriftReceipt)] = []
        let oldest = block.timestamp > maxAgeSeconds ? block.timestamp - maxAgeSeconds : 0
        for snapshot in snapshots {
            if snapshot.periodEnd > block.timestamp {
                notYetEnded += 1
                continue
            }
            guard snapshot.periodEnd >= oldest else { continue }
            do {
                due.append((snapshot, try DriftReceipt(inputs: snapshot.inputs)))
            } catch {
                problems.append("\(snapshot.model) period \(snapshot.periodEnd): \(error)")
            }
        }
        due.sort { ($0.0.model, $0.0.periodEnd) < ($1.0.model, $1.0.periodEnd) }
        let rows = try await MarketObserver.read(
            context.multicall,
            due.map { (registry, Self.hasReceipt, [.fixedBytes($0.0.modelId), .uint(U256($0.0.periodEnd))]) },
            at: .number(block.number))
        var entries: [DriftObservation.Entry] = []
        for ((snapshot, receipt), row) in zip(due, rows) {
            guard let registered = row.first?.boolValue else {
                throw MarketObserver.Failure("hasReceipt at \(registry) did not answer a bool; is it the DriftReceiptRegistry?")
            }
            entries.append(DriftObservation.Entry(snapshot: snapshot, receipt: receipt, registered: registered))
        }
        return DriftObservation(entries: entries, problems: problems, notYetEnded: notYetEnded)
    }

    /// Every snapshot of the configured models, and the problems with those that do not parse.
    public func load() async throws -> ([DriftMonitoringSnapshot], [String]) {
        switch source {
        case .directory(let path): try Self.loadDirectory(path, models: models)
        case .http(let url): try await Self.loadHTTP(url, models: models)
        }
    }

    static func loadDirectory(_ path: String, models: [String]) throws -> ([DriftMonitoringSnapshot], [String]) {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw MarketObserver.Failure("monitoring directory '\(path)' does not exist; set 'directory' to where the monitoring system writes <model>/<periodEnd>.json")
        }
        let names = models.isEmpty ? ((try? fm.contentsOfDirectory(atPath: path)) ?? []).sorted() : models
        var snapshots: [DriftMonitoringSnapshot] = []
        var problems: [String] = []
        for model in names {
            let dir = (path as NSString).appendingPathComponent(model)
            guard fm.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
                if !models.isEmpty { problems.append("\(dir): no monitoring directory for model '\(model)'") }
                continue
            }
            for file in ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted() where file.hasSuffix(".json") {
                let full = (dir as NSString).appendingPathComponent(file)
                guard let data = fm.contents(atPath: full) else {
                    problems.append("\(full): cannot be read")
                    continue
                }
                do {
                    let snapshot = try DriftMonitoringSnapshot(json: Array(data), source: full)
                    guard snapshot.model == model else {
                        problems.append("\(full): names model '\(snapshot.model)' but lies in the directory of '\(model)'")
                        continue
                    }
                    guard file == "\(snapshot.periodEnd).json" else {
                        problems.append("\(full): its periodEnd is \(snapshot.periodEnd); name the file \(snapshot.periodEnd).json")
                        continue
                    }
                    snapshots.append(snapshot)
                } catch {
                    problems.append(error.description)
                }
            }
        }
        return (snapshots, problems)
    }

    static func loadHTTP(_ base: URL, models: [String]) async throws -> ([DriftMonitoringSnapshot], [String]) {
        guard !models.isEmpty else {
            throw MarketObserver.Failure("an HTTP monitoring source needs 'models' listed in the strategy's config")
        }
        var snapshots: [DriftMonitoringSnapshot] = []
        var problems: [String] = []
        for model in models {
            let url = base.appendingPathComponent(model)
            var request = URLRequest(url: url)
            request.timeoutInterval = 10
            let data: Data
            do {
                let (body, response) = try await URLSession.shared.data(for: request)
                guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
                    problems.append("\(url): HTTP \((response as? HTTPURLResponse)?.statusCode ?? 0); expected 200 with snapshots")
                    continue
                }
                data = body
            } catch {
                problems.append("\(url): request failed (\(error))")
                continue
            }
            let json: JSONValue
            do {
                json = try JSONValue.parse(Array(data))
            } catch {
                problems.append("\(url): not JSON (\(error))")
                continue
            }
            let items = json.arrayValue ?? [json]
            for (i, item) in items.enumerated() {
                do {
                    let snapshot = try DriftMonitoringSnapshot(json: Array(item.serializedData), source: "\(url)[\(i)]")
                    if snapshot.model == model { snapshots.append(snapshot) } else {
                        problems.append("\(url)[\(i)]: names model '\(snapshot.model)', not '\(model)'")
                    }
                } catch {
                    problems.append(error.description)
                }
            }
        }
        return (snapshots, problems)
    }
}
