import SQLite

/// Copies the write-ahead log into the database file, on a connection and a thread of its own.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold (1,000 pages):
/// that commit (and every request waiting for it) pays for copying the log's pages into the
/// database and an extra fsync of the database file, several times a second at a thousand
/// signatures a second — the slowest percent of the signer's answers. Instead the committer asks
/// for a checkpoint every few commits (``SignerStore/Options/checkpointEvery``) and this
/// connection runs it (`PRAGMA wal_checkpoint(PASSIVE)`: it never blocks the writer) while
/// commits go on. The next write after a complete checkpoint starts the log over.
///
/// Under a steady stream of commits a passive checkpoint may never catch up with the last one,
/// and the log would only grow; so the writer keeps SQLite's automatic checkpoint as a backstop
/// at a much larger threshold (``SignerStore/Options/checkpointBackstopPages``): when it fires,
/// the pages are already in the database and it only finishes the job, so that the log starts
/// over. A failed checkpoint loses nothing (the log still holds every commit); it is logged and
/// tried again at the next request.
final class LedgerCheckpointer: @unchecked Sendable {
    let connection: SQLite.Connection

    init(path: String) throws(SignerStoreError) {
        do {
            connection = try SQLite.Connection(path: path, mode: .readWrite)
        } catch {
            throw LedgerSchema.openError(error, path: path)
        }
    }

    /// Sets the writer's automatic checkpoint to `pages` (the backstop).
    static func setAutomaticCheckpoint(_ writer: SQLite.Connection, pages: Int) throws(SignerStoreError) {
        do {
            _ = try writer.query("PRAGMA wal_autocheckpoint=\(max(0, pages))") { try $0.int64(at: 0) }
        } catch {
            throw SignerStoreError(.io, "cannot set the automatic checkpoint of '\(writer.path)': \(error)", cause: error)
        }
    }

    /// One passive checkpoint: the log's frames and how many of them are in the database now.
    func checkpoint() throws(SignerStoreError) -> (frames: Int64, checkpointed: Int64) {
        do {
            let row = try connection.query("PRAGMA wal_checkpoint(PASSIVE)") { (try $0.int64(at: 1), try $0.int64(at: 2)) }
            return row.first ?? (0, 0)
        } catch {
            throw SignerStoreError(.io, "checkpoint of '\(connection.path)' failed: \(error)", cause: error)
        }
    }
}
