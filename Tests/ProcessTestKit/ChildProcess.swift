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
        /// True when the child outlived its time limit and was killed (status SIGKILL).
        public var timedOut: Bool
    }

    /// How long a child may run unless the caller says otherwise: far above what any command in
    /// the suite needs, so that only a hung child reaches it.
    public static let defaultTimeLimit: Duration = .seconds(180)

    /// Runs `executable` with `arguments` and waits for it to exit.
    ///
    /// - Parameters:
    ///   - environment: the child's environment; the test process's own when nil.
    ///   - standardInput: bytes for its standard input; /dev/null when nil.
    ///   - currentDirectory: its working directory; the test process's when nil.
    ///   - timeLimit: after this the child is killed (SIGKILL) and `timedOut` is set, so that a
    ///     hung child fails its test instead of hanging the whole suite.
    /// - Throws: the error `Process.run()` gives when the child cannot be started.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        standardInput: Data? = nil, currentDirectory: URL? = nil, timeLimit: Duration = defaultTimeLimit
    ) async throws -> Output {
        try await onOwnThread {
            try runBlocking(executable, arguments, environment: environment, standardInput: standardInput,
                            currentDirectory: currentDirectory, timeLimit: timeLimit)
        }
    }

    /// The blocking form, for code already on a thread of its own. Both pipes are drained
    /// concurrently, so a child that fills one while we read the other cannot deadlock.
    public static func runBlocking(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        standardInput: Data? = nil, currentDirectory: URL? = nil, timeLimit: Duration = defaultTimeLimit
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
        let watchdog = Watchdog(process, after: timeLimit)
        if let input, let standardInput {
            try? input.fileHandleForWriting.write(contentsOf: standardInput)
            try? input.fileHandleForWriting.close()
        }
        let stderrData = Drain(err.fileHandleForReading)
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, reason: process.terminationReason,
            stdout: String(decoding: stdoutData, as: UTF8.self), stderr: String(decoding: stderrData.wait(), as: UTF8.self),
            timedOut: watchdog.disarm())
    }
}

/// Kills a child that outlives its time limit (a test's bounded wait for it).
private final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    // Guarded by `lock`.
    private var armed = true
    private var fired = false

    init(_ process: Process, after limit: Duration) {
        let pid = process.processIdentifier
        let seconds = Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
            lock.lock()
            defer { lock.unlock() }
            // Still armed means not yet reaped, so the pid is still this child's.
            guard armed else { return }
            fired = true
            kill(pid, SIGKILL)
        }
    }

    /// Stops the watchdog once the child has exited; true when it had killed the child.
    func disarm() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        armed = false
        return fired
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
