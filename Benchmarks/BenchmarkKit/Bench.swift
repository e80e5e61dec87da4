/// A tiny benchmark runner: runs a body in batches for a fixed wall time, several rounds, and
/// reports the best round (the least disturbed by the other core's work).
public struct Bench {
    public let rounds: Int
    public let seconds: Double

    public init(rounds: Int = 5, seconds: Double = 1.0) {
        self.rounds = rounds
        self.seconds = seconds
    }

    /// Runs `body` (which does `batch` operations per call) and returns the best operations/second.
    public func measure(batch: Int = 1, _ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        body()  // warm-up
        var best = 0.0
        for _ in 0..<rounds {
            var operations = 0
            let start = clock.now
            var elapsed = 0.0
            while elapsed < seconds {
                body()
                operations += batch
                let d = clock.now - start
                elapsed = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            }
            best = max(best, Double(operations) / elapsed)
        }
        return best
    }

    public static func report(_ name: String, _ value: Double, unit: String) {
        let padded = name + String(repeating: " ", count: max(1, 48 - name.count))
        let number = value >= 100 ? String(Int(value.rounded())) : String(Double(Int(value * 100)) / 100)
        print("\(padded) \(number) \(unit)")
    }
}

/// Keeps a value alive so the optimiser cannot drop the work that produced it.
@inline(never)
public func blackHole<T>(_ value: T) {
    withUnsafePointer(to: value) { _ in }
}

/// The first command-line argument, when given: only benchmarks whose name contains it run.
public let benchmarkFilter = CommandLine.arguments.dropFirst().first

/// Runs and reports one benchmark unless the filter excludes it. `batch` is the operations per
/// call of `body`; `scale` converts operations/s into the reported unit (bytes into MB, say).
public func run(_ name: String, unit: String = "ops/s", batch: Int = 1, scale: Double = 1, _ body: () -> Void) {
    if let benchmarkFilter, !name.contains(benchmarkFilter) { return }
    Bench.report(name, Bench().measure(batch: batch, body) * scale, unit: unit)
}
