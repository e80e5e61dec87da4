import Foundation
import SQLite
import Testing

/// Measures commit throughput for the signer's group-commit decision. Prints the figures and
/// asserts only that every row arrived: timing depends on the machine and its other load.
@Suite struct CommitThroughputTests {
    @Test(arguments: [SQLite.Connection.Synchronous.full, .normal])
    func singleRowAndBatchedCommits(_ synchronous: SQLite.Connection.Synchronous) throws {
        try withTemporaryDirectory { dir in
            let db = try SQLite.Connection(path: dir + "/bench.db", options: .init(synchronous: synchronous))
            try db.execute("CREATE TABLE spends(id INTEGER PRIMARY KEY, account BLOB NOT NULL, amount INTEGER NOT NULL)")
            let account = [UInt8](repeating: 0xAB, count: 20)
            let clock = ContinuousClock()

            let singles = 500
            let singleTime = try clock.measure {
                for i in 0..<singles {
                    try db.transaction { try db.run("INSERT INTO spends(account, amount) VALUES (?, ?)", account, i) }
                }
            }
            let batches = 200
            let batchSize = 64
            let batchTime = try clock.measure {
                for b in 0..<batches {
                    try db.transaction {
                        for i in 0..<batchSize {
                            try db.run("INSERT INTO spends(account, amount) VALUES (?, ?)", account, b * batchSize + i)
                        }
                    }
                }
            }
            let total = try db.query("SELECT count(*) FROM spends") { try $0.int(at: 0) }
            #expect(total == [singles + batches * batchSize])

            func perSecond(_ count: Int, _ duration: Duration) -> Int {
                let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
                return Int(Double(count) / seconds)
            }
            print("""
                SQLite commit throughput (synchronous=\(synchronous.rawValue), WAL): \
                \(perSecond(singles, singleTime)) single-row transactions/s; \
                \(perSecond(batches * batchSize, batchTime)) rows/s in transactions of \(batchSize) \
                (\(perSecond(batches, batchTime)) commits/s)
                """)
        }
    }
}
