import CSQLite

extension SQLite {
    /// A prepared statement. Parameters are bound by 1-based index or by name (`:name`, `@name`,
    /// `$name`); columns are read by 0-based index, strictly: reading an integer column as a
    /// string, or a NULL as a non-optional value, is a `.typeMismatch` error rather than a
    /// silent conversion. Use the `optional...` readers for nullable columns.
    ///
    ///     let insert = try db.cached("INSERT INTO spends(account, amount) VALUES (:account, :amount)")
    ///     try insert.bind(account, named: ":account")
    ///     try insert.bind(amount, named: ":amount")
    ///     try insert.run()
    ///
    /// A statement keeps its connection open. Not `Sendable`, like its connection.
    public final class Statement {
        /// The SQL this statement was prepared from.
        public let sql: String
        let handle: OpaquePointer
        private let connection: Connection

        init(connection: Connection, sql: String, persistent: Bool) throws(SQLiteError) {
            var statement: OpaquePointer?
            var tail: UnsafePointer<CChar>?
            let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
            let rc = sql.withCString { text in
                let rc = sqlite3_prepare_v3(connection.handle, text, -1, flags, &statement, &tail)
                // Anything but whitespace or comments after the first statement is a misuse.
                if rc == SQLITE_OK, let tail, tail.pointee != 0 {
                    var rest: OpaquePointer?
                    let restRC = sqlite3_prepare_v2(connection.handle, tail, -1, &rest, nil)
                    let hasMore = rest != nil
                    sqlite3_finalize(rest)
                    return restRC == SQLITE_OK && !hasMore ? SQLITE_OK : SQLITE_MISUSE
                }
                return rc
            }
            guard rc == SQLITE_OK, let statement else {
                sqlite3_finalize(statement)
                if rc == SQLITE_MISUSE {
                    throw SQLiteError.misuse(
                        "prepare takes exactly one statement; use execute(_:) for scripts", sql: sql, path: connection.path)
                }
                if rc == SQLITE_OK {
                    throw SQLiteError.misuse("the SQL holds no statement", sql: sql, path: connection.path)
                }
                throw SQLiteError(db: connection.handle, code: rc, sql: sql, path: connection.path)
            }
            self.sql = sql
            self.handle = statement
            self.connection = connection
        }

        deinit { sqlite3_finalize(handle) }

        // MARK: Binding

        /// How many parameters the statement has.
        public var parameterCount: Int { Int(sqlite3_bind_parameter_count(handle)) }

        /// Binds `value` to the parameter at 1-based `index`.
        public func bind(_ value: some Bindable, at index: Int) throws(SQLiteError) {
            try bindValue(value.sqliteValue, at: Int32(clamping: index))
        }

        /// Binds `value` to the parameter called `name`, prefix included (`:amount`).
        public func bind(_ value: some Bindable, named name: String) throws(SQLiteError) {
            let index = sqlite3_bind_parameter_index(handle, name)
            guard index > 0 else {
                throw SQLiteError.misuse(
                    "no parameter named '\(name)' in the statement; names include their prefix (:name, @name, $name)",
                    sql: sql, path: connection.path)
            }
            try bindValue(value.sqliteValue, at: index)
        }

        /// Binds NULL to the parameter at 1-based `index`.
        public func bindNull(at index: Int) throws(SQLiteError) {
            try bindValue(.null, at: Int32(clamping: index))
        }

        /// Binds `values` to parameters 1, 2, ... in order; their number must match.
        public func bind(_ values: [any Bindable]) throws(SQLiteError) {
            guard values.count == parameterCount else {
                throw SQLiteError.misuse(
                    "the statement has \(parameterCount) parameters but \(values.count) values were given",
                    sql: sql, path: connection.path)
            }
            for (offset, value) in values.enumerated() {
                try bindValue(value.sqliteValue, at: Int32(offset + 1))
            }
        }

        private func bindValue(_ value: Value, at index: Int32) throws(SQLiteError) {
            let rc: Int32
            switch value {
            case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
            case .real(let v): rc = sqlite3_bind_double(handle, index, v)
            case .text(let v): rc = sqlite3_bind_text64(handle, index, v, UInt64(v.utf8.count), transient, UInt8(SQLITE_UTF8))
            case .blob(let v):
                rc = v.withUnsafeBytes { bytes in
                    // A non-null pointer even for an empty blob, so it binds as a blob, not NULL.
                    sqlite3_bind_blob64(handle, index, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1), UInt64(v.count), transient)
                }
            case .null: rc = sqlite3_bind_null(handle, index)
            }
            guard rc == SQLITE_OK else {
                if rc == SQLITE_RANGE {
                    throw SQLiteError(
                        kind: .misuse, code: rc,
                        message: "parameter index \(index) is out of range (the statement has \(parameterCount))",
                        sql: sql, path: connection.path)
                }
                throw SQLiteError(db: connection.handle, code: rc, sql: sql, path: connection.path)
            }
        }

        /// Sets every parameter back to NULL.
        public func clearBindings() { sqlite3_clear_bindings(handle) }

        // MARK: Stepping

        /// Advances to the next row: `true` when a row is ready to read, `false` when done.
        public func step() throws(SQLiteError) -> Bool {
            switch sqlite3_step(handle) {
            case SQLITE_ROW: return true
            case SQLITE_DONE: return false
            case let rc:
                let error = SQLiteError(db: connection.handle, code: rc, sql: sql, path: connection.path)
                sqlite3_reset(handle)
                throw error
            }
        }

        /// Steps until done (rows are discarded), resets, and returns the rows changed.
        @discardableResult
        public func run() throws(SQLiteError) -> Int {
            while try step() {}
            reset()
            return connection.changes
        }

        /// Rewinds the statement so it can run again; bindings are kept.
        public func reset() { sqlite3_reset(handle) }

        // MARK: Columns

        /// How many columns a row has.
        public var columnCount: Int { Int(sqlite3_column_count(handle)) }

        /// The name of the column at 0-based `index`.
        public func columnName(at index: Int) -> String {
            sqlite3_column_name(handle, Int32(index)).map { String(cString: $0) } ?? "?"
        }

        /// Whether the column at `index` of the current row is NULL.
        public func isNull(at index: Int) -> Bool { sqlite3_column_type(handle, Int32(index)) == SQLITE_NULL }

        /// The column at `index` as stored.
        public func value(at index: Int) -> Value {
            let column = Int32(index)
            switch sqlite3_column_type(handle, column) {
            case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, column))
            case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, column))
            case SQLITE_TEXT: return .text(text(column))
            case SQLITE_BLOB: return .blob(blob(column))
            default: return .null
            }
        }

        /// An INTEGER column.
        public func int64(at index: Int) throws(SQLiteError) -> Int64 {
            try required(index, "an integer", optionalInt64(at: index))
        }

        /// An INTEGER column that may be NULL.
        public func optionalInt64(at index: Int) throws(SQLiteError) -> Int64? {
            switch value(at: index) {
            case .integer(let v): return v
            case .null: return nil
            case let other: throw mismatch(index, "an integer", other)
            }
        }

        /// An INTEGER column as `Int`.
        public func int(at index: Int) throws(SQLiteError) -> Int { Int(try int64(at: index)) }

        /// An INTEGER column as `Int`, or `nil` for NULL.
        public func optionalInt(at index: Int) throws(SQLiteError) -> Int? { try optionalInt64(at: index).map { Int($0) } }

        /// A REAL (or INTEGER) column.
        public func double(at index: Int) throws(SQLiteError) -> Double {
            try required(index, "a number", optionalDouble(at: index))
        }

        /// A REAL (or INTEGER) column that may be NULL.
        public func optionalDouble(at index: Int) throws(SQLiteError) -> Double? {
            switch value(at: index) {
            case .real(let v): return v
            case .integer(let v): return Double(v)
            case .null: return nil
            case let other: throw mismatch(index, "a number", other)
            }
        }

        /// A TEXT column.
        public func string(at index: Int) throws(SQLiteError) -> String {
            try required(index, "text", optionalString(at: index))
        }

        /// A TEXT column that may be NULL.
        public func optionalString(at index: Int) throws(SQLiteError) -> String? {
            switch value(at: index) {
            case .text(let v): return v
            case .null: return nil
            case let other: throw mismatch(index, "text", other)
            }
        }

        /// A BLOB column.
        public func blob(at index: Int) throws(SQLiteError) -> [UInt8] {
            try required(index, "a blob", optionalBlob(at: index))
        }

        /// A BLOB column that may be NULL.
        public func optionalBlob(at index: Int) throws(SQLiteError) -> [UInt8]? {
            switch value(at: index) {
            case .blob(let v): return v
            case .null: return nil
            case let other: throw mismatch(index, "a blob", other)
            }
        }

        private func text(_ column: Int32) -> String {
            guard let pointer = sqlite3_column_text(handle, column) else { return "" }
            let count = Int(sqlite3_column_bytes(handle, column))
            return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
        }

        private func blob(_ column: Int32) -> [UInt8] {
            guard let pointer = sqlite3_column_blob(handle, column) else { return [] }
            let count = Int(sqlite3_column_bytes(handle, column))
            return [UInt8](UnsafeRawBufferPointer(start: pointer, count: count))
        }

        private func required<T>(_ index: Int, _ expected: String, _ value: T?) throws(SQLiteError) -> T {
            guard let value else { throw mismatch(index, expected, .null) }
            return value
        }

        private func mismatch(_ index: Int, _ expected: String, _ found: Value) -> SQLiteError {
            let kind = switch found {
            case .integer: "an integer"
            case .real: "a real"
            case .text: "text"
            case .blob: "a blob"
            case .null: "NULL"
            }
            let hint = found == .null ? "; read it with an optional... accessor if NULL is allowed" : ""
            return SQLiteError(
                kind: .typeMismatch, code: SQLITE_MISMATCH,
                message: "column \(index) ('\(columnName(at: index))') holds \(kind), expected \(expected)\(hint)",
                sql: sql, path: connection.path)
        }
    }
}

/// `SQLITE_TRANSIENT`: SQLite copies bound text and blobs before the call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A connection and its statements belong to one thread or task at a time (see `SQLite`).
@available(*, unavailable)
extension SQLite.Statement: Sendable {}
