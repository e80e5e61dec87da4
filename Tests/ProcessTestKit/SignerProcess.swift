public import Foundation
import Synchronization

/// The real signing service for a test: `signer serve` in a private directory with the keeper
/// key of `keys.example/`, a policy approved with the example operator key, and a signer.toml.
/// The signer's own process tests (SignerTests) and the keeper's (IntegrationTests) both use it.
///
/// The files are written by ``init(in:policy:socket:database:)``; ``approve()`` approves the
/// policy as it is on disk; ``start(environment:shellPrefix:waitForSocket:)`` starts
/// `signer serve` (again after a kill: a restart on the same state), logging to `signer.log`.
public final class SignerProcess: Sendable {
    /// The example keeper account (keys.example/keeper.json).
    public static let keeperAddress = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    /// The example operator (keys.example/operator.json).
    public static let operatorAddress = SignerDirectory.operatorAddress

    public let directory: URL
    public let executable: String
    private let current = Mutex<ManagedProcess?>(nil)

    /// The Unix socket the signer listens on (what the keeper's `[signer] socket` names).
    public var socketPath: String { directory.appendingPathComponent("signer.sock").path }
    public var databasePath: String { directory.appendingPathComponent("signer.db").path }
    public var configPath: String { directory.appendingPathComponent("signer.toml").path }
    public var policyPath: String { directory.appendingPathComponent("policy.toml").path }
    public var logFile: URL { directory.appendingPathComponent("signer.log") }

    /// The `signer serve` started last; nil before the first start.
    public var process: ManagedProcess? { current.withLock { $0 } }

    /// Writes the files into `directory` (created, mode 0700): `keys/` with the example keeper key
    /// and its password, the operator's keystore, `policy.toml` holding `policy`, and signer.toml
    /// with `socket` and `database` added to its `[socket]` and `[database]` sections.
    public init(in directory: URL, policy: String, socket: String = "", database: String = "") throws {
        self.directory = directory
        executable = try BuiltExecutable.path("signer")
        try SignerDirectory.prepare(directory, repositoryRoot: BuiltExecutable.repositoryRoot, policy: policy, socket: socket, database: database)
    }

    deinit {
        current.withLock { $0?.kill() }
    }

    /// A policy file of the repository (`policies/NAME`), as text.
    public static func repositoryPolicy(_ name: String) throws -> String {
        try String(contentsOf: BuiltExecutable.repositoryRoot.appendingPathComponent("policies/\(name)"), encoding: .utf8)
    }

    /// Prepares `directory` with `policy` (a file under `policies/`, changed by `edit`), approves
    /// it and starts `signer serve`; returns once its socket exists.
    public static func start(in directory: URL, policy: String, edit: (String) -> String = { $0 }) async throws -> SignerProcess {
        let signer = try SignerProcess(in: directory, policy: edit(try repositoryPolicy(policy)))
        try await signer.approve()
        try await signer.start()
        return signer
    }

    /// `signer policy approve` with the example operator's keystore, for the policy file's current
    /// bytes (its scrypt runs on a thread of its own).
    public func approve() async throws {
        let (directory, executable) = (self.directory, self.executable)
        // Decrypting the operator's keystore (scrypt) takes a moment: on a thread of its own.
        let approval = try await onOwnThread { try SignerDirectory.approve(directory, signer: executable) }
        guard approval.status == 0 else {
            throw HarnessError(message: "signer policy approve exited \(approval.status): \(approval.output)")
        }
    }

    /// Starts `signer serve --config signer.toml` with `environment` added to the test's own.
    ///
    /// - Parameters:
    ///   - shellPrefix: a `/bin/sh` command run first in the same process, which then `exec`s the
    ///     signer (`ulimit -S -n 128` to start it with a lower open-file limit).
    ///   - waitForSocket: return once the socket exists (throws if the signer exits first).
    @discardableResult
    public func start(environment: [String: String] = [:], shellPrefix: String? = nil, waitForSocket: Bool = true) async throws -> ManagedProcess {
        // A socket file left by a killed signer is there before the new one listens.
        let stale = FileManager.default.fileExists(atPath: socketPath)
        let arguments = ["serve", "--config", configPath]
        let process: ManagedProcess
        if let shellPrefix {
            // The paths travel as positional parameters, so nothing needs quoting.
            process = try ManagedProcess(
                name: "signer serve", executable: "/bin/sh", arguments: ["-c", "\(shellPrefix) && exec \"$0\" \"$@\"", executable] + arguments,
                environment: environment, logFile: logFile)
        } else {
            process = try ManagedProcess(name: "signer serve", executable: executable, arguments: arguments, environment: environment, logFile: logFile)
        }
        current.withLock { $0 = process }
        if waitForSocket { try await self.waitForSocket(process, replacingStale: stale) }
        return process
    }

    /// Waits until the socket file exists (when `replacingStale`, until it accepts a connection:
    /// the file of a killed signer exists all along); throws when `process` exits first, or
    /// after `within`.
    public func waitForSocket(_ process: ManagedProcess, replacingStale: Bool = false, within: Duration = .seconds(30)) async throws {
        let socket = socketPath
        try await Poll.until("the signer's socket; its log: \(process.log.suffix(1500))", within: within) {
            guard process.isRunning else { throw HarnessError(message: "signer serve exited: \(process.log.suffix(1500))") }
            return replacingStale ? UnixSocketAddress.accepts(socket) : FileManager.default.fileExists(atPath: socket)
        }
    }

    /// Runs `signer ARGUMENTS` to completion, off the cooperative pool.
    public func run(_ arguments: [String]) async throws -> ChildProcess.Output {
        try await ChildProcess.run(executable, arguments)
    }

    /// The signing requests it allowed, from its audit log (`signer audit tail`): the hashes of
    /// the transactions it signed, in order.
    public func signedTransactionHashes() async throws -> [String] {
        try await auditRows(decision: "allowed").compactMap(\.last)
    }

    /// The rules it named when it refused a signing request, in order.
    public func refusalRules() async throws -> [String] {
        try await auditRows(decision: "refused").map { $0[6] }
    }

    /// The audit log's `account_signTransaction` rows with `decision`, as columns.
    private func auditRows(decision: String) async throws -> [[String]] {
        let tail = try await run(["audit", "tail", "--db", databasePath, "-n", "1000"])
        guard tail.status == 0 else { throw HarnessError(message: "signer audit tail exited \(tail.status): \(tail.stdout)\(tail.stderr)") }
        // Columns, two spaces apart (a rule may hold single spaces): sequence, time, uid, pid,
        // method, decision, rule, transaction hash.
        return tail.stdout.split(separator: "\n").compactMap { line in
            let columns = line.components(separatedBy: "  ")
            guard columns.count >= 8, columns[4] == "account_signTransaction", columns[5] == decision else { return nil }
            return columns
        }
    }
}
