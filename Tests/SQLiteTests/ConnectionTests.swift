import Foundation
import SQLite
import Synchronization
import Testing

@Suite struct ConnectionTests {
    @Test func openingAppliesWALFullSyncAndForeignKeys() throws {
        try withTemporaryDirectory { dir in
            let db = try SQLite.Connection(path: dir + "/a.db")
            #expect(try db.query("PRAGMA journal_mode") { try $0.string(at: 0) } == ["wal"])
            // FULL = 2, NORMAL = 1.
            #expect(try db.query("PRAGMA synchronous") { try $0.int(at: 0) } == [2])
            #expect(try db.query("PRAGMA foreign_keys") { try $0.int(at: 0) } == [1])
            let normal = try SQLite.Connection(path: dir + "/b.db", options: .init(synchronous: .normal))
            #expect(try normal.query("PRAGMA synchronous") { try $0.int(at: 0) } == [1])
        }
    }

    @Test func releasingTheLastReferenceClosesTheConnection() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/close.db"
            var db: SQLite.Connection? = try SQLite.Connection(path: path)
            try db?.execute("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            // The write-ahead log exists while the connection is open...
            #expect(FileManager.default.fileExists(atPath: path + "-wal"))
            var statement = try db?.prepare("SELECT x FROM t")
            db = nil
            // ...a statement keeps its connection open...
            #expect(try statement?.step() == true)
            #expect(FileManager.default.fileExists(atPath: path + "-wal"))
            statement = nil
            // ...and the last close checkpoints and removes it.
            #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
            #expect(statement == nil)
        }
    }

    @Test func everyTypeRoundTrips() throws {
        try withTemporaryDirectory { dir in
            let db = try SQLite.Connection(path: dir + "/t.db")
            try db.execute("CREATE TABLE t(i INTEGER, r REAL, s TEXT, b BLOB, n INTEGER)")
            let blob: [UInt8] = [0, 1, 2, 0xFF, 0]
            let insert = try db.prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?)")
            try insert.bind(Int64.min, at: 1)
            try insert.bind(-0.5, at: 2)
            try insert.bind("héllo\u{0}world ✓", at: 3)
            try insert.bind(blob, at: 4)
            try insert.bindNull(at: 5)
            #expect(try insert.run() == 1)
            #expect(db.lastInsertRowID == 1)
            try db.run("INSERT INTO t VALUES (?, ?, ?, ?, ?)", Int.max, 1e300, "", [UInt8](), Optional<Int>.none)

            let rows = try db.query("SELECT i, r, s, b, n FROM t ORDER BY rowid") { row in
                (try row.int64(at: 0), try row.double(at: 1), try row.string(at: 2), try row.blob(at: 3),
                 try row.optionalInt(at: 4), row.isNull(at: 4))
            }
            try #require(rows.count == 2)
            #expect(rows[0].0 == Int64.min)
            #expect(rows[0].1 == -0.5)
            #expect(rows[0].2 == "héllo\u{0}world ✓")
            #expect(rows[0].3 == blob)
            #expect(rows[0].4 == nil)
            #expect(rows[0].5)
            #expect(rows[1].0 == Int64(Int.max))
            #expect(rows[1].1 == 1e300)
            #expect(rows[1].2 == "")
            #expect(rows[1].3 == [])
            let types = try db.query("SELECT typeof(b) FROM t ORDER BY rowid") { try $0.string(at: 0) }
            #expect(types == ["blob", "blob"])
        }
    }

    @Test func namedParametersAndNulls() throws {
        try withTemporaryDirectory { dir in
            let db = try SQLite.Connection(path: dir + "/n.db")
            try db.execute("CREATE TABLE p(a TEXT, b INTEGER)")
            let insert = try db.cached("INSERT INTO p(a, b) VALUES (:a, @b)")
            try insert.bind("x", named: ":a")
            try insert.bind(Optional<Int64>.none, named: "@b")
            try insert.run()
            let unknown = try #require(throws: SQLiteError.self) { try insert.bind(1, named: ":missing") }
            #expect(unknown.kind == .misuse)
            #expect(unknown.description.contains("no parameter named ':missing'"))

            let row = try db.query("SELECT a, b FROM p") { (try $0.optionalString(at: 0), try $0.optionalInt64(at: 1)) }
            #expect(row.first?.0 == "x")
            #expect(row.first?.1 == nil)
            let null = try #require(throws: SQLiteError.self) { _ = try db.query("SELECT b FROM p") { try $0.int64(at: 0) } }
            #expect(null.kind == .typeMismatch)
            #expect(null.description.contains("column 0 ('b') holds NULL, expected an integer"))
            let wrongType = try #require(throws: SQLiteError.self) { _ = try db.query("SELECT a FROM p") { try $0.int64(at: 0) } }
            #expect(wrongType.kind == .typeMismatch)
        }
    }

    @Test func transactionCommitsOrRollsBackOnThrow() throws {
        struct Abort: Error {}
        try withTemporaryDirectory { dir in
            let db = try SQLite.Connection(path: dir + "/tx.db")
            try db.execute("CREATE TABLE t(x INTEGER)")
            let value = try db.transaction { () throws -> Int in
                try db.run("INSERT INTO t VALUES (1)")
                return 42
            }
            #expect(value == 42)
            #expect(throws: Abort.self) {
                try db.transaction {
                    try db.run("INSERT INTO t VALUES (2)")
                    #expect(db.isInTransaction)
                    throw Abort()
                }
            }
            #expect(!db.isInTransaction)
            #expect(try db.query("SELECT x FROM t") { try $0.int(at: 0) } == [1])
            // A failing statement inside also rolls back everything before it.
            try db.execute("CREATE TABLE u(x INTEGER UNIQUE)")
            #expect(throws: SQLiteError.self) {
                try db.transaction {
                    try db.run("INSERT INTO u VALUES (1)")
                    try db.run("INSERT INTO u VALUES (1)")
                }
            }
            #expect(try db.query("SELECT count(*) FROM u") { try $0.int(at: 0) } == [0])
            // Visible from a second connection only after commit.
            let other = try SQLite.Connection(path: dir + "/tx.db")
            #expect(try other.query("SELECT count(*) FROM t") { try $0.int(at: 0) } == [1])
        }
    }

    @Test func constraintViolationsCarryCodesMessageAndSQL() throws {
        try withTemporaryDirectory { dir in
            let db = try SQLite.Connection(path: dir + "/c.db")
            try db.execute("""
                CREATE TABLE parent(id INTEGER PRIMARY KEY);
                CREATE TABLE child(id INTEGER PRIMARY KEY, parent INTEGER NOT NULL REFERENCES parent(id), name TEXT UNIQUE);
                INSERT INTO parent VALUES (1);
                INSERT INTO child VALUES (1, 1, 'a');
                """)
            let unique = try #require(throws: SQLiteError.self) { try db.run("INSERT INTO child VALUES (2, 1, ?)", "a") }
            #expect(unique.kind == .constraint)
            #expect(unique.code == 19)
            #expect(unique.extendedCode == 2067)  // SQLITE_CONSTRAINT_UNIQUE
            #expect(unique.message == "UNIQUE constraint failed: child.name")
            #expect(unique.sql == "INSERT INTO child VALUES (2, 1, ?)")
            #expect(unique.description.hasPrefix("SQLite error 19/2067 (constraint failed): UNIQUE constraint failed: child.name in 'INSERT"))

            let foreign = try #require(throws: SQLiteError.self) { try db.run("INSERT INTO child VALUES (3, 99, 'b')") }
            #expect(foreign.extendedCode == 787)  // SQLITE_CONSTRAINT_FOREIGNKEY
            let notNull = try #require(throws: SQLiteError.self) { try db.run("INSERT INTO child(id, name) VALUES (4, 'c')") }
            #expect(notNull.extendedCode == 1299)  // SQLITE_CONSTRAINT_NOTNULL
            let primary = try #require(throws: SQLiteError.self) { try db.run("INSERT INTO parent VALUES (1)") }
            #expect(primary.extendedCode == 1555)  // SQLITE_CONSTRAINT_PRIMARYKEY
        }
    }

    @Test func syntaxErrorsAndMisuseAreReported() throws {
        try withTemporaryDirectory { dir in
            let db = try SQLite.Connection(path: dir + "/s.db")
            let syntax = try #require(throws: SQLiteError.self) { _ = try db.prepare("SELEKT 1") }
            #expect(syntax.code == 1)
            #expect(syntax.message.contains("syntax error"))
            let two = try #require(throws: SQLiteError.self) { _ = try db.prepare("SELECT 1; SELECT 2") }
            #expect(two.kind == .misuse)
            #expect(try db.prepare("SELECT 1; -- trailing comment").step())
            let count = try #require(throws: SQLiteError.self) { try db.run("SELECT ?, ?", 1) }
            #expect(count.kind == .misuse)
            try db.close()
            let closed = try #require(throws: SQLiteError.self) { try db.execute("SELECT 1") }
            #expect(closed.description.contains("the connection is closed"))
        }
    }

    @Test func statementCacheReusesAndResets() throws {
        try withTemporaryDirectory { dir in
            let db = try SQLite.Connection(path: dir + "/cache.db", options: .init(statementCacheCapacity: 2))
            let first = try db.cached("SELECT ?")
            try first.bind(7, at: 1)
            let again = try db.cached("SELECT ?")
            #expect(first === again)
            // Bindings were cleared on reuse.
            #expect(try again.step())
            #expect(again.isNull(at: 0))
            _ = try db.cached("SELECT 2")
            _ = try db.cached("SELECT 3")
            #expect(try db.cached("SELECT ?") !== first)  // evicted, capacity 2
        }
    }

    @Test func changesAndTotalChanges() throws {
        try withTemporaryDirectory { dir in
            let db = try SQLite.Connection(path: dir + "/ch.db")
            try db.execute("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3);")
            #expect(try db.run("UPDATE t SET x = x + 1 WHERE x >= 2") == 2)
            #expect(db.changes == 2)
            #expect(db.totalChanges == 5)
        }
    }

    @Test func migrationsApplyOnceAndAreIdempotentOnReopen() throws {
        let migrations = [
            "CREATE TABLE spends(id INTEGER PRIMARY KEY, amount INTEGER NOT NULL);",
            "ALTER TABLE spends ADD COLUMN account TEXT; CREATE INDEX spends_account ON spends(account);",
        ]
        try withTemporaryDirectory { dir in
            let path = dir + "/m.db"
            do {
                let db = try SQLite.Connection(path: path)
                #expect(try db.userVersion() == 0)
                #expect(try db.migrate(migrations) == 2)
                #expect(try db.userVersion() == 2)
                #expect(try db.migrate(migrations) == 0)
            }
            let reopened = try SQLite.Connection(path: path)
            #expect(try reopened.migrate(migrations) == 0)
            #expect(try reopened.migrate(migrations + ["CREATE TABLE audit(x);"]) == 1)
            #expect(try reopened.userVersion() == 3)
            let tooNew = try #require(throws: SQLiteError.self) { try reopened.migrate(migrations) }
            #expect(tooNew.kind == .schemaTooNew)
            #expect(tooNew.description.contains("schema version 3, but this program knows only 2"))
        }
    }

    /// A keeper opening its database while another process (an operator's reader, a restarted
    /// keeper) opens it too: every connection migrates, none fails on "table already exists".
    @Test func connectionsMigratingOneFileAtOnceAllSucceed() throws {
        let migrations = ["CREATE TABLE a(x);", "CREATE TABLE b(x);", "CREATE INDEX b_x ON b(x);"]
        try withTemporaryDirectory { dir in
            for round in 0..<10 {
                let path = dir + "/race-\(round).db"
                let results = Mutex<(applied: Int, failures: [String])>((0, []))
                let finished = DispatchSemaphore(value: 0)
                // Threads of their own, started together: the interleaving the race needs.
                let threads = (0..<6).map { _ in
                    Thread {
                        defer { finished.signal() }
                        do {
                            let count = try SQLite.Connection(path: path).migrate(migrations)
                            results.withLock { $0.applied += count }
                        } catch {
                            results.withLock { $0.failures.append("\(error)") }
                        }
                    }
                }
                threads.forEach { $0.start() }
                for _ in threads { finished.wait() }
                let outcome = results.withLock { $0 }
                #expect(outcome.failures.isEmpty, "\(outcome.failures)")
                #expect(outcome.applied == migrations.count)
                let version = try SQLite.Connection(path: path).userVersion()
                #expect(version == migrations.count)
            }
        }
    }

    @Test func failedMigrationLeavesTheDatabaseAtTheLastWholeVersion() throws {
        try withTemporaryDirectory { dir in
            let db = try SQLite.Connection(path: dir + "/fm.db")
            let error = try #require(throws: SQLiteError.self) {
                try db.migrate(["CREATE TABLE a(x);", "CREATE TABLE b(x); CREATE TABLE a(y);"])
            }
            #expect(error.description.contains("migration 2 failed, database left at version 1"))
            #expect(try db.userVersion() == 1)
            #expect(try db.query("SELECT name FROM sqlite_master WHERE name = 'b'") { try $0.string(at: 0) }.isEmpty)
        }
    }

    @Test func aCorruptFileFailsClearlyOnOpen() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/corrupt.db"
            var generator = SystemRandomNumberGenerator()
            let garbage = (0..<8192).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try Data(garbage).write(to: URL(fileURLWithPath: path))
            let error = try #require(throws: SQLiteError.self) { _ = try SQLite.Connection(path: path) }
            #expect(error.kind == .notADatabase)
            #expect(error.code == 26)
            #expect(error.description.contains("'\(path)' is not a valid SQLite database"))
            let readOnly = try #require(throws: SQLiteError.self) { _ = try SQLite.Connection(path: path, mode: .readOnly) }
            #expect(readOnly.kind == .notADatabase)
        }
    }

    @Test func readOnlyOpenOfAMissingFileFails() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/missing.db"
            let error = try #require(throws: SQLiteError.self) { _ = try SQLite.Connection(path: path, mode: .readOnly) }
            #expect(error.kind == .cantOpen)
            #expect(error.code == 14)
            #expect(error.description.contains("check that '\(path)'"))
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(throws: SQLiteError.self) { _ = try SQLite.Connection(path: path, mode: .readWrite) }
        }
    }

    @Test func readOnlyConnectionCannotWrite() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/ro.db"
            let writer = try SQLite.Connection(path: path)
            try writer.execute("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            let reader = try SQLite.Connection(path: path, mode: .readOnly)
            #expect(try reader.query("SELECT x FROM t") { try $0.int(at: 0) } == [1])
            let error = try #require(throws: SQLiteError.self) { try reader.run("INSERT INTO t VALUES (2)") }
            #expect(error.kind == .readOnly)
        }
    }

    @Test func aSecondWriterGetsBusyAfterTheTimeout() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/busy.db"
            let first = try SQLite.Connection(path: path)
            try first.execute("CREATE TABLE t(x)")
            let second = try SQLite.Connection(path: path, options: .init(busyTimeout: .milliseconds(20)))
            try first.transaction {
                try first.run("INSERT INTO t VALUES (1)")
                let error = try #require(throws: SQLiteError.self) {
                    try second.transaction { try second.run("INSERT INTO t VALUES (2)") }
                }
                #expect(error.kind == .busy)
            }
        }
    }
}
