import ServiceLogging
import EVM
import Foundation

extension HTTPRouter {
    /// The Prometheus text format's content type.
    public static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Adds `GET /metrics` (the Prometheus exposition of `metrics`) and `GET /healthz` (what
    /// `health` decides, as JSON: 200 when healthy, 503 with the reason when not).
    ///
    /// Both run on the connection thread, not on a task: `health` must be quick and must not
    /// block (read the last tick's time from a lock, say). That way a stuck tick loop or a
    /// saturated thread pool still gets an honest answer instead of a timeout.
    public mutating func addObservabilityRoutes(
        metrics: KeeperMetrics, health: @escaping @Sendable () -> KeeperHealth
    ) throws(HTTPServerError) {
        try addSynchronous(.get, "/metrics") { _ in
            HTTPResponse(status: .ok, headers: ["Content-Type": Self.prometheusContentType], body: metrics.render())
        }
        try addSynchronous(.get, "/healthz") { _ in
            Self.healthResponse(health())
        }
    }

    /// The `/healthz` answer for `health`.
    public static func healthResponse(_ health: KeeperHealth) -> HTTPResponse {
        switch health {
        case .healthy(let lastTick, let headAge):
            let tick: JSONValue = lastTick.map { .string(ServiceLogHandler.rfc3339($0)) } ?? .null
            let age: JSONValue = headAge.map { .number(Self.seconds($0)) } ?? .null
            return .json(["status": "ok", "last_tick": tick, "head_age_seconds": age])
        case .unhealthy(let reason):
            return .json(["status": "unhealthy", "reason": .string(reason)], status: .serviceUnavailable)
        }
    }

    /// A duration as seconds with millisecond precision: `12.345`.
    private static func seconds(_ duration: Duration) -> String {
        let millis = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        let sign = millis < 0 ? "-" : ""
        let magnitude = millis.magnitude
        let fraction = String(magnitude % 1000)
        return "\(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}
