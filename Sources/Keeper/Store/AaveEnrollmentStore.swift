public import EVM
import Foundation
public import Oracle
import SQLite

/// Users enrolled for Aave protection in the keeper's database (`[database] path`, table
/// `aave_enrollments`), per strategy: what `keeper aave enroll|unenroll|list` manages, and what
/// the ``AaveObserver`` of a strategy with `database_users = true` reads at every tick.
///
/// A connection is opened per call (like the receipt archive), so the value is freely
/// shareable: the command writes while the running keeper reads (WAL, busy timeout). Reading
/// never creates the file: a keeper in dry-run, or one whose database does not exist yet, sees no
/// database users.
public struct AaveEnrollmentStore: AaveEnrollmentSource {
    /// One stored enrollment.
    public struct Record: Sendable, Hashable {
        /// The strategy (its configured name) the user is enrolled for.
        public var strategy: String
        public var enrollment: AaveEnrollment
        /// When it was first enrolled, and last changed (Unix seconds).
        public var enrolledAt: UInt64
        public var updatedAt: UInt64
    }

    /// A failure of the store: which file, what went wrong and what to do, with the cause.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let message: String
        public let cause: (any Error)?

        public var description: String { message + (cause.map { " (cause: \($0))" } ?? "") }
    }

    /// The keeper's database file.
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// Enrolls `enrollment` for `strategy`, replacing every setting of an earlier enrollment of
    /// the same user (a field left nil takes the strategy's default again). Returns true when the
    /// user was not enrolled before. Creates the database (and its directory) when missing.
    @discardableResult
    public func enroll(_ enrollment: AaveEnrollment, strategy: String, now: UInt64) throws(Failure) -> Bool {
        let connection = try open(write: true)
        do {
            let existed = try !connection.query(
                "SELECT 1 FROM aave_enrollments WHERE strategy = ? AND address = ?", [strategy, enrollment.address.lowercaseHex]
            ) { _ in true }.isEmpty
            try connection.run(
                """
                INSERT INTO aave_enrollments (strategy, address, trigger_health_factor, target_health_factor,
                    collateral_asset, debt_asset, slippage_bps, enrolled_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (strategy, address) DO UPDATE SET
                    trigger_health_factor = excluded.trigger_health_factor,
                    target_health_factor = excluded.target_health_factor,
                    collateral_asset = excluded.collateral_asset, debt_asset = excluded.debt_asset,
                    slippage_bps = excluded.slippage_bps, updated_at = excluded.updated_at
                """,
                strategy, enrollment.address.lowercaseHex, enrollment.triggerHealthFactor?.decimalString,
                enrollment.targetHealthFactor?.decimalString, enrollment.collateralAsset?.lowercaseHex,
                enrollment.debtAsset?.lowercaseHex, enrollment.slippageBps.map { Int64($0) }, Int64(now), Int64(now))
            try connection.close()
            return !existed
        } catch {
            throw Failure(message: "cannot write the enrollment of \(enrollment.address.checksummed) to the keeper database '\(path)'", cause: error)
        }
    }

    /// Removes `user`'s enrollment for `strategy`; returns whether there was one.
    @discardableResult
    public func unenroll(_ user: Address, strategy: String) throws(Failure) -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        let connection = try open(write: true)
        do {
            let removed = try connection.run(
                "DELETE FROM aave_enrollments WHERE strategy = ? AND address = ?", strategy, user.lowercaseHex)
            try connection.close()
            return removed > 0
        } catch {
            throw Failure(message: "cannot remove the enrollment of \(user.checksummed) from the keeper database '\(path)'", cause: error)
        }
    }

    /// The enrollments of `strategy` (every strategy's when nil), by strategy then address. No
    /// database file, or one from before enrollments existed: none.
    public func records(strategy: String? = nil) throws(Failure) -> [Record] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let connection = try open(write: false)
        do {
            let hasTable = try !connection.query(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'aave_enrollments'", []
            ) { _ in true }.isEmpty
            guard hasTable else { return [] }
            var sql = """
                SELECT strategy, address, trigger_health_factor, target_health_factor, collateral_asset, debt_asset,
                       slippage_bps, enrolled_at, updated_at
                FROM aave_enrollments
                """
            var values: [any SQLite.Bindable] = []
            if let strategy {
                sql += " WHERE strategy = ?"
                values.append(strategy)
            }
            sql += " ORDER BY strategy, address"
            let rows = try connection.query(sql, values) { row in
                let address = try row.string(at: 1)
                func wad(_ index: Int) throws -> U256? {
                    guard let text = try row.optionalString(at: index) else { return nil }
                    guard let value = U256(decimal: text) else { throw Failure(message: "\(address): '\(text)' is not a health factor in wad", cause: nil) }
                    return value
                }
                let slippage = try row.optionalInt64(at: 6)
                return Record(
                    strategy: try row.string(at: 0),
                    enrollment: AaveEnrollment(
                        address: try Address(address), triggerHealthFactor: try wad(2), targetHealthFactor: try wad(3),
                        collateralAsset: try row.optionalString(at: 4).map { try Address($0) },
                        debtAsset: try row.optionalString(at: 5).map { try Address($0) },
                        slippageBps: try slippage.map { s throws in
                            guard let bps = UInt16(exactly: s), bps < 10_000 else {
                                throw Failure(message: "\(address): slippage \(s) bps is out of range", cause: nil)
                            }
                            return bps
                        }),
                    enrolledAt: UInt64(try row.int64(at: 7)), updatedAt: UInt64(try row.int64(at: 8)))
            }
            try connection.close()
            return rows
        } catch {
            throw Failure(message: "cannot read the Aave enrollments from the keeper database '\(path)'", cause: error)
        }
    }

    /// ``AaveEnrollmentSource``: the users enrolled for `strategy`, by address.
    public func enrollments(strategy: String) throws -> [AaveEnrollment] {
        try records(strategy: strategy).map(\.enrollment)
    }

    /// A connection: read-write (creating and migrating the file) to change enrollments;
    /// read-only to read them, so a reader never creates or migrates the keeper's database.
    private func open(write: Bool) throws(Failure) -> SQLite.Connection {
        do {
            if write {
                let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
                try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                let connection = try SQLite.Connection(path: path, mode: .readWriteCreate)
                try connection.migrate(KeeperSchema.migrations)
                return connection
            }
            return try SQLite.Connection(path: path, mode: .readOnly)
        } catch {
            throw Failure(
                message: "cannot open the keeper database '\(path)'; check [database] path and that this user may \(write ? "write" : "read") it",
                cause: error)
        }
    }
}
