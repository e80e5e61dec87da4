#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One mutex with three condition variables, for the store's group commit: request threads wait on
/// ``Condition/durable`` for their batch to commit, the committer waits on ``Condition/work`` for
/// records to write, the checkpointer on ``Condition/checkpoint``. `Synchronization.Mutex` has no condition variables, hence pthreads.
///
/// Every method but `init` and `deinit` may be called from any thread; ``wait(_:)`` must be called
/// with the lock held, like `pthread_cond_wait`.
final class LedgerLock: @unchecked Sendable {
    /// The two things a thread can wait for.
    enum Condition: Int {
        /// Records are pending, or the store is closing (the committer waits for this).
        case work = 0
        /// A batch committed or failed, or the committer exited (request threads wait for this).
        case durable = 1
        /// A checkpoint is wanted, or the committer exited (the checkpointer waits for this).
        case checkpoint = 2
    }

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let conditions: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        conditions = .allocate(capacity: 3)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        for i in 0..<3 {
            (conditions + i).initialize(to: pthread_cond_t())
            pthread_cond_init(conditions + i, &attributes)
        }
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        for i in 0..<3 { pthread_cond_destroy(conditions + i) }
        pthread_mutex_destroy(mutex)
        conditions.deinitialize(count: 3)
        conditions.deallocate()
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }

    func unlock() { pthread_mutex_unlock(mutex) }

    /// Runs `body` with the lock held.
    func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Releases the lock, sleeps until `condition` is signalled (or spuriously), and retakes the
    /// lock. Call it in a loop that re-checks the state.
    func wait(_ condition: Condition) {
        pthread_cond_wait(conditions + condition.rawValue, mutex)
    }

    /// Like ``wait(_:)``, but returns after `timeout` at the latest.
    func wait(_ condition: Condition, timeout: Duration) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let (seconds, attoseconds) = timeout.components
        var nanoseconds = Int64(now.tv_nsec) + attoseconds / 1_000_000_000
        var deadline = timespec()
        deadline.tv_sec = now.tv_sec + Int(seconds) + Int(nanoseconds / 1_000_000_000)
        nanoseconds %= 1_000_000_000
        deadline.tv_nsec = Int(nanoseconds)
        pthread_cond_timedwait(conditions + condition.rawValue, mutex, &deadline)
    }

    /// Wakes one thread waiting for `condition`.
    func signal(_ condition: Condition) {
        pthread_cond_signal(conditions + condition.rawValue)
    }

    /// Wakes every thread waiting for `condition`.
    func broadcast(_ condition: Condition) {
        pthread_cond_broadcast(conditions + condition.rawValue)
    }
}
