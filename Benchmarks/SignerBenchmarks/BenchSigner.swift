import BenchmarkKit
import Foundation
import SignerWire
#if canImport(Glibc)
import Glibc
#endif

/// The real release `signer serve` in a private temporary directory: keys.example's keeper key,
/// a policy approved with keys.example's operator key (as Tests/SignerTests/SignerServeTests and
/// scripts/demo do it), budgets far above what the benchmark spends, and signer.toml.
final class BenchSigner {
    static let keeper = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    static let markets = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    static let operatorAddress = "0x2Ede0C3A717ce4b92df2484f3ea6a00dDbD95785"

    let executable: String
    let directory: URL
    let process = Process()
    var socketPath: String { directory.appendingPathComponent("signer.sock").path }
    var databasePath: String { directory.appendingPathComponent("signer.db").path }

    /// Prepares the directory and approves the policy; `start()` runs the signer.
    init(executable: String, repositoryRoot: URL) throws {
        self.executable = executable
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("signer-bench-\(UUID().uuidString.prefix(8))")
        let keys = directory.appendingPathComponent("keys")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
        for (name, target) in [("keeper.json", keys), ("keeper.password", keys), ("operator.json", directory), ("operator.password", directory)] {
            let destination = target.appendingPathComponent(name)
            try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("keys.example/\(name)"), to: destination)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: destination.path)
        }
        // Budgets as a production policy has them (a minute and a day, count, fee and value),
        // set far above what a run spends so that none refuses: every request is checked
        // against them and every signature is a spend in the ledger.
        try """
            schema = 1
            chain_id = 31337
            accounts = ["\(Self.keeper)"]

            [limits]
            tx_types = [2]
            max_gas = 1_000_000
            max_value = "0"
            max_fee_per_gas = "200 gwei"
            max_priority_fee_per_gas = "5 gwei"

            [[budget]]
            window = "1m"
            max_count = 100_000_000
            max_fee = "100000000 ether"

            [[budget]]
            window = "24h"
            max_count = 1_000_000_000
            max_fee = "1000000000 ether"
            max_value = "1 ether"

            [[contract]]
            name = "Markets"
            address = "\(Self.markets)"

            [[contract.function]]
            signature = "function resolve(uint256 marketId, bool outcome)"
            """.write(to: directory.appendingPathComponent("policy.toml"), atomically: true, encoding: .utf8)
        try """
            [socket]
            path = "signer.sock"
            [keys]
            dir = "keys"
            [policy]
            file = "policy.toml"
            [approval]
            operators = ["\(Self.operatorAddress)"]
            threshold = 1
            [database]
            path = "signer.db"
            """.write(to: directory.appendingPathComponent("signer.toml"), atomically: true, encoding: .utf8)
        let config = directory.appendingPathComponent("signer.toml").path
        let approve = try Self.run(executable, [
            "policy", "approve", directory.appendingPathComponent("policy.toml").path,
            "--keystore", directory.appendingPathComponent("operator.json").path,
            "--password-file", directory.appendingPathComponent("operator.password").path, "--config", config,
        ])
        guard approve.status == 0 else { throw BenchError("signer policy approve failed: \(approve.output)") }
    }

    /// Starts `signer serve` and waits (at most 30 s) for its socket.
    func start() throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve", "--config", directory.appendingPathComponent("signer.toml").path]
        process.standardError = try FileHandle(forWritingTo: makeFile("signer.log"))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, process.isRunning {
            if case .success(let fd) = UnixSocket.connect(path: socketPath, timeoutMilliseconds: 1000) {
                close(fd)
                return
            }
            usleep(20_000)  // pause inside a poll-until-deadline loop
        }
        throw BenchError("the signer did not start within 30 s; see \(directory.path)/signer.log")
    }

    /// SIGTERM, and waits (at most 30 s) for a clean exit.
    func stop() -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning, ContinuousClock.now < deadline { usleep(10_000) }  // bounded wait for the exit
        return process.isRunning ? nil : process.terminationStatus
    }

    /// The signer's resident memory (VmRSS, VmHWM) in KiB, from /proc.
    var memory: (rss: Int, hwm: Int)? { ProcStatus.memory(pid: process.processIdentifier) }

    private func makeFile(_ name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        return url
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
