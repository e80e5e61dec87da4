import EVM
import Foundation
public import Oracle
import SQLite

/// The drift receipts the keeper computed, kept so anyone can recompute their hashes: the
/// receipt's canonical JSON (exactly the bytes hashed), its hash, and the canonical JSON of the
/// inputs it was computed from.
///
/// Its own SQLite file (WAL), `archive` in the drift-receipts strategy's config; a connection
/// is opened per call, so the value is freely shareable and used from the observer's task.
/// A receipt is archived before its intent exists (the observer writes it), so a registered hash
/// always has its bytes here.
public struct ReceiptArchive: Sendable {
    /// One archived receipt.
    public struct Record: Sendable, Hashable {
        public var model: String
        /// The on-chain `bytes32` model id.
        public var modelId: [UInt8]
        public var periodEnd: UInt64
        public var driftBps: Int64
        /// Keccak-256 of ``canonicalJSON``.
        public var receiptHash: [UInt8]
        /// The receipt's canonical JSON bytes.
        public var canonicalJSON: [UInt8]
        /// The inputs' canonical JSON bytes (their Keccak-256 is the receipt's `inputsDigest`).
        public var inputsJSON: [UInt8]
        /// When it was archived (seconds).
        public var archivedAt: UInt64

        public init(
            model: String, modelId: [UInt8], periodEnd: UInt64, driftBps: Int64, receiptHash: [UInt8],
            canonicalJSON: [UInt8], inputsJSON: [UInt8], archivedAt: UInt64
        ) {
            self.model = model
            self.modelId = modelId
            self.periodEnd = periodEnd
            self.driftBps = driftBps
            self.receiptHash = receiptHash
            self.canonicalJSON = canonicalJSON
            self.inputsJSON = inputsJSON
            self.archivedAt = archivedAt
        }
    }

    /// A failure of the archive, with the file and what to do.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let message: String
        public let cause: (any Error)?

        public var description: String { message + (cause.map { " (cause: \($0))" } ?? "") }
    }

    public let path: String

    static let migrations = [
        """
        CREATE TABLE drift_receipts (
            model TEXT NOT NULL,
            model_id TEXT NOT NULL,
            period_end INTEGER NOT NULL,
            drift_bps INTEGER NOT NULL,
            receipt_hash TEXT NOT NULL,
            canonical_json BLOB NOT NULL,
            inputs_json BLOB NOT NULL,
            archived_at INTEGER NOT NULL,
            PRIMARY KEY (model, period_end, receipt_hash)
        ) WITHOUT ROWID;
        """,
    ]

    public init(path: String) {
        self.path = path
    }

    /// An archive path from config, resolved as every path of the keeper's config is
    /// (``ConfigPath/resolve(_:relativeTo:)``): absolute as given, relative ones against the
    /// config file's directory.
    public static func resolve(_ path: String, relativeTo configFile: String?) -> String {
        ConfigPath.resolve(path, relativeTo: configFile)
    }

    func open(create: Bool) throws(Failure) -> SQLite.Connection {
        do {
            let connection = try SQLite.Connection(path: path, mode: create ? .readWriteCreate : .readWrite)
            try connection.migrate(Self.migrations)
            return connection
        } catch {
            throw Failure(
                message: "cannot open the drift receipt archive '\(path)'; check the 'archive' key of the drift-receipts strategy and the directory's permissions",
                cause: error)
        }
    }

    /// Archives a receipt computed from `snapshot` (once: the same bytes again change nothing).
    public func archive(_ receipt: DriftReceipt, modelId: [UInt8], now: UInt64) throws(Failure) {
        let inputs: [UInt8]
        do {
            inputs = try receipt.inputs.canonical().bytes
        } catch {
            throw Failure(message: "the receipt's inputs cannot be written as canonical JSON", cause: error)
        }
        let connection = try open(create: true)
        do {
            try connection.run(
                """
                INSERT OR IGNORE INTO drift_receipts
                    (model, model_id, period_end, drift_bps, receipt_hash, canonical_json, inputs_json, archived_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                receipt.inputs.modelId, Hex.encode(modelId), Int64(receipt.inputs.periodEnd), receipt.driftBps,
                Hex.encode(receipt.receiptHash), receipt.canonicalJSON, inputs, Int64(now))
            try connection.close()
        } catch {
            throw Failure(message: "cannot write to the drift receipt archive '\(path)'", cause: error)
        }
    }

    /// The archived receipts, by model then period, optionally of one model (its name).
    public func records(model: String? = nil) throws(Failure) -> [Record] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw Failure(message: "no drift receipt archive at '\(path)'; the keeper creates it when it computes its first receipt (check the 'archive' key)", cause: nil)
        }
        let connection = try open(create: false)
        do {
            var sql = "SELECT model, model_id, period_end, drift_bps, receipt_hash, canonical_json, inputs_json, archived_at FROM drift_receipts"
            var values: [any SQLite.Bindable] = []
            if let model {
                sql += " WHERE model = ?"
                values.append(model)
            }
            sql += " ORDER BY model, period_end, archived_at"
            let rows = try connection.query(sql, values) { s in
                Record(
                    model: try s.string(at: 0), modelId: try Hex.decode(try s.string(at: 1)), periodEnd: UInt64(try s.int64(at: 2)),
                    driftBps: try s.int64(at: 3), receiptHash: try Hex.decode(try s.string(at: 4)), canonicalJSON: try s.blob(at: 5),
                    inputsJSON: try s.blob(at: 6), archivedAt: UInt64(try s.int64(at: 7)))
            }
            try connection.close()
            return rows
        } catch {
            throw Failure(message: "cannot read the drift receipt archive '\(path)'", cause: error)
        }
    }
}
