public import EVM
import Foundation
public import SQLite
public import Strategies

/// An intent as the store keeps it, with its transaction once it has one.
public struct StoredIntent: Sendable, Hashable {
    public var key: String
    public var strategy: String
    public var subject: String
    public var to: Address
    public var toName: String
    /// The function's signature with parameter names.
    public var function: String
    public var calldata: [UInt8]
    public var value: U256
    public var reason: String
    public var state: IntentState
    /// The block time of the snapshot that produced it.
    public var blockTime: UInt64
    public var account: Address?
    public var nonce: UInt64?
    public var gasLimit: UInt64?
    public var fees: Fees?
    /// Broadcasts, oldest first.
    public var attempts: [Attempt]
    /// The mined transaction, once there is a receipt.
    public var mined: Mined?
    /// Why it failed: the signer's rule (when the signer refused) and a sentence.
    public var failureRule: String?
    public var failureReason: String?

    public struct Mined: Sendable, Hashable {
        public var hash: [UInt8]
        public var block: UInt64
        public var blockHash: [UInt8]
        public var succeeded: Bool

        public init(hash: [UInt8], block: UInt64, blockHash: [UInt8], succeeded: Bool) {
            self.hash = hash
            self.block = block
            self.blockHash = blockHash
            self.succeeded = succeeded
        }
    }
}

/// The keeper's durable record of intents, their transactions and the next nonce per account
/// (SQLite, WAL, synchronous FULL).
///
/// Written before each step that has an effect outside the process: an intent is stored before
/// it is signed, its transaction fields before the signer is asked, the signed bytes before they
/// are broadcast. After a crash, ``unfinished()`` says where each intent stood, and the idempotency
/// key (the primary key) guarantees a second intent for the same key is never acted on.
///
/// One connection, used from one task at a time (the keeper's tick is sequential); not Sendable.
public final class IntentStore {
    let db: SQLite.Connection

    /// The keeper database's migrations (shared with the other tables in the file).
    static let migrations = KeeperSchema.migrations

    /// Opens (creating and migrating) the store at `path`.
    public init(path: String) throws(SQLiteError) {
        db = try SQLite.Connection(path: path)
        _ = try db.migrate(Self.migrations)
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    /// Stores a new intent as planned. Returns false, storing nothing, when its idempotency key
    /// is already known: that intent was acted on (or is being acted on) before.
    public func insertPlanned(_ intent: Intent, calldata: [UInt8], blockTime: UInt64) throws -> Bool {
        let now = Self.now()
        let changed = try db.run(
            """
            INSERT OR IGNORE INTO intents (key, strategy, subject, target, target_name, function, calldata, value,
                reason, state, block_time, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'planned', ?, ?, ?)
            """,
            intent.idempotencyKey, intent.strategy, intent.subject, intent.to.lowercaseHex, intent.toName,
            intent.function.description, calldata, intent.value.decimalString, intent.reason, Int64(blockTime), now, now)
        return changed == 1
    }

    /// Whether an intent with this key exists (in any state).
    public func contains(key: String) throws -> Bool {
        try !db.query("SELECT 1 FROM intents WHERE key = ?", [key]) { _ in true }.isEmpty
    }

    /// Fixes the transaction of a planned intent (account, nonce, gas, fees) and advances the
    /// account's stored next nonce, in one transaction, before the signer is asked.
    public func assignTransaction(key: String, account: Address, nonce: UInt64, gasLimit: UInt64, fees: Fees) throws {
        try db.transaction {
            try db.run(
                """
                UPDATE intents SET account = ?, nonce = ?, gas_limit = ?, max_fee = ?, max_priority_fee = ?, updated_at = ?
                WHERE key = ? AND state = 'planned'
                """,
                account.lowercaseHex, Int64(nonce), Int64(gasLimit), fees.maxFeePerGas.decimalString,
                fees.maxPriorityFeePerGas.decimalString, Self.now(), key)
            try db.run(
                "INSERT INTO nonces (account, next) VALUES (?, ?) ON CONFLICT(account) DO UPDATE SET next = max(next, excluded.next)",
                account.lowercaseHex, Int64(nonce + 1))
        }
    }

    /// Records a signed transaction (the first attempt, or a replacement) before it is broadcast.
    public func recordSigned(key: String, attempt: Attempt) throws {
        try db.transaction {
            let seq = try db.query("SELECT COUNT(*) FROM attempts WHERE key = ?", [key]) { try $0.int(at: 0) }.first ?? 0
            try db.run(
                "INSERT INTO attempts (key, seq, hash, raw, max_fee, max_priority_fee, sent_at_block) VALUES (?, ?, ?, ?, ?, ?, ?)",
                key, seq, attempt.hash, attempt.raw, attempt.fees.maxFeePerGas.decimalString,
                attempt.fees.maxPriorityFeePerGas.decimalString, Int64(attempt.sentAtBlock))
            try db.run(
                "UPDATE intents SET state = CASE WHEN state = 'planned' THEN 'signed' ELSE state END, max_fee = ?, max_priority_fee = ?, updated_at = ? WHERE key = ?",
                attempt.fees.maxFeePerGas.decimalString, attempt.fees.maxPriorityFeePerGas.decimalString, Self.now(), key)
        }
    }

    /// Moves an intent to `state`, with a failure rule and reason when it failed.
    public func setState(key: String, _ state: IntentState, failureRule: String? = nil, failureReason: String? = nil) throws {
        try db.run(
            "UPDATE intents SET state = ?, failure_rule = coalesce(?, failure_rule), failure_reason = coalesce(?, failure_reason), updated_at = ? WHERE key = ?",
            state.rawValue, failureRule, failureReason, Self.now(), key)
    }

    /// Records (or clears, with nil) the receipt of an intent's transaction.
    public func setMined(key: String, _ mined: StoredIntent.Mined?) throws {
        try db.run(
            "UPDATE intents SET mined_hash = ?, mined_block = ?, mined_block_hash = ?, mined_succeeded = ?, updated_at = ? WHERE key = ?",
            mined?.hash, mined.map { Int64($0.block) }, mined?.blockHash, mined.map { $0.succeeded ? 1 : 0 }, Self.now(), key)
    }

    /// The stored next nonce of `account`, if any.
    public func nextNonce(_ account: Address) throws -> UInt64? {
        try db.query("SELECT next FROM nonces WHERE account = ?", [account.lowercaseHex]) { UInt64(try $0.int64(at: 0)) }.first
    }

    /// Sets the stored next nonce (after syncing with the chain at start).
    public func setNextNonce(_ account: Address, _ next: UInt64) throws {
        try db.run(
            "INSERT INTO nonces (account, next) VALUES (?, ?) ON CONFLICT(account) DO UPDATE SET next = excluded.next",
            account.lowercaseHex, Int64(next))
    }

    /// The idempotency keys of intents made from snapshots at or after `since` (a block time), for
    /// the strategies' view of what was already done.
    public func keys(since: UInt64) throws -> Set<String> {
        Set(try db.query("SELECT key FROM intents WHERE block_time >= ?", [Int64(since)]) { try $0.string(at: 0) })
    }

    /// Intents not yet final, oldest first: what to resume after a restart.
    public func unfinished() throws -> [StoredIntent] {
        try intents(where: "state NOT IN ('confirmed', 'failed', 'dropped')", [])
    }

    /// One intent by key.
    public func intent(key: String) throws -> StoredIntent? {
        try intents(where: "key = ?", [key]).first
    }

    /// Intents by state, for metrics.
    public func countsByState() throws -> [IntentState: Int] {
        var counts: [IntentState: Int] = [:]
        for (state, n) in try db.query("SELECT state, COUNT(*) FROM intents GROUP BY state", [], row: { (try $0.string(at: 0), try $0.int(at: 1)) }) {
            if let s = IntentState(rawValue: state) { counts[s] = n }
        }
        return counts
    }

    /// The latest block time of a non-failed intent per subject, since `since` (for cooldowns).
    public func lastActionTimes(since: UInt64) throws -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        let rows = try db.query(
            "SELECT subject, MAX(block_time) FROM intents WHERE block_time >= ? AND state != 'failed' GROUP BY subject",
            [Int64(since)]) { (try $0.string(at: 0), UInt64(try $0.int64(at: 1))) }
        for (subject, time) in rows { out[subject] = time }
        return out
    }

    private func intents(where condition: String, _ values: [any SQLite.Bindable]) throws -> [StoredIntent] {
        var found = try db.query(
            """
            SELECT key, strategy, subject, target, target_name, function, calldata, value, reason, state, block_time,
                   account, nonce, gas_limit, max_fee, max_priority_fee, mined_hash, mined_block, mined_block_hash,
                   mined_succeeded, failure_rule, failure_reason
            FROM intents WHERE \(condition) ORDER BY created_at, rowid
            """, values
        ) { row in
            let maxFee = try row.optionalString(at: 14).flatMap { U256(decimal: $0) }
            let tip = try row.optionalString(at: 15).flatMap { U256(decimal: $0) }
            var mined: StoredIntent.Mined?
            if let hash = try row.optionalBlob(at: 16), let block = try row.optionalInt64(at: 17),
                let blockHash = try row.optionalBlob(at: 18), let ok = try row.optionalInt64(at: 19)
            {
                mined = StoredIntent.Mined(hash: hash, block: UInt64(block), blockHash: blockHash, succeeded: ok == 1)
            }
            return StoredIntent(
                key: try row.string(at: 0), strategy: try row.string(at: 1), subject: try row.string(at: 2),
                to: try Address(try row.string(at: 3)), toName: try row.string(at: 4), function: try row.string(at: 5),
                calldata: try row.blob(at: 6), value: U256(decimal: try row.string(at: 7)) ?? .zero,
                reason: try row.string(at: 8), state: IntentState(rawValue: try row.string(at: 9)) ?? .failed,
                blockTime: UInt64(try row.int64(at: 10)),
                account: try row.optionalString(at: 11).map { try Address($0) },
                nonce: try row.optionalInt64(at: 12).map { UInt64($0) },
                gasLimit: try row.optionalInt64(at: 13).map { UInt64($0) },
                fees: maxFee.flatMap { m in tip.map { Fees(maxFeePerGas: m, maxPriorityFeePerGas: $0) } },
                attempts: [], mined: mined, failureRule: try row.optionalString(at: 20), failureReason: try row.optionalString(at: 21))
        }
        for i in found.indices {
            found[i].attempts = try db.query(
                "SELECT hash, raw, max_fee, max_priority_fee, sent_at_block FROM attempts WHERE key = ? ORDER BY seq",
                [found[i].key]
            ) { row in
                Attempt(
                    hash: try row.blob(at: 0), raw: try row.blob(at: 1),
                    fees: Fees(
                        maxFeePerGas: U256(decimal: try row.string(at: 2)) ?? .zero,
                        maxPriorityFeePerGas: U256(decimal: try row.string(at: 3)) ?? .zero),
                    sentAtBlock: UInt64(try row.int64(at: 4)))
            }
        }
        return found
    }
}
