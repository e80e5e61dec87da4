// The signer's benchmark (issue 3, item 10): signed, policy-checked, durably recorded
// `account_signTransaction` requests over the Unix socket of the real release `signer serve`.
//
//     swift build -c release --product signer && swift run -c release signer-bench
//
// A filter argument runs some: `signer-bench throughput`, `signer-bench "4 connection(s), pipelined"`,
// `signer-bench latency`. SIGNER_BENCH_SECONDS (default 2) sets the length of each of the three
// rounds, SIGNER_BENCH_DEPTH (16) the pipelining depth, SIGNER_BENCH_OPEN_COUNT (10,000) the
// number of open-loop requests.
import BenchmarkKit
import EVM
import Foundation
import SQLite
import SignerWire
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The repository root (this file is Benchmarks/SignerBenchmarks/main.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// CLOCK_MONOTONIC in nanoseconds: the open-loop schedule and its timestamps.
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Sleeps until the monotonic time `nanos`.
func sleep(untilNanos nanos: UInt64) {
    var ts = timespec(tv_sec: Int(nanos / 1_000_000_000), tv_nsec: Int(nanos % 1_000_000_000))
    while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil) == EINTR {}
}

func wanted(_ name: String) -> Bool { benchmarkFilter.map { name.contains($0) } ?? true }

/// What one client thread gathered.
struct ClientTally {
    var latencies: [Duration] = []
    var answered = 0
    var failures: [String] = []

    /// Records an answer and its latency; false (with the failure noted) when it is not a good
    /// signature. One answer in 500 is decoded and checked in full.
    mutating func record(_ answer: ArraySlice<UInt8>, nonce: UInt64, latency: Duration) -> Bool {
        latencies.append(latency)
        if let problem = ResponseCheck.problem(answer, nonce: nonce, full: answered % 500 == 0) {
            failures.append("nonce \(nonce): \(problem)")
            return false
        }
        answered += 1
        return true
    }
}

/// Runs `body` on one thread per connection until `duration` has passed (it gets the connection,
/// its index, the deadline and its tally), and adds up what they gathered: answers per second,
/// latencies, failures.
func runClients(
    path: String, connections: Int, duration: Duration,
    _ body: @escaping @Sendable (BenchConnection, Int, ContinuousClock.Instant, inout ClientTally) -> Void
) throws -> (rate: Double, latency: LatencySummary, failures: [String]) {
    let clients = UncheckedSendable(try (0..<connections).map { _ in try BenchConnection(path: path) })
    let total = Mutex(ClientTally())
    let started = ContinuousClock.now
    let deadline = started + duration
    onThreads(connections) { i in
        var tally = ClientTally()
        tally.latencies.reserveCapacity(262_144)
        body(clients.value[i], i, deadline, &tally)
        total.withLock {
            $0.latencies += tally.latencies
            $0.answered += tally.answered
            $0.failures += tally.failures
        }
    }
    let elapsed = (ContinuousClock.now - started).seconds
    return total.withLock { (Double($0.answered) / elapsed, LatencySummary($0.latencies), $0.failures) }
}

/// Closed loop, request/response: each connection sends one request and waits for its answer
/// before sending the next, like the keeper's client.
func closedLoop(path: String, connections: Int, duration: Duration, source: RequestSource) throws -> (rate: Double, latency: LatencySummary, failures: [String]) {
    try runClients(path: path, connections: connections, duration: duration) { connection, i, deadline, tally in
        while ContinuousClock.now < deadline {
            let (line, nonce) = source.next()
            let sent = ContinuousClock.now
            guard connection.send(line), let answer = connection.readLine() else {
                tally.failures.append("connection \(i): no answer to nonce \(nonce)")
                return
            }
            guard tally.record(answer, nonce: nonce, latency: ContinuousClock.now - sent) else { return }
        }
    }
}

/// Closed loop, pipelined: each connection keeps `depth` requests outstanding (it sends as many
/// new ones, in one write, as answers came back), so requests that arrive together are answered
/// after one wait for the group commit. Latency is from a request's send to its answer.
func pipelined(path: String, connections: Int, depth: Int, duration: Duration, source: RequestSource) throws -> (rate: Double, latency: LatencySummary, failures: [String]) {
    try runClients(path: path, connections: connections, duration: duration) { connection, i, deadline, tally in
        // Outstanding requests, oldest first: (nonce, sent).
        var inFlight: [(nonce: UInt64, sent: ContinuousClock.Instant)] = []
        var head = 0
        var batch: [UInt8] = []
        while true {
            if ContinuousClock.now < deadline {
                batch.removeAll(keepingCapacity: true)
                let now = ContinuousClock.now
                while inFlight.count - head < depth {
                    let (line, nonce) = source.next()
                    batch += line
                    inFlight.append((nonce, now))
                }
                if !batch.isEmpty, !connection.send(batch) {
                    tally.failures.append("connection \(i): send failed")
                    return
                }
            }
            guard head < inFlight.count else { return }
            // At least one answer; then whatever else has already arrived.
            var timeout: Duration = .seconds(10)
            while head < inFlight.count {
                guard let answer = connection.readLine(timeout: timeout) else {
                    if timeout == .zero { break }
                    tally.failures.append("connection \(i): no answer to nonce \(inFlight[head].nonce)")
                    return
                }
                let (nonce, sent) = inFlight[head]
                head += 1
                guard tally.record(answer, nonce: nonce, latency: ContinuousClock.now - sent) else { return }
                timeout = .zero
            }
            if head > 4096 {
                inFlight.removeFirst(head)
                head = 0
            }
        }
    }
}

/// Open loop on one connection: request `i` is due at `t0 + i / rate` and is sent then, whatever
/// the answers before it (requests pipeline when the signer is late); its latency is measured
/// from that scheduled time to its answer, so a stall counts against every request it delays
/// (no coordinated omission).
func openLoop(path: String, rate: Int, count: Int, source: RequestSource) throws -> (latency: LatencySummary, late: Int, failures: [String]) {
    let connection = try BenchConnection(path: path)
    let box = UncheckedSendable(connection)
    let interval = UInt64(1_000_000_000 / rate)
    let t0 = monotonicNanos() + 20_000_000
    let failures = Mutex<[String]>([])
    let samples = Mutex<[Duration]>([])
    let lateSends = Atomic<Int>(0)
    let nonces = Mutex<[UInt64]>(Array(repeating: 0, count: count))
    onThreads(2) { role in
        if role == 0 {
            for i in 0..<count {
                let due = t0 + UInt64(i) * interval
                if monotonicNanos() < due { sleep(untilNanos: due) } else if monotonicNanos() > due + 100_000 { lateSends.add(1, ordering: .relaxed) }
                let (line, nonce) = source.next()
                nonces.withLock { $0[i] = nonce }
                guard box.value.send(line) else {
                    failures.withLock { $0.append("send \(i) failed") }
                    return
                }
            }
        } else {
            var mine: [Duration] = []
            mine.reserveCapacity(count)
            for i in 0..<count {
                guard let answer = box.value.readLine() else {
                    failures.withLock { $0.append("no answer to request \(i)") }
                    return
                }
                let now = monotonicNanos()
                let due = t0 + UInt64(i) * interval
                mine.append(.nanoseconds(Int64(now >= due ? now - due : 0)))
                if let problem = ResponseCheck.problem(answer, nonce: nonces.withLock { $0[i] }, full: i % 500 == 0) {
                    failures.withLock { $0.append("request \(i): \(problem)") }
                }
            }
            samples.withLock { $0 = mine }
        }
    }
    return (LatencySummary(samples.withLock { $0 }), lateSends.load(ordering: .relaxed), failures.withLock { $0 })
}

/// Budgets as a production policy has them (a minute and a day; count, fee and value), set far
/// above what a run spends so that none refuses: every request is checked against them and every
/// signature is a spend in the ledger.
let benchPolicy = """
    schema = 1
    chain_id = 31337
    accounts = ["\(SignerProcess.keeper)"]

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
    address = "\(RequestSource.markets)"

    [[contract.function]]
    signature = "function resolve(uint256 marketId, bool outcome)"
    """

/// Hands a non-Sendable value to threads that each use their own part of it.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

func main() throws {
    let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    let executable = binDirectory.appendingPathComponent("signer").path
    guard FileManager.default.isExecutableFile(atPath: executable) else {
        throw BenchError("no signer next to this benchmark (\(executable)); build it first: swift build -c release --product signer")
    }
    let seconds = Double(ProcessInfo.processInfo.environment["SIGNER_BENCH_SECONDS"] ?? "") ?? 2
    let signer = try SignerProcess(executable: executable, repositoryRoot: repositoryRoot, policy: benchPolicy)
    try signer.start()
    defer { _ = signer.stop() }
    let source = RequestSource()
    print("signer-bench: the real release signer (\(executable)), ledger \(signer.databasePath)")
    print("load average at start: \(ProcStatus.loadAverage)")

    // Warm-up: code paths, page cache, the ledger file.
    _ = try closedLoop(path: signer.socketPath, connections: 1, duration: .milliseconds(300), source: source)

    var failed = false
    let depth = Int(ProcessInfo.processInfo.environment["SIGNER_BENCH_DEPTH"] ?? "") ?? 16
    for mode in ["request/response", "pipelined \(depth) deep"] {
        for connections in [1, 4, 16] where wanted("throughput \(connections) connection(s), \(mode)") {
            var rounds: [Double] = []
            var best: (rate: Double, latency: LatencySummary)?
            for _ in 0..<3 {
                let result = mode == "request/response"
                    ? try closedLoop(path: signer.socketPath, connections: connections, duration: .seconds(seconds), source: source)
                    : try pipelined(path: signer.socketPath, connections: connections, depth: depth, duration: .seconds(seconds), source: source)
                if !result.failures.isEmpty {
                    print("  failures: \(result.failures.prefix(5))")
                    failed = true
                }
                rounds.append(result.rate)
                if result.rate > best?.rate ?? 0 { best = (result.rate, result.latency) }
            }
            let shown = rounds.map { String(Int($0)) }.joined(separator: ", ")
            print("throughput \(connections) connection(s), \(mode): best \(Int(best?.rate ?? 0)) requests/s (rounds of \(seconds) s: \(shown)); latency \(best?.latency.description ?? "-"); load \(ProcStatus.loadAverage)")
        }
    }

    if wanted("latency") {
        let rate = 1000
        let count = Int(ProcessInfo.processInfo.environment["SIGNER_BENCH_OPEN_COUNT"] ?? "") ?? 10_000
        let result = try openLoop(path: signer.socketPath, rate: rate, count: count, source: source)
        if !result.failures.isEmpty {
            print("  failures: \(result.failures.prefix(5))")
            failed = true
        }
        print("latency at \(rate) requests/s open loop, 1 connection, \(count) requests: \(result.latency) (from the scheduled send time; \(result.late) sends more than 100 us late); load \(ProcStatus.loadAverage)")
    }

    if let memory = signer.memory { print("signer memory: VmRSS \(memory.rss / 1024) MiB, VmHWM \(memory.hwm / 1024) MiB") }
    let wal = (try? FileManager.default.attributesOfItem(atPath: signer.databasePath + "-wal")[.size] as? Int) ?? 0
    print("ledger write-ahead log: \(wal / 1024) KiB")
    let status = signer.stop()
    // Every signature returned is a spend in the ledger, and the audit chain verifies.
    let issued = source.issued
    let connection = try SQLite.Connection(path: signer.databasePath, mode: .readOnly)
    let spends = try connection.query("SELECT count(*) FROM spends") { try $0.int64(at: 0) }.first ?? 0
    let signedRows = try connection.query("SELECT count(*) FROM signed_transactions") { try $0.int64(at: 0) }.first ?? 0
    try connection.close()
    let audit = try SignerProcess.run(executable, ["audit", "verify", "--db", signer.databasePath])
    print("ledger: \(spends) spends and \(signedRows) signed transactions for \(issued) requests sent; signer exit \(status.map(String.init) ?? "timeout"); audit verify exit \(audit.status)")
    if failed || audit.status != 0 || status != 0 || spends != signedRows || UInt64(spends) > issued {
        throw BenchError("the run had failures (see above); signer directory kept: \(signer.directory.path)")
    }
    signer.remove()
}

do {
    try main()
} catch {
    print("signer-bench: \(error)")
    exit(1)
}
