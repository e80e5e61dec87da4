import Foundation

/// Runs blocking `body` on a thread of its own and suspends the calling task until it ends, so
/// a test that must block (wait for a child, poll a socket, read with a deadline) holds no
/// thread of the cooperative pool. On a 2-core machine the pool has two threads; two tests
/// blocking them would stall every other test, including the tasks they are waiting for.
///
/// Keep `#expect` out of `body` (it runs outside the test's task): return what to check.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.name = "test-blocking-work"
        thread.start()
    }
}
