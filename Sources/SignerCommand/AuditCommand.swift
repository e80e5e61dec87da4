import ArgumentParser
import EVM
import Foundation
import Signer

/// `signer audit verify|tail`: read the audit log in the signer's database.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify or show the signer's hash-chained audit log.",
        subcommands: [Verify.self, Tail.self]
    )

    /// `signer audit verify --db PATH`.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every row of the audit log against the hash chain and the anchor.",
            discussion: """
                Exit status 0 when the log is intact, 1 when a row was edited, inserted or deleted \
                (the first bad row is named) or the database cannot be read. Rows removed from the \
                end are found through the anchor; to detect a log rewritten as a whole, compare the \
                'audit anchor' lines in the signer's journal (sequence and hash) with the rows here.
                """
        )

        @Option(name: .long, help: "The signer's database file.")
        var db: String

        func run() throws {
            let result = try AuditLog.Reader(path: db).verify()
            guard let problem = result.problem else {
                print(result.description)
                return
            }
            print("audit log is NOT intact: first bad row \(problem.sequence) (\(problem.kind.rawValue)): \(problem.message)")
            print("\(result.rowCount) rows read; investigate, and restore the database from a backup before the signer runs on it again")
            throw ExitCode.failure
        }
    }

    /// `signer audit tail --db PATH [-n 20] [--follow]`.
    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the last rows of the audit log, one per line.",
            discussion: "Columns: sequence, time (UTC), peer uid/pid, method, decision, rule, transaction hash."
        )

        @Option(name: .long, help: "The signer's database file.")
        var db: String

        @Option(name: .short, help: "How many rows to show.")
        var n: Int = 20

        @Flag(name: .long, help: "Keep showing rows as they are written (Ctrl-C stops).")
        var follow = false

        func validate() throws {
            guard n >= 0 else { throw ValidationError("-n must be 0 or more") }
        }

        func run() async throws {
            let reader = try AuditLog.Reader(path: db)
            var last: Int64 = 0
            for record in try reader.last(n) {
                writeLine(Self.line(record))
                last = record.sequence
            }
            if last == 0 { last = try reader.last(1).first?.sequence ?? 0 }
            while follow {
                let records = try reader.records(after: last)
                for record in records {
                    writeLine(Self.line(record))
                    last = record.sequence
                }
                if records.isEmpty { try await Task.sleep(for: .milliseconds(250)) }
            }
        }

        static func line(_ record: AuditRecord) -> String {
            let entry = record.entry
            let time = entry.request.time.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
            return [
                String(record.sequence), time, "uid=\(entry.request.peerUID)", "pid=\(entry.request.peerPID)",
                entry.request.method, entry.decision.rawValue, entry.rule ?? "-",
                entry.transactionHash.map { Hex.encode($0) } ?? "-",
            ].joined(separator: "  ")
        }
    }
}

/// Writes a line to standard output unbuffered, so a pipe (`| grep`) sees each row as it comes.
private func writeLine(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

extension SignerStoreError: CommandFailure {
    var exitStatus: Int32 { 1 }
    var commandMessage: String { description }
}
