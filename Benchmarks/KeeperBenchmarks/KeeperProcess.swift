import BenchmarkKit
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The real release `keeper run` with a generated keeper.toml in a temporary directory, logging
/// (logfmt, info) to a file that the benchmark reads: each tick ends with a `tick done` line
/// that carries the block and the tick's duration (`keeper.duration_ms`).
final class KeeperProcess {
    let executable: String
    let directory: URL
    let process = Process()
    var logPath: String { directory.appendingPathComponent("keeper.log").path }
    var configPath: String { directory.appendingPathComponent("keeper.toml").path }

    init(executable: String, config: String) throws {
        self.executable = executable
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("keeper-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Starts `keeper run` (with `--dry-run`: plans only, stdout discarded).
    func start(dryRun: Bool) throws {
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["run", "--config", configPath] + (dryRun ? ["--dry-run", "--json"] : [])
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// SIGTERM, then waits (at most 30 s) for the exit.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning, ContinuousClock.now < deadline { usleep(10_000) }  // bounded wait for the exit
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Removes the directory (after ``stop()``).
    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    var memory: (rss: Int, hwm: Int)? { ProcStatus.memory(pid: process.processIdentifier) }

    /// A finished tick as the log tells it.
    struct Tick {
        var block: UInt64
        var milliseconds: Int
        var summary: String
    }

    /// Every `tick done` line so far.
    func ticks() -> [Tick] {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard line.contains("tick done"), let block = Self.value("keeper.block", in: line).flatMap({ UInt64($0) }),
                let ms = Self.value("keeper.duration_ms", in: line).flatMap({ Int($0) })
            else { return nil }
            return Tick(block: block, milliseconds: ms, summary: Self.value("keeper.summary", in: line) ?? "")
        }
    }

    /// The aave observer's reads as its `aave positions read` lines tell them, per block:
    /// subgraph discovery and chain reads, in milliseconds.
    func aaveReads() -> [UInt64: (discovery: Int, chain: Int)] {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return [:] }
        var out: [UInt64: (Int, Int)] = [:]
        for line in text.split(separator: "\n") where line.contains("aave positions read") {
            guard let block = Self.value("aave.block", in: line).flatMap({ UInt64($0) }),
                let discovery = Self.value("aave.discovery_ms", in: line).flatMap({ Int($0) }),
                let chain = Self.value("aave.chain_ms", in: line).flatMap({ Int($0) })
            else { continue }
            out[block] = (discovery, chain)
        }
        return out
    }

    /// Waits (polling the log, at most `timeout`) for the tick of block `block` or a later one.
    func waitForTick(atLeast block: UInt64, timeout: Duration) throws -> Tick {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let tick = ticks().first(where: { $0.block >= block }) { return tick }
            guard process.isRunning else { throw BenchError("the keeper exited; see \(logPath)") }
            usleep(50_000)  // pause inside a poll-until-deadline loop
        }
        throw BenchError("no tick of block \(block) within \(timeout); see \(logPath)")
    }

    /// A logfmt value (quoted or bare) of `key` in `line`.
    static func value(_ key: String, in line: Substring) -> String? {
        guard let range = line.range(of: " \(key)=") else { return nil }
        let rest = line[range.upperBound...]
        if rest.first == "\"" {
            var out = ""
            var escaped = false
            for c in rest.dropFirst() {
                if escaped { out.append(c); escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { break } else { out.append(c) }
            }
            return out
        }
        return String(rest.prefix { $0 != " " })
    }
}
