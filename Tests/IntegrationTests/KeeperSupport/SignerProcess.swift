import DevnetTestKit
import Foundation
import ProcessTestKit

/// The real signing service for a test: `signer serve` with `keys.example/`'s keeper key and a
/// policy from `policies/`, approved with the example operator key, in a private directory.
final class SignerProcess: @unchecked Sendable {
    let directory: URL
    let process: ManagedProcess
    let executable: String

    /// The Unix socket the keeper's `[signer] socket` names.
    var socketPath: String { directory.appendingPathComponent("signer.sock").path }
    var databasePath: String { directory.appendingPathComponent("signer.db").path }

    /// Prepares `directory` (created, mode 0700), approves `policy` (a file under `policies/`,
    /// changed by `edit`) and starts `signer serve`; returns once its socket exists.
    static func start(in directory: URL, policy: String, edit: (String) -> String = { $0 }) async throws -> SignerProcess {
        let executable = try BuiltExecutable.path("signer")
        let policyText = try String(contentsOf: Devnet.repositoryRoot.appendingPathComponent("policies/\(policy)"), encoding: .utf8)
        try SignerDirectory.prepare(directory, repositoryRoot: Devnet.repositoryRoot, policy: edit(policyText))
        let config = directory.appendingPathComponent("signer.toml")
        // Approving decrypts the operator's keystore (scrypt): run it on a thread of its own.
        let approval = try await onOwnThread { try SignerDirectory.approve(directory, signer: executable) }
        guard approval.status == 0 else {
            throw HarnessError(message: "signer policy approve exited \(approval.status): \(approval.output)")
        }
        let process = try ManagedProcess(
            name: "signer serve", executable: executable, arguments: ["serve", "--config", config.path],
            logFile: directory.appendingPathComponent("signer.log"))
        let signer = SignerProcess(directory: directory, process: process, executable: executable)
        let socket = signer.socketPath
        try await Poll.until("the signer's socket; its log: \(process.log.suffix(1500))", within: .seconds(30)) {
            guard process.isRunning else { throw HarnessError(message: "signer serve exited: \(process.log.suffix(1500))") }
            return FileManager.default.fileExists(atPath: socket)
        }
        return signer
    }

    private init(directory: URL, process: ManagedProcess, executable: String) {
        self.directory = directory
        self.process = process
        self.executable = executable
    }

    /// The signing requests it allowed, from its audit log (`signer audit tail`): the hashes of
    /// the transactions it signed, in order.
    func signedTransactionHashes() async throws -> [String] {
        try await auditRows(decision: "allowed").map { $0[$0.count - 1] }
    }

    /// The rules it named when it refused a signing request, in order.
    func refusalRules() async throws -> [String] {
        try await auditRows(decision: "refused").map { $0[6] }
    }

    /// The audit log's `account_signTransaction` rows with `decision`, as columns.
    private func auditRows(decision: String) async throws -> [[String]] {
        let executable = self.executable
        let database = databasePath
        let tail = try await onOwnThread { try Self.run(executable, ["audit", "tail", "--db", database, "-n", "1000"]) }
        guard tail.status == 0 else { throw HarnessError(message: "signer audit tail exited \(tail.status): \(tail.output)") }
        // Columns, two spaces apart (a rule may hold single spaces): sequence, time, uid, pid,
        // method, decision, rule, transaction hash.
        return tail.output.split(separator: "\n").compactMap { line in
            let columns = line.components(separatedBy: "  ")
            guard columns.count >= 8, columns[4] == "account_signTransaction", columns[5] == decision else { return nil }
            return columns
        }
    }

    /// Runs the signer's CLI to completion (blocking: call it off the cooperative pool).
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try SignerDirectory.run(executable, arguments)
    }
}
