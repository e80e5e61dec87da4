/// Waiting for a condition another process brings about: probe, and probe again after a short
/// pause, until it holds or the deadline passes. Never a bare sleep.
public enum Poll {
    /// Probes until `probe` returns a value, and returns it; throws, naming `what` (read at the
    /// deadline, so it may describe the last state seen), after `within`.
    @discardableResult
    public static func until<T>(
        _ what: @autoclosure () -> String, within: Duration, every pause: Duration = .milliseconds(20), _ probe: () async throws -> T?
    ) async throws -> T {
        let deadline = ContinuousClock.now + within
        while true {
            if let value = try await probe() { return value }
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: pause)  // pause inside a poll-until-deadline loop
        }
        throw HarnessError(message: "timed out after \(within) waiting for \(what())")
    }

    /// Probes until `probe` returns true; throws, naming `what`, after `within`.
    public static func until(
        _ what: @autoclosure () -> String, within: Duration, every pause: Duration = .milliseconds(20), _ probe: () async throws -> Bool
    ) async throws {
        try await until(what(), within: within, every: pause) { try await probe() ? () : nil }
    }
}
