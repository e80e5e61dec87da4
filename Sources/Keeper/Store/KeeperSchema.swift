/// The schema of the keeper's database (`[database] path`): every table in the file, in one
/// list of migrations, because SQLite's `user_version` counts the migrations of the whole file.
/// Every store that opens the file migrates it with this list. Append; never edit a migration
/// that has shipped.
enum KeeperSchema {
    static let migrations = [
        // 1: intents, their broadcast attempts, and the next nonce per account (IntentStore).
        """
        CREATE TABLE intents (
            key TEXT PRIMARY KEY,
            strategy TEXT NOT NULL,
            subject TEXT NOT NULL,
            target TEXT NOT NULL,
            target_name TEXT NOT NULL,
            function TEXT NOT NULL,
            calldata BLOB NOT NULL,
            value TEXT NOT NULL,
            reason TEXT NOT NULL,
            state TEXT NOT NULL,
            block_time INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            account TEXT,
            nonce INTEGER,
            gas_limit INTEGER,
            max_fee TEXT,
            max_priority_fee TEXT,
            mined_hash BLOB,
            mined_block INTEGER,
            mined_block_hash BLOB,
            mined_succeeded INTEGER,
            failure_rule TEXT,
            failure_reason TEXT
        );
        CREATE INDEX intents_state ON intents(state);
        CREATE INDEX intents_subject ON intents(subject, block_time);
        CREATE TABLE attempts (
            key TEXT NOT NULL REFERENCES intents(key),
            seq INTEGER NOT NULL,
            hash BLOB NOT NULL,
            raw BLOB NOT NULL,
            max_fee TEXT NOT NULL,
            max_priority_fee TEXT NOT NULL,
            sent_at_block INTEGER NOT NULL,
            PRIMARY KEY (key, seq)
        );
        CREATE TABLE nonces (
            account TEXT PRIMARY KEY,
            next INTEGER NOT NULL
        );
        """,
        // 2: users enrolled for Aave protection outside the config (AaveEnrollmentStore).
        // Health factors are wads as decimal strings; NULL takes the strategy's default.
        """
        CREATE TABLE aave_enrollments (
            strategy TEXT NOT NULL,
            address TEXT NOT NULL,
            trigger_health_factor TEXT,
            target_health_factor TEXT,
            collateral_asset TEXT,
            debt_asset TEXT,
            slippage_bps INTEGER,
            enrolled_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (strategy, address)
        ) WITHOUT ROWID;
        """,
    ]
}
