import Dispatch
import EVM
import Foundation
import Signer
import SignerWire
import Synchronization
import Testing

/// Round trips per second over the real socket, printed for the report (timing is not
/// asserted: it depends on the machine and the build configuration). Run alone, so that other
/// tests do not share the cores: `SIGNER_THROUGHPUT=1 swift test -c release --filter ThroughputTests`.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["SIGNER_THROUGHPUT"] != nil))
struct ThroughputTests {
    /// Raw blocking sockets, one outstanding request per connection, for a fixed time.
    static func measureRaw(
        path: String, connections: Int, line: String, duration: Duration
    ) throws -> (perSecond: Double, errors: Int, p50: Duration, p99: Duration) {
        let latencies = Mutex<[Duration]>([])
        let total = Atomic<Int>(0)
        let errors = Atomic<Int>(0)
        let clients = try (0..<connections).map { _ in try RawConnection(path: path) }
        let box = UncheckedBox(clients)
        let started = ContinuousClock.now
        DispatchQueue.concurrentPerform(iterations: connections) { i in
            let connection = box.value[i]
            let deadline = started + duration
            var count = 0
            var mine: [Duration] = []
            mine.reserveCapacity(100_000)
            while ContinuousClock.now < deadline {
                let sent = ContinuousClock.now
                connection.send(line)
                guard let answer = connection.readLine(timeout: .seconds(5)), answer.contains("\"result\"") else {
                    errors.add(1, ordering: .relaxed)
                    break
                }
                mine.append(ContinuousClock.now - sent)
                count += 1
            }
            total.add(count, ordering: .relaxed)
            latencies.withLock { $0 += mine }
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let sorted = latencies.withLock { $0.sorted() }
        let p50 = sorted.isEmpty ? .zero : sorted[sorted.count / 2]
        let p99 = sorted.isEmpty ? .zero : sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
        return (Double(total.load(ordering: .relaxed)) / seconds, errors.load(ordering: .relaxed), p50, p99)
    }

    @Test func roundTripsPerSecond() async throws {
        let dir = try TemporaryDirectory()
        let server = try TestServer(configuration: .init(socketPath: dir.socketPath))
        defer { server.stop() }
        let sign = Lines.sign(id: 1, nonce: 3)
        for (name, line) in [("signer_version", Lines.version(id: 1)), ("account_signTransaction (fake signer)", sign)] {
            for connections in [1, 4] {
                let (rate, errors, p50, p99) = try Self.measureRaw(path: dir.socketPath, connections: connections, line: line, duration: .milliseconds(700))
                print("throughput raw socket \(name) over \(connections) connection(s): \(Int(rate)) round trips/s, latency p50 \(p50), p99 \(p99)")
                #expect(errors == 0)
            }
        }
        // Through SignerClient (dispatch queue + continuation per call): 1 and 4 clients.
        for clients in [1, 4] {
            let pool = (0..<clients).map { _ in SignerClient(socketPath: dir.socketPath, logger: LogCapture().logger()) }
            let started = ContinuousClock.now
            let deadline = started + .milliseconds(700)
            let count = try await withThrowingTaskGroup(of: Int.self) { group in
                for client in pool {
                    group.addTask {
                        var n = 0
                        while ContinuousClock.now < deadline {
                            _ = try await client.version()
                            n += 1
                        }
                        return n
                    }
                }
                return try await group.reduce(0, +)
            }
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print("throughput SignerClient signer_version over \(clients) connection(s): \(Int(Double(count) / seconds)) round trips/s")
        }
    }
}

/// Hands non-Sendable test fixtures to `concurrentPerform`, where each index is used by one
/// thread only.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
