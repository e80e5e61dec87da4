public import Foundation

/// Runs a child process to completion without holding a thread of Swift's cooperative pool.
///
/// Why: the pool has as many threads as cores (two on the CI machine), and a synchronous test
/// that waits for a child (`signer policy approve` decrypts a keystore; the devnet takes seconds
/// to start) holds one of them for as long as the child runs. Two such tests at once stall every
/// other test in the process, and tests with deadlines of their own (an HTTP server started in a
/// `Task`, a poll for a socket) then fail for want of a thread. Here the child is started, read
/// and reaped on threads of its own; the calling task is suspended, not blocked.
public enum ChildProcess {
    /// What a finished child left behind.
    public struct Output: Sendable {
        /// The exit status, or the signal number when it was killed (see `reason`).
        public var status: Int32
        public var reason: Process.TerminationReason
        public var stdout: String
        public var stderr: String
    }

    /// Runs `executable` with `arguments` and waits for it to exit.
    ///
    /// - Parameters:
    ///   - environment: the child's environment; the test process's own when nil.
    ///   - standardInput: bytes for its standard input; /dev/null when nil.
    ///   - currentDirectory: its working directory; the test process's when nil.
    /// - Throws: the error `Process.run()` gives when the child cannot be started.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        standardInput: Data? = nil, currentDirectory: URL? = nil
    ) async throws -> Output {
        try await onOwnThread {
            try runBlocking(executable, arguments, environment: environment, standardInput: standardInput,
                            currentDirectory: currentDirectory)
        }
    }

    /// The blocking form, for code already on a thread of its own. Both pipes are drained
    /// concurrently, so a child that fills one while we read the other cannot deadlock.
    public static func runBlocking(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        standardInput: Data? = nil, currentDirectory: URL? = nil
    ) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = standardInput.map { _ in Pipe() }
        process.standardInput = input ?? FileHandle.nullDevice
        try process.run()
        if let input, let standardInput {
            try? input.fileHandleForWriting.write(contentsOf: standardInput)
            try? input.fileHandleForWriting.close()
        }
        let stderrData = Drain(err.fileHandleForReading)
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, reason: process.terminationReason,
            stdout: String(decoding: stdoutData, as: UTF8.self), stderr: String(decoding: stderrData.wait(), as: UTF8.self))
    }
}

/// Reads a file handle to its end on a thread of its own.
private final class Drain: @unchecked Sendable {
    // Written once by the reading thread before `done` is signalled; read only after.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
        thread.name = "test-child-drain"
        thread.start()
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
