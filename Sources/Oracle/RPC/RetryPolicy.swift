/// How the RPC client retries: exponential backoff with full jitter between attempts, a bound on
/// attempts per call, and a per-request timeout.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts per call, across all endpoints (the first try included).
    public var maxAttempts: Int
    /// Delay before the second attempt; doubles each time, up to ``maxDelay``.
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// Timeout of one HTTP request.
    public var requestTimeout: Duration

    public init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(50), maxDelay: Duration = .seconds(2),
                requestTimeout: Duration = .seconds(5)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.requestTimeout = requestTimeout
    }

    /// The delay before attempt `attempt` (1 = the first retry): half fixed, half random, so that
    /// many keepers throttled at once do not retry in lockstep.
    public func delay(beforeRetry attempt: Int, using rng: inout some RandomNumberGenerator) -> Duration {
        let exponent = min(attempt - 1, 20)
        let ceiling = min(maxDelay, baseDelay * (1 << exponent))
        let ceilingNanos = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        let half = ceilingNanos / 2
        return .nanoseconds(half + Int64.random(in: 0...max(0, half), using: &rng))
    }
}
