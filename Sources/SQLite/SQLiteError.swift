import CSQLite

/// A failure reported by SQLite, or a misuse caught by this wrapper, with everything needed to
/// act on it: the primary and extended result codes, SQLite's own message, the SQL, and a hint.
///
///     SQLite error 19/2067 (constraint failed): UNIQUE constraint failed: spends.nonce
///       in 'INSERT INTO spends ...'
///
/// Equality compares the kind and the codes.
public struct SQLiteError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable categories for callers that branch (retry on `.busy`, refuse on `.constraint`) and
    /// for metric labels.
    public enum Kind: String, Hashable, Sendable {
        case constraint, busy, locked, corrupt, notADatabase, readOnly, cantOpen, full, ioError
        /// A column read with the wrong type or a NULL read as a value (`SQLITE_MISMATCH`).
        case typeMismatch
        /// Wrong use of the API: unknown parameter name, two statements in `prepare`, closed
        /// connection (`SQLITE_MISUSE`/`SQLITE_RANGE`).
        case misuse
        /// The database's schema version is newer than the migrations this program knows.
        case schemaTooNew
        /// Anything else; look at `code` and `extendedCode`.
        case other
    }

    /// The category, derived from the primary code or set by the wrapper.
    public let kind: Kind
    /// The primary result code (`SQLITE_CONSTRAINT` = 19, ...).
    public let code: Int32
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE` = 2067, ...); equals `code` when
    /// SQLite gave no extension.
    public let extendedCode: Int32
    /// SQLite's message (`sqlite3_errmsg`) or this wrapper's description of the misuse.
    public let message: String
    /// The SQL being prepared or run, when there was one.
    public let sql: String?
    /// The database file, when known.
    public let path: String?

    init(kind: Kind? = nil, code: Int32, extendedCode: Int32? = nil, message: String, sql: String?, path: String?) {
        self.code = code & 0xFF
        self.extendedCode = extendedCode ?? code
        self.kind = kind ?? Self.kind(forPrimary: code & 0xFF)
        self.message = message
        self.sql = sql
        self.path = path
    }

    /// The error SQLite reports on `db` for result `code`.
    init(db: OpaquePointer?, code: Int32, sql: String?, path: String?) {
        let message = db.flatMap { sqlite3_errmsg($0).map { String(cString: $0) } }
            ?? String(cString: sqlite3_errstr(code))
        let extended = db.map { sqlite3_extended_errcode($0) } ?? code
        self.init(code: code, extendedCode: extended == 0 ? code : extended, message: message, sql: sql, path: path)
    }

    static func misuse(_ message: String, sql: String?, path: String?) -> SQLiteError {
        SQLiteError(kind: .misuse, code: SQLITE_MISUSE, message: message, sql: sql, path: path)
    }

    private static func kind(forPrimary code: Int32) -> Kind {
        switch code {
        case SQLITE_CONSTRAINT: .constraint
        case SQLITE_BUSY: .busy
        case SQLITE_LOCKED: .locked
        case SQLITE_CORRUPT: .corrupt
        case SQLITE_NOTADB: .notADatabase
        case SQLITE_READONLY: .readOnly
        case SQLITE_CANTOPEN: .cantOpen
        case SQLITE_FULL: .full
        case SQLITE_IOERR: .ioError
        case SQLITE_MISMATCH: .typeMismatch
        case SQLITE_MISUSE, SQLITE_RANGE: .misuse
        default: .other
        }
    }

    /// What to do about it, where there is something general to say.
    private var hint: String? {
        let file = path.map { "'\($0)'" } ?? "the database file"
        switch kind {
        case .busy, .locked:
            return "another connection holds the lock; retry, or raise the busy timeout"
        case .corrupt, .notADatabase:
            return "\(file) is not a valid SQLite database; move it aside and restore from a backup"
        case .cantOpen:
            return "check that \(file) (or its directory, for a new database) exists and that this user may open it"
        case .readOnly:
            return "\(file) is read-only here; check file permissions, or open the connection read-write"
        case .full:
            return "the disk is full; free space"
        default:
            return nil
        }
    }

    public var description: String {
        var text = "SQLite error \(code)"
        if extendedCode != code { text += "/\(extendedCode)" }
        text += " (\(String(cString: sqlite3_errstr(code)))): \(message)"
        if let sql {
            let short = sql.count > 200 ? String(sql.prefix(200)) + "..." : sql
            text += " in '\(short)'"
        }
        if let hint { text += "; \(hint)" }
        return text
    }

    /// A bounded label for metrics: kind and extended code, no SQL or paths.
    public var shortDescription: String { "sqlite.\(kind.rawValue).\(extendedCode)" }

    public static func == (a: SQLiteError, b: SQLiteError) -> Bool {
        a.kind == b.kind && a.code == b.code && a.extendedCode == b.extendedCode
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(code)
        hasher.combine(extendedCode)
    }
}
