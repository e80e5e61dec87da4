/// Why the signer's database could not be opened, or why the store refused a request.
///
/// Every kind means "do not sign": the signer refuses to start on an open error, and refuses the
/// request on any other. Equality compares the kind only.
///
///     signer database '/var/lib/keeper-signer/signer.db' is not a valid SQLite database (SQLite
///     error 26 ...); the signer will not start on it: move it aside and restore it from a backup
public struct SignerStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable categories, for callers that branch and for metric labels.
    public enum Kind: String, Hashable, Sendable {
        /// The file or its directory cannot be opened or created (permissions, missing directory).
        case cannotOpen
        /// The file is not a SQLite database, fails its integrity check, or holds rows this
        /// program cannot read.
        case corrupt
        /// A SQLite database, but not the signer's (another program's file).
        case notASignerDatabase
        /// Written by a newer signer: its schema version is above the migrations this one knows.
        case schemaTooNew
        /// The audit log's head does not match its anchor: rows were removed or edited.
        case auditTampered
        /// A read or write failed at run time (disk full, I/O error).
        case io
        /// A commit failed earlier; the store refuses everything until the signer restarts.
        case failed
        /// A request's records were not committed within the commit timeout (another process
        /// holds the database's write lock, or the disk stalls); the request is refused.
        case timedOut
        /// The store was closed.
        case closed
        /// The API was used wrongly (a reservation completed twice, a signed transaction that is
        /// not the reserved one).
        case misuse
    }

    public let kind: Kind
    /// What was wrong and what to do.
    public let message: String
    /// The underlying error (usually a ``SQLiteError``), if any.
    public let cause: (any Error)?
    /// Where in our code the error was raised.
    public let source: String

    init(_ kind: Kind, _ message: String, cause: (any Error)? = nil, fileID: String = #fileID, line: Int = #line) {
        self.kind = kind
        self.message = message
        self.cause = cause
        self.source = "\(fileID):\(line)"
    }

    public var description: String {
        guard let cause else { return message }
        return "\(message) (cause: \(cause))"
    }

    /// A bounded label for metrics: `store.failed`.
    public var shortDescription: String { "store.\(kind.rawValue)" }

    public static func == (a: SignerStoreError, b: SignerStoreError) -> Bool { a.kind == b.kind }

    public func hash(into hasher: inout Hasher) { hasher.combine(kind) }
}
