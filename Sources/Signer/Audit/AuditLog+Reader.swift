import SQLite

extension AuditLog {
    /// A read-only view of the audit log in a signer database, for `signer audit verify|tail`
    /// (safe while the signer runs: WAL readers do not block it).
    public final class Reader {
        private let connection: SQLite.Connection

        /// Opens the database at `path` read-only.
        public init(path: String) throws(SignerStoreError) {
            connection = try AuditLog.openReadOnly(path: path)
        }

        /// See ``AuditLog/verify(_:)``.
        public func verify() throws(SignerStoreError) -> AuditVerification {
            try AuditLog.verify(connection)
        }

        /// The last `count` rows, oldest first.
        public func last(_ count: Int) throws(SignerStoreError) -> [AuditRecord] {
            try AuditLog.last(count, in: connection)
        }

        /// Up to `limit` rows after `sequence`, oldest first.
        public func records(after sequence: Int64, limit: Int = 1000) throws(SignerStoreError) -> [AuditRecord] {
            try AuditLog.records(after: sequence, limit: limit, in: connection)
        }

        /// The anchor row, if present.
        public func anchor() throws(SignerStoreError) -> AuditAnchor? {
            try AuditLog.anchor(connection)
        }
    }
}
