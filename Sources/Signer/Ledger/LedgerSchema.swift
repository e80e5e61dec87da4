import SQLite

/// The signer database's schema: numbered migrations (append, never edit), the application id
/// that marks the file as the signer's, and the checks made when opening it.
///
/// Conventions: addresses are `0x` + 40 lowercase hex digits; chain ids, nonces and gas limits are
/// the bit patterns of their `UInt64`s; amounts in wei are decimal text; times are microseconds
/// since 1970; hashes are 32-byte blobs.
enum LedgerSchema {
    /// `PRAGMA application_id` of a signer database: "KSG1".
    static let applicationID: Int64 = 0x4B53_4731

    static let migrations: [String] = [
        """
        PRAGMA application_id = \(applicationID);
        CREATE TABLE spends (
            id INTEGER PRIMARY KEY,
            account TEXT NOT NULL,
            chain_id INTEGER NOT NULL,
            nonce INTEGER NOT NULL,
            at_us INTEGER NOT NULL,
            value TEXT NOT NULL,
            fee_exposure TEXT NOT NULL,
            tx_hash BLOB NOT NULL
        ) STRICT;
        CREATE INDEX spends_by_time ON spends(at_us);
        CREATE TABLE signed_transactions (
            id INTEGER PRIMARY KEY,
            account TEXT NOT NULL,
            chain_id INTEGER NOT NULL,
            nonce INTEGER NOT NULL,
            tx_type INTEGER NOT NULL,
            to_address TEXT,
            value TEXT NOT NULL,
            gas_limit INTEGER NOT NULL,
            max_fee_per_gas TEXT NOT NULL,
            max_priority_fee_per_gas TEXT NOT NULL,
            tx_hash BLOB NOT NULL,
            raw BLOB NOT NULL,
            signed_at_us INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX signed_by_slot ON signed_transactions(account, chain_id, nonce);
        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY,
            at_us INTEGER NOT NULL,
            peer_uid INTEGER NOT NULL,
            peer_pid INTEGER NOT NULL,
            request_digest BLOB NOT NULL,
            method TEXT NOT NULL,
            decision TEXT NOT NULL,
            rule TEXT,
            reason TEXT,
            tx_hash BLOB,
            row_hash BLOB NOT NULL
        ) STRICT;
        CREATE TABLE audit_anchor (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            seq INTEGER NOT NULL,
            row_hash BLOB NOT NULL,
            updated_at_us INTEGER NOT NULL
        ) STRICT;
        """,
    ]

    /// Opens the database read-write (creating it), checks that it is whole and the signer's,
    /// and migrates it. Every failure is fatal for the signer: it must not start on a database
    /// it cannot trust.
    static func open(path: String, synchronous: SQLite.Connection.Synchronous, integrityCheck: Bool) throws(SignerStoreError) -> SQLite.Connection {
        let connection: SQLite.Connection
        do {
            connection = try SQLite.Connection(path: path, mode: .readWriteCreate, options: .init(synchronous: synchronous))
        } catch {
            throw openError(error, path: path)
        }
        do {
            if integrityCheck {
                let problems = try connection.query("PRAGMA quick_check") { try $0.string(at: 0) }
                if problems != ["ok"] {
                    throw SignerStoreError(
                        .corrupt,
                        "signer database '\(path)' fails its integrity check (\(problems.prefix(3).joined(separator: "; "))); the signer will not start on it: move it aside and restore it from a backup")
                }
            }
            let version = try connection.userVersion()
            let applicationID = try connection.query("PRAGMA application_id") { try $0.int64(at: 0) }.first ?? 0
            if version == 0 {
                let tables = try connection.query("SELECT count(*) FROM sqlite_master") { try $0.int(at: 0) }.first ?? 0
                if tables > 0 || applicationID != 0 {
                    throw notOurs(path, "it holds \(tables) schema objects but no signer schema")
                }
            } else if applicationID != Self.applicationID {
                throw notOurs(path, "its application id is \(applicationID), not the signer's \(Self.applicationID)")
            }
            try connection.migrate(migrations)
        } catch let error as SignerStoreError {
            throw error
        } catch let error as SQLiteError {
            throw openError(error, path: path)
        } catch {
            throw SignerStoreError(.io, "cannot read signer database '\(path)': \(error)", cause: error)
        }
        return connection
    }

    private static func notOurs(_ path: String, _ detail: String) -> SignerStoreError {
        SignerStoreError(
            .notASignerDatabase,
            "'\(path)' is a SQLite database but not the signer's (\(detail)); point the signer's database path at its own file")
    }

    /// An error from opening or reading the database at start, with what to do about it.
    static func openError(_ error: SQLiteError, path: String) -> SignerStoreError {
        switch error.kind {
        case .corrupt, .notADatabase:
            return SignerStoreError(
                .corrupt,
                "signer database '\(path)' is not a valid SQLite database (\(error.message)); the signer will not start on it: move it aside and restore it from a backup",
                cause: error)
        case .cantOpen, .readOnly:
            return SignerStoreError(
                .cannotOpen,
                "cannot open signer database '\(path)' for reading and writing (\(error.message)); check that its directory exists and that the signer's user owns the file",
                cause: error)
        case .schemaTooNew:
            return SignerStoreError(
                .schemaTooNew,
                "signer database '\(path)' was written by a newer signer (\(error.message)); run that version, or restore a backup made by this one",
                cause: error)
        default:
            return SignerStoreError(.io, "cannot use signer database '\(path)': \(error)", cause: error)
        }
    }
}
