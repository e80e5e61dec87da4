import Foundation
import Synchronization

/// Runs the HTTP server's async handlers on threads of their own.
///
/// Why not a `DispatchQueue`: on Linux a concurrent queue drains through libdispatch's global
/// worker pool, which adds threads only while fewer than one per core are runnable. When the
/// cooperative pool is busy with CPU-bound work (a tick deciding 10,000 positions), no thread is
/// added and a handler waits behind that work, so `/api/...` would time out exactly when the
/// keeper is busiest. A handful of dedicated threads, started on first use, avoid that; jobs
/// queue in FIFO order when all of them are busy.
final class HandlerExecutor: TaskExecutor, Sendable {
    /// Shared by every server in the process (tests start many).
    static let shared = HandlerExecutor(threads: 4)

    private struct State {
        var jobs: [UnownedJob] = []
        var head = 0
        var started = false
    }

    private let threadCount: Int
    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)

    init(threads: Int) {
        threadCount = max(1, threads)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let start = state.withLock { state -> Bool in
            state.jobs.append(job)
            defer { state.started = true }
            return !state.started
        }
        if start {
            for index in 0..<threadCount {
                let thread = Thread { [self] in work() }
                thread.name = "keeper-http-handler-\(index)"
                thread.start()
            }
        }
        available.signal()
    }

    /// One worker: takes the oldest job and runs it, forever (the executor lives as long as
    /// the process).
    private func work() {
        let executor = asUnownedTaskExecutor()
        while true {
            available.wait()
            let job = state.withLock { state -> UnownedJob? in
                guard state.head < state.jobs.count else { return nil }
                let job = state.jobs[state.head]
                state.head += 1
                // Compact now and then so the array does not grow without bound.
                if state.head > 64, state.head * 2 > state.jobs.count {
                    state.jobs.removeFirst(state.head)
                    state.head = 0
                }
                return job
            }
            job?.runSynchronously(on: executor)
        }
    }
}
