#if canImport(Glibc)
import Glibc
#endif

/// Readings from /proc for the benchmarks that run real processes.
public enum ProcStatus {
    /// VmRSS and VmHWM (the peak) of process `pid`, in KiB; nil when it is gone.
    public static func memory(pid: Int32) -> (rss: Int, hwm: Int)? {
        guard let text = read("/proc/\(pid)/status") else { return nil }
        func field(_ name: String) -> Int? {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return nil }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        guard let rss = field("VmRSS"), let hwm = field("VmHWM") else { return nil }
        return (rss, hwm)
    }

    /// The 1, 5 and 15 minute load averages, as /proc/loadavg has them ("0.52 0.61 1.02").
    public static var loadAverage: String {
        (read("/proc/loadavg") ?? "? ? ?").split(separator: " ").prefix(3).joined(separator: " ")
    }

    private static func read(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes += chunk[..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A benchmark that could not run, with what to do about it.
public struct BenchError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Percentiles of a sample of durations.
public struct LatencySummary: CustomStringConvertible {
    public let count: Int
    public let p50: Duration
    public let p99: Duration
    public let max: Duration

    public init(_ samples: [Duration]) {
        let sorted = samples.sorted()
        count = sorted.count
        p50 = sorted.isEmpty ? .zero : sorted[sorted.count / 2]
        p99 = sorted.isEmpty ? .zero : sorted[Swift.min(sorted.count - 1, sorted.count * 99 / 100)]
        max = sorted.last ?? .zero
    }

    public var description: String {
        "p50 \(Self.format(p50)), p99 \(Self.format(p99)), max \(Self.format(max))"
    }

    /// "412 us", "1.84 ms", "2.31 s".
    public static func format(_ d: Duration) -> String {
        let us = Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12
        if us < 1000 { return "\(Int(us.rounded())) us" }
        if us < 1e6 { return "\(Double(Int((us / 10).rounded())) / 100) ms" }
        return "\(Double(Int((us / 1e4).rounded())) / 100) s"
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
