public import Foundation

/// What `GET /healthz` reports, decided by a closure the composition root injects (for example:
/// unhealthy when the last good tick is older than a few polling intervals, or the head stalled).
public enum KeeperHealth: Sendable, Equatable {
    /// 200 with `{"status":"ok","last_tick":"<RFC 3339>","head_age_seconds":<n>}`; a field whose
    /// value is unknown yet (no tick so far) is `null`.
    case healthy(lastTick: Date?, headAge: Duration?)
    /// 503 with `{"status":"unhealthy","reason":"..."}`.
    case unhealthy(reason: String)
}
