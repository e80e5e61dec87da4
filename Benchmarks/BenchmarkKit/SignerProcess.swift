public import Foundation
import ProcessTestKit
import SignerWire
#if canImport(Glibc)
import Glibc
#endif

/// The real release `signer serve` in a private temporary directory (``SignerDirectory``, as the
/// serve tests and the keeper's process tests prepare it) with a policy approved with
/// keys.example's operator key.
public final class SignerProcess {
    /// keys.example/keeper.json's account (the devnet's dev account #1).
    public static let keeper = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    public let executable: String
    public let directory: URL
    let process = Process()
    public var socketPath: String { directory.appendingPathComponent("signer.sock").path }
    public var databasePath: String { directory.appendingPathComponent("signer.db").path }

    /// Prepares the directory with `policy` (TOML text) and approves it; ``start()`` runs the signer.
    public init(executable: String, repositoryRoot: URL, policy: String) throws {
        self.executable = executable
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("signer-bench-\(UUID().uuidString.prefix(8))")
        try SignerDirectory.prepare(directory, repositoryRoot: repositoryRoot, policy: policy)
        let approve = try SignerDirectory.approve(directory, signer: executable)
        guard approve.status == 0 else { throw BenchError("signer policy approve failed: \(approve.output)") }
    }

    /// Starts `signer serve` and waits (at most 30 s) for its socket.
    public func start() throws {
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
    public func stop() -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning, ContinuousClock.now < deadline { usleep(10_000) }  // bounded wait for the exit
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Removes the directory (after ``stop()``).
    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The signer's resident memory (VmRSS, VmHWM) in KiB, from /proc.
    public var memory: (rss: Int, hwm: Int)? { ProcStatus.memory(pid: process.processIdentifier) }

    private func makeFile(_ name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        return url
    }

    @discardableResult
    public static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try SignerDirectory.run(executable, arguments)
    }
}
