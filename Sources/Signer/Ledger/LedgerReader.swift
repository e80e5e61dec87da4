import EVM
import Foundation
import SQLite

/// The store's read connection: slot look-ups after a cache miss, spends when the lookback grows.
/// Used only under the store's lock (a connection is not thread-safe); reads in WAL mode see the
/// last commit and never block the committer.
final class LedgerReader: LedgerBacking {
    let connection: SQLite.Connection

    init(path: String) throws(SignerStoreError) {
        do {
            connection = try SQLite.Connection(path: path, mode: .readWrite, options: .init(writeAheadLog: false))
            try connection.execute("PRAGMA query_only = ON")
        } catch {
            throw LedgerSchema.openError(error, path: path)
        }
    }

    func signedTransactions(at key: NonceSlotKey) throws(SignerStoreError) -> [Transaction] {
        let raws: [[UInt8]]
        do {
            raws = try connection.query(
                "SELECT raw FROM signed_transactions WHERE account = ? AND chain_id = ? AND nonce = ? ORDER BY id",
                [Hex.encode(key.account.bytes), Int64(bitPattern: key.chainId), Int64(bitPattern: key.nonce)]
            ) { try $0.blob(at: 0) }
        } catch {
            throw Self.readError(error, what: "the transactions signed for nonce \(key.nonce) of \(key.account)")
        }
        var out: [Transaction] = []
        for raw in raws {
            do {
                out.append(try SignedTransaction(raw: raw).transaction)
            } catch {
                throw SignerStoreError(
                    .corrupt,
                    "a signed transaction stored for nonce \(key.nonce) of \(key.account) does not decode (\(error.message)); the database was altered: restore it from a backup",
                    cause: error)
            }
        }
        return out
    }

    func spends(after start: Date) throws(SignerStoreError) -> [SpendRecord] {
        do {
            return try connection.query(
                "SELECT account, chain_id, nonce, at_us, value, fee_exposure FROM spends WHERE at_us > ? ORDER BY id",
                [LedgerTime.micros(start)]
            ) { row in
                let account = try row.string(at: 0)
                let value = try row.string(at: 4)
                let fee = try row.string(at: 5)
                guard let address = try? Address(account), let wei = U256(decimal: value), let exposure = U256(decimal: fee) else {
                    throw SignerStoreError(
                        .corrupt,
                        "a spend row holds an unreadable account or amount ('\(account)', '\(value)', '\(fee)'); the database was altered: restore it from a backup")
                }
                return SpendRecord(
                    account: address, chainId: UInt64(bitPattern: try row.int64(at: 1)), nonce: UInt64(bitPattern: try row.int64(at: 2)),
                    at: LedgerTime.date(try row.int64(at: 3)), value: wei, feeExposure: exposure)
            }
        } catch {
            throw Self.readError(error, what: "the spends")
        }
    }

    /// The highest nonce signed per account and chain.
    func highestNonces() throws(SignerStoreError) -> [(AccountChain, UInt64)] {
        do {
            return try connection.query(
                "SELECT account, chain_id, max(nonce), min(nonce) FROM signed_transactions GROUP BY account, chain_id"
            ) { row in
                // Nonces are stored as Int64 bit patterns: one at or above 2^63 reads negative.
                let highest = try row.int64(at: 3) < 0 ? UInt64.max : UInt64(bitPattern: try row.int64(at: 2))
                let account = try row.string(at: 0)
                guard let address = try? Address(account) else {
                    throw SignerStoreError(.corrupt, "a signed transaction row holds an unreadable account '\(account)'; the database was altered: restore it from a backup")
                }
                return (AccountChain(account: address, chainId: UInt64(bitPattern: try row.int64(at: 1))), highest)
            }
        } catch {
            throw Self.readError(error, what: "the highest signed nonces")
        }
    }

    static func readError(_ error: any Error, what: String) -> SignerStoreError {
        if let error = error as? SignerStoreError { return error }
        if let error = error as? SQLiteError, error.kind == .typeMismatch || error.kind == .corrupt {
            return SignerStoreError(.corrupt, "cannot read \(what) from the signer database: \(error); restore it from a backup", cause: error)
        }
        return SignerStoreError(.io, "cannot read \(what) from the signer database: \(error)", cause: error)
    }
}
