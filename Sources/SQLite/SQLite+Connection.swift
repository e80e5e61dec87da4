import CSQLite
#if canImport(Glibc)
import Glibc
#endif

extension SQLite {
    /// One connection to a database file. Not `Sendable`: see "Threads" on `SQLite`.
    ///
    /// A read-write connection runs `PRAGMA journal_mode=WAL`, `synchronous=FULL` (or `NORMAL`,
    /// by option), `foreign_keys=ON` and sets a busy timeout; opening also reads the file's
    /// header, so a file that is not a database fails here, not at the first query.
    /// The connection closes when the last reference to it (or to one of its statements) goes.
    public final class Connection {
        /// How to open the file.
        public enum Mode: Sendable {
            /// Read and write; create the file if missing.
            case readWriteCreate
            /// Read and write an existing file.
            case readWrite
            /// Read only; the file must exist.
            case readOnly
        }

        /// `PRAGMA synchronous`: `full` makes every commit durable before it returns (one fsync
        /// of the WAL per commit); `normal` may lose the last commits on power loss, never
        /// corrupts.
        public enum Synchronous: String, Sendable {
            case full = "FULL"
            case normal = "NORMAL"
        }

        /// How a transaction takes its locks (`BEGIN DEFERRED|IMMEDIATE|EXCLUSIVE`).
        public enum TransactionKind: String, Sendable {
            case deferred = "DEFERRED"
            case immediate = "IMMEDIATE"
            case exclusive = "EXCLUSIVE"
        }

        /// Settings applied when opening.
        public struct Options: Sendable {
            /// Durability of commits; `.full` by default.
            public var synchronous: Synchronous
            /// How long to wait for another connection's lock before failing with `.busy`.
            public var busyTimeout: Duration
            /// Whether to switch a read-write database to WAL (on by default).
            public var writeAheadLog: Bool
            /// `PRAGMA foreign_keys`.
            public var foreignKeys: Bool
            /// How many prepared statements `cached(_:)` keeps.
            public var statementCacheCapacity: Int

            /// The defaults: FULL durability, WAL, foreign keys on, 5 s busy timeout, 64 cached statements.
            public init(
                synchronous: Synchronous = .full, busyTimeout: Duration = .seconds(5),
                writeAheadLog: Bool = true, foreignKeys: Bool = true, statementCacheCapacity: Int = 64
            ) {
                self.synchronous = synchronous
                self.busyTimeout = busyTimeout
                self.writeAheadLog = writeAheadLog
                self.foreignKeys = foreignKeys
                self.statementCacheCapacity = statementCacheCapacity
            }
        }

        /// The path the connection was opened with.
        public let path: String
        let handle: OpaquePointer
        private var cache: [String: Statement] = [:]
        private var cacheOrder: [String] = []
        private let cacheCapacity: Int
        private var isClosed = false

        /// Opens (and, with `.readWriteCreate`, creates) the database at `path`.
        public init(path: String, mode: Mode = .readWriteCreate, options: Options = Options()) throws(SQLiteError) {
            var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
            switch mode {
            case .readWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
            case .readWrite: flags |= SQLITE_OPEN_READWRITE
            case .readOnly: flags |= SQLITE_OPEN_READONLY
            }
            var db: OpaquePointer?
            let rc = sqlite3_open_v2(path, &db, flags, nil)
            guard rc == SQLITE_OK, let db else {
                let error = SQLiteError(db: db, code: rc, sql: nil, path: path)
                sqlite3_close_v2(db)
                throw error
            }
            self.path = path
            self.handle = db
            self.cacheCapacity = max(0, options.statementCacheCapacity)
            // From here on, a throw runs deinit, which closes the handle.
            sqlite3_extended_result_codes(db, 1)
            let milliseconds = options.busyTimeout.components.seconds * 1000
                + options.busyTimeout.components.attoseconds / 1_000_000_000_000_000
            sqlite3_busy_timeout(db, Int32(clamping: milliseconds))
            // Reads the header: a file that is not a database fails now.
            _ = try pragma("schema_version")
            if mode != .readOnly, options.writeAheadLog {
                let journal = try switchToWriteAheadLog(within: options.busyTimeout)
                if journal != "wal", path != ":memory:", !path.isEmpty {
                    throw SQLiteError(
                        kind: .other, code: SQLITE_ERROR,
                        message: "could not switch to WAL (journal_mode is '\(journal ?? "?")'); the file system may not support shared memory",
                        sql: "PRAGMA journal_mode=WAL", path: path)
                }
            }
            try execute("PRAGMA synchronous=\(options.synchronous.rawValue)")
            try execute("PRAGMA foreign_keys=\(options.foreignKeys ? "ON" : "OFF")")
        }

        /// `PRAGMA journal_mode=WAL`, retried while another connection holds the lock. The
        /// switch needs the file to itself, and SQLite answers SQLITE_BUSY at once, without its
        /// busy handler, when waiting could deadlock (another connection opening the same new
        /// file at the same moment): so the retry is ours, bounded by the busy timeout.
        private func switchToWriteAheadLog(within limit: Duration) throws(SQLiteError) -> String? {
            let deadline = ContinuousClock.now + limit
            while true {
                do {
                    return try pragma("journal_mode=WAL")?.lowercased()
                } catch where (error.kind == .busy || error.kind == .locked) && ContinuousClock.now < deadline {
                    usleep(2_000)  // a pause inside a retry loop bounded by the deadline
                }
            }
        }

        deinit {
            if !isClosed {
                cache.removeAll()
                sqlite3_close_v2(handle)
            }
        }

        /// Closes the connection now and reports a failure; otherwise it closes on release.
        /// Statements still held stay valid until released (`sqlite3_close_v2`).
        public func close() throws(SQLiteError) {
            guard !isClosed else { return }
            cache.removeAll()
            cacheOrder.removeAll()
            let rc = sqlite3_close_v2(handle)
            isClosed = true
            guard rc == SQLITE_OK else { throw SQLiteError(db: nil, code: rc, sql: nil, path: path) }
        }

        // MARK: Running SQL

        /// Runs a script of one or more statements separated by semicolons, without results.
        public func execute(_ sql: String) throws(SQLiteError) {
            try checkOpen(sql)
            var errorMessage: UnsafeMutablePointer<CChar>?
            let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
            defer { sqlite3_free(errorMessage) }
            guard rc == SQLITE_OK else {
                let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
                throw SQLiteError(
                    code: rc, extendedCode: sqlite3_extended_errcode(handle), message: message, sql: sql, path: path)
            }
        }

        /// Prepares one statement (not cached; see `cached(_:)`).
        public func prepare(_ sql: String) throws(SQLiteError) -> Statement {
            try checkOpen(sql)
            return try Statement(connection: self, sql: sql, persistent: false)
        }

        /// The prepared statement for `sql` from the cache (prepared on first use), reset and with
        /// its bindings cleared. Do not interleave two uses of the same SQL: they share one
        /// statement.
        public func cached(_ sql: String) throws(SQLiteError) -> Statement {
            if let statement = cache[sql] {
                statement.reset()
                statement.clearBindings()
                return statement
            }
            try checkOpen(sql)
            let statement = try Statement(connection: self, sql: sql, persistent: true)
            if cacheCapacity > 0 {
                if cache.count >= cacheCapacity, !cacheOrder.isEmpty {
                    cache[cacheOrder.removeFirst()] = nil
                }
                cache[sql] = statement
                cacheOrder.append(sql)
            }
            return statement
        }

        /// Runs one statement with `values` bound in order (cached), and returns the number of
        /// rows it changed.
        @discardableResult
        public func run(_ sql: String, _ values: any SQLite.Bindable...) throws(SQLiteError) -> Int {
            let statement = try cached(sql)
            try statement.bind(values)
            defer { statement.reset() }
            return try statement.run()
        }

        /// Runs a query with `values` bound in order (cached) and maps each row.
        public func query<T>(
            _ sql: String, _ values: [any SQLite.Bindable] = [], row: (Statement) throws -> T
        ) throws -> [T] {
            let statement = try cached(sql)
            try statement.bind(values)
            defer { statement.reset() }
            var rows: [T] = []
            while try statement.step() { rows.append(try row(statement)) }
            return rows
        }

        // MARK: Transactions

        /// Runs `body` in a transaction: commits if it returns, rolls back if it (or the commit)
        /// throws, and rethrows. Transactions do not nest. `.immediate`, the default, takes the
        /// write lock at `BEGIN`, so a busy database fails (after the busy timeout) before any
        /// work is done.
        @discardableResult
        public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
            try cached("BEGIN \(kind.rawValue)").run()
            do {
                let result = try body()
                try cached("COMMIT").run()
                return result
            } catch {
                rollbackIfActive()
                throw error
            }
        }

        private func rollbackIfActive() {
            if isInTransaction { _ = try? cached("ROLLBACK").run() }
        }

        /// Whether a transaction is open (`!sqlite3_get_autocommit`).
        public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

        // MARK: State

        /// The rowid of the most recent successful INSERT on this connection.
        public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

        /// Rows changed by the most recent INSERT, UPDATE or DELETE.
        public var changes: Int { Int(sqlite3_changes64(handle)) }

        /// Rows changed since the connection opened.
        public var totalChanges: Int { Int(sqlite3_total_changes64(handle)) }

        /// `PRAGMA user_version`: the schema version that `migrate(_:)` maintains.
        public func userVersion() throws(SQLiteError) -> Int {
            Int(try pragma("user_version") ?? "0") ?? 0
        }

        /// Sets `PRAGMA user_version`.
        public func setUserVersion(_ version: Int) throws(SQLiteError) {
            try execute("PRAGMA user_version=\(version)")
        }

        /// Applies the migrations the database has not seen yet: migration `i` (0-based) brings
        /// `user_version` from `i` to `i + 1`, in its own immediate transaction together with the
        /// version bump, so a crash leaves the database at a whole version. Never edit or reorder
        /// migrations that have shipped; append new ones. Returns how many were applied; a
        /// database newer than `migrations.count` is an error. Connections (in several processes)
        /// may migrate one file at once: each step re-reads the version under the write lock.
        @discardableResult
        public func migrate(_ migrations: [String]) throws(SQLiteError) -> Int {
            var applied = 0
            var version = try userVersion()
            while true {
                guard version <= migrations.count else {
                    throw SQLiteError(
                        kind: .schemaTooNew, code: SQLITE_ERROR,
                        message: "the database is at schema version \(version), but this program knows only \(migrations.count); run a newer version of the program",
                        sql: nil, path: path)
                }
                guard version < migrations.count else { return applied }
                try cached("BEGIN IMMEDIATE").run()
                do {
                    // Read the version again under the write lock: another connection (a second
                    // process opening the same file) may have migrated since it was read.
                    let locked = try userVersion()
                    if locked != version {
                        try cached("COMMIT").run()
                        version = locked
                        continue
                    }
                    try execute(migrations[version])
                    try setUserVersion(version + 1)
                    try cached("COMMIT").run()
                } catch {
                    rollbackIfActive()
                    throw SQLiteError(
                        kind: error.kind, code: error.code, extendedCode: error.extendedCode,
                        message: "migration \(version + 1) failed, database left at version \(version): \(error.message)",
                        sql: error.sql, path: path)
                }
                version += 1
                applied += 1
            }
        }

        /// The first column of the first row of `PRAGMA name`.
        func pragma(_ name: String) throws(SQLiteError) -> String? {
            let statement = try prepare("PRAGMA \(name)")
            guard try statement.step() else { return nil }
            switch statement.value(at: 0) {
            case .text(let text): return text
            case .integer(let number): return String(number)
            case .real(let number): return String(number)
            case .blob, .null: return nil
            }
        }

        private func checkOpen(_ sql: String) throws(SQLiteError) {
            if isClosed { throw SQLiteError.misuse("the connection is closed", sql: sql, path: path) }
        }
    }
}

/// A connection belongs to one thread or task at a time (see `SQLite`): opened with
/// `SQLITE_OPEN_NOMUTEX`, it does no locking of its own.
@available(*, unavailable)
extension SQLite.Connection: Sendable {}
