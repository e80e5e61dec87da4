public import Foundation
import Glibc

/// A long-running child process of a test (`keeper run`, `signer serve`): started with its output
/// in a log file, signalled, waited for with a deadline, and killed when the test is done, even
/// when the test fails first (`deinit`).
public final class ManagedProcess: @unchecked Sendable {
    public let name: String
    /// Where its standard output and standard error go.
    public let logFile: URL
    private let process: Process

    /// Starts `executable` with `arguments`; `environment` is added to the test's own.
    public init(name: String, executable: String, arguments: [String], environment: [String: String] = [:], logFile: URL) throws {
        self.name = name
        self.logFile = logFile
        if !FileManager.default.fileExists(atPath: logFile.path) {
            _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: logFile)
        handle.seekToEndOfFile()  // a restarted process appends to its predecessor's log
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? handle.close()
        self.process = process
    }

    deinit { kill() }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Everything it wrote so far.
    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Sends `signal` (SIGTERM, SIGHUP, SIGKILL, ...).
    public func send(_ signal: Int32) {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, signal)
    }

    /// How it ended: the exit status, or the signal that killed it.
    public enum Exit: Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        public var description: String {
            switch self {
            case .exited(let status): "exit status \(status)"
            case .signalled(let signal): "killed by signal \(signal)"
            }
        }
    }

    /// Waits (without blocking a thread) until it has exited; throws after `within`.
    public func waitForExit(within: Duration) async throws -> Exit {
        let process = self.process
        try await Poll.until("\(name) to exit; its log ends: \(log.suffix(1500))", within: within) { !process.isRunning }
        return exit
    }

    /// How it ended (once it has).
    private var exit: Exit {
        process.terminationReason == .uncaughtSignal ? .signalled(process.terminationStatus) : .exited(process.terminationStatus)
    }

    /// Waits until its log has a line containing every one of `fragments`, and returns that line.
    @discardableResult
    public func waitForLogLine(_ fragments: String..., within: Duration) async throws -> String {
        try await Poll.until("a line of \(name)'s log with \(fragments); it ends: \(log.suffix(1500))", within: within) {
            logLines.first { line in fragments.allSatisfy { line.contains($0) } }
        }
    }

    /// Like ``waitForLogLine(_:within:)``, but throws as soon as it exits without that line (it
    /// was expected to log it and live on: killed by a signal it should have handled, say).
    @discardableResult
    public func waitForLogLineWhileRunning(_ fragments: String..., within: Duration) async throws -> String {
        let process = self.process
        return try await Poll.until("a line of \(name)'s log with \(fragments); it ends: \(log.suffix(1500))", within: within) {
            let running = process.isRunning  // before reading the log, which then has all it wrote if it has exited
            if let line = logLines.first(where: { line in fragments.allSatisfy { line.contains($0) } }) { return line }
            guard running else {
                throw HarnessError(message: "\(name) ended (\(exit)) without a log line with \(fragments); its log ends: \(log.suffix(1500))")
            }
            return nil
        }
    }

    /// Its log's lines.
    public var logLines: [String] { log.split(separator: "\n").map(String.init) }

    /// SIGKILL and reap, if it still runs. Polls for at most five seconds: a killed process is
    /// gone at once, and a test's clean-up must not hang.
    public func kill() {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning, ContinuousClock.now < deadline {
            usleep(10_000)  // pause inside a poll-until-deadline loop
        }
    }
}
