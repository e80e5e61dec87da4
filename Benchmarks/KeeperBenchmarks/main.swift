// The keeper's benchmarks (issue 5, item 11), against the devnet with the real release
// processes:
//
//     swift build -c release --product keeper && swift build -c release --product signer
//     swift run -c release keeper-bench     # a filter runs some: tick, "tick 10000 positions", latency
//
// tick: `keeper run --dry-run` (every due intent simulated and printed), then the live `keeper
//       run` with the real signer (simulating only what it may still send), on the aave-1000 and
//       aave-10000 scenarios; each tick's duration from the keeper's own `tick done` log line,
//       memory (VmRSS, VmHWM) from /proc of the keeper process. KEEPER_BENCH_TICKS (default 5)
//       blocks are mined, one tick each.
// latency: `keeper run` (live, with the real `signer serve`) on the `demo` scenario, twap-push
//       with a one-hour heartbeat and 100 ms head polling. Each round moves time past the
//       heartbeat and mines a block (`evm_increaseTime`, `evm_mine`): that block makes the push
//       due. The latency is from when the devnet mined that block to when the push's
//       `eth_sendRawTransaction` arrived, both taken by the devnet (`devnet_timings`).
//       KEEPER_BENCH_ROUNDS (default 30) rounds.
import BenchmarkKit
import DevnetTestKit
import EVM
import Foundation
#if canImport(Glibc)
import Glibc
#endif

let environment = ProcessInfo.processInfo.environment
let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()

func wanted(_ name: String) -> Bool { benchmarkFilter.map { name.contains($0) } ?? true }

func executable(_ name: String) throws -> String {
    let path = binDirectory.appendingPathComponent(name).path
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw BenchError("no \(name) next to this benchmark (\(path)); build it first: swift build -c release --product \(name)")
    }
    return path
}

func milliseconds(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }

func double(_ value: JSONValue?) -> Double? {
    if case .number(let text) = value { return Double(text) }
    return nil
}

func hexNumber(_ value: JSONValue) -> UInt64? {
    value.stringValue.flatMap { UInt64($0.dropFirst(2), radix: 16) }
}

/// (a) Tick time and memory of `keeper run --dry-run`, then of the live `keeper run` with the
/// real signer, with N watched Aave positions.
func tickBenchmark(positions: Int) async throws {
    let setupStarted = ContinuousClock.now
    let devnet = try await Devnet.start(scenario: "aave-\(positions)", timeout: .seconds(1800))
    defer { devnet.stop() }
    let below: String = if case .number(let n) = devnet.manifest?["aave"]?["belowTriggerCount"] { n } else { "?" }
    print("tick aave-\(positions): devnet ready in \(Int((ContinuousClock.now - setupStarted).seconds)) s (\(below) positions below the 1.10 trigger); load \(ProcStatus.loadAverage)")
    try await measureTicks(devnet, positions: positions, signer: nil)
    let policy = try String(contentsOf: Devnet.repositoryRoot.appendingPathComponent("policies/all-strategies.toml"), encoding: .utf8)
    let signer = try SignerProcess(executable: try executable("signer"), repositoryRoot: Devnet.repositoryRoot, policy: policy)
    try signer.start()
    defer {
        _ = signer.stop()
        signer.remove()
    }
    try await measureTicks(devnet, positions: positions, signer: signer)
}

/// Ticks of one keeper process on the devnet: dry-run without a signer, live with one. Each
/// mined block makes a tick; a live keeper's own transactions (automined) make more.
func measureTicks(_ devnet: Devnet, positions: Int, signer: SignerProcess?) async throws {
    let ticks = Int(environment["KEEPER_BENCH_TICKS"] ?? "") ?? 5
    let mode = signer == nil ? "keeper run --dry-run" : "keeper run (live, real signer)"
    let keeper = try KeeperProcess(executable: try executable("keeper"), config: try KeeperConfigs.aave(devnet, signerSocket: signer?.socketPath))
    try keeper.start(dryRun: signer == nil)
    defer {
        keeper.stop()
        keeper.remove()
    }
    guard let first = hexNumber(try await devnet.control("eth_blockNumber")) else { throw BenchError("no block number") }
    let firstTick = try keeper.waitForTick(atLeast: first, timeout: .seconds(1800))
    var rss: [Int] = []
    var durations: [Int] = []
    var observes: [Int] = []
    var summary = firstTick.summary
    for _ in 0..<ticks {
        try await devnet.control("evm_mine")
        guard let head = hexNumber(try await devnet.control("eth_blockNumber")) else { throw BenchError("no block number") }
        let tick = try keeper.waitForTick(atLeast: head, timeout: .seconds(1800))
        durations.append(tick.milliseconds)
        summary = tick.summary
        if let read = keeper.aaveReads()[tick.block] { observes.append(read.discovery + read.chain) }
        // Between ticks: after the tick has handed its memory back.
        try await Task.sleep(for: .milliseconds(300))
        if let memory = keeper.memory { rss.append(memory.rss) }
    }
    let memory = keeper.memory
    func median(_ values: [Int]) -> Int { values.isEmpty ? 0 : values.sorted()[values.count / 2] }
    let sorted = durations.sorted()
    print("tick aave-\(positions), \(mode): first tick (with subgraph discovery) \(firstTick.milliseconds) ms; "
        + "then median \(median(durations)) ms (min \(sorted.first ?? 0), max \(sorted.last ?? 0)) over \(ticks) blocks, "
        + "of which observe (chain reads) \(median(observes)) ms; "
        + "VmRSS between ticks \((rss.max() ?? 0) / 1024) MiB (largest), VmHWM \((memory?.hwm ?? 0) / 1024) MiB; load \(ProcStatus.loadAverage)")
    print("  last tick: \(summary)")
}

/// (b) From the block that makes a push due to its `eth_sendRawTransaction`, server-side times.
func latencyBenchmark() async throws {
    let rounds = Int(environment["KEEPER_BENCH_ROUNDS"] ?? "") ?? 30
    let devnet = try await Devnet.start(scenario: "demo", timeout: .seconds(600))
    defer { devnet.stop() }
    let root = Devnet.repositoryRoot
    let policy = try String(contentsOf: root.appendingPathComponent("policies/all-strategies.toml"), encoding: .utf8)
    let signer = try SignerProcess(executable: try executable("signer"), repositoryRoot: root, policy: policy)
    try signer.start()
    defer {
        _ = signer.stop()
        signer.remove()
    }
    let keeper = try KeeperProcess(
        executable: try executable("keeper"), config: try KeeperConfigs.twap(devnet, signerSocket: signer.socketPath, heartbeat: 3600))
    try keeper.start(dryRun: false)
    defer {
        keeper.stop()
        keeper.remove()
    }

    func timings(since: Double) async throws -> (blocks: [UInt64: Double], arrivals: [Double]) {
        let report = try await devnet.control("devnet_timings", [.object(["since": .number(String(since))])])
        var blocks: [UInt64: Double] = [:]
        for block in report["blocks"]?.arrayValue ?? [] {
            if let number = block["number"].flatMap(hexNumber), let at = double(block["minedAt"]) { blocks[number] = at }
        }
        let arrivals = (report["rawTransactions"]?.arrayValue ?? []).compactMap { double($0["receivedAt"]) }
        return (blocks, arrivals)
    }

    // Settle: the first tick, then no transaction for 3 s (a push due at start has gone out).
    guard let first = hexNumber(try await devnet.control("eth_blockNumber")) else { throw BenchError("no block number") }
    _ = try keeper.waitForTick(atLeast: first, timeout: .seconds(120))
    let settleDeadline = ContinuousClock.now + .seconds(60)
    while try await !timings(since: Date().timeIntervalSince1970 - 3).arrivals.isEmpty {
        guard ContinuousClock.now < settleDeadline else { throw BenchError("the keeper kept sending for 60 s; see \(keeper.logPath)") }
        try await Task.sleep(for: .milliseconds(200))
    }

    var latencies: [Double] = []
    for round in 0..<rounds {
        let since = Date().timeIntervalSince1970 - 1
        try await devnet.control("evm_increaseTime", [.number("3601")])
        try await devnet.control("evm_mine")
        guard let due = hexNumber(try await devnet.control("eth_blockNumber")) else { throw BenchError("no block number") }
        let deadline = ContinuousClock.now + .seconds(30)
        var latency: Double?
        while latency == nil {
            let (blocks, arrivals) = try await timings(since: since)
            if let mined = blocks[due], let sent = arrivals.filter({ $0 >= mined }).min() { latency = sent - mined }
            guard ContinuousClock.now < deadline else { throw BenchError("round \(round): no push within 30 s of block \(due); see \(keeper.logPath)") }
            if latency == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        latencies.append(latency!)
        // Let the tick finish and start the next round at a random phase of the keeper's polling.
        try await Task.sleep(for: .milliseconds(Int.random(in: 400...800)))
    }
    let sorted = latencies.sorted()
    let memory = keeper.memory
    print("latency block -> eth_sendRawTransaction, twap-push, 100 ms polling, live keeper + signer, \(rounds) rounds: "
        + "median \(milliseconds(sorted[sorted.count / 2])), p90 \(milliseconds(sorted[sorted.count * 9 / 10])), "
        + "min \(milliseconds(sorted.first!)), max \(milliseconds(sorted.last!)); keeper VmHWM \((memory?.hwm ?? 0) / 1024) MiB; load \(ProcStatus.loadAverage)")
    print("  all (ms): \(latencies.map { String(Int(($0 * 1000).rounded())) }.joined(separator: " "))")
    let ticks = keeper.ticks().filter { $0.summary.contains("sent") }.map(\.milliseconds).sorted()
    if !ticks.isEmpty { print("  the keeper's ticks that sent: median \(ticks[ticks.count / 2]) ms (its own measure, from head read to send and track)") }
}

do {
    print("keeper-bench: load average at start \(ProcStatus.loadAverage)")
    for positions in [1000, 10000] where wanted("tick \(positions) positions") {
        try await tickBenchmark(positions: positions)
    }
    if wanted("latency") { try await latencyBenchmark() }
} catch {
    print("keeper-bench: \(error)")
    exit(1)
}
