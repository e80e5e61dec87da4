import EVM
import Foundation
import Keeper
import Logging
import Oracle
import Testing

/// The drift observer's HTTP source (`url = ...`): `GET <url>/<model>` answering an array of
/// snapshots, or one; served here by the keeper's own loopback HTTP server.
@Suite struct DriftMonitoringHTTPTests {
    static let snapshot = """
        {"model": "fraud-v1", "periodEnd": 1700000000,
         "features": {"amount": {"baseline": [0.5, 0.5], "current": [0.25, 0.75]}}}
        """

    @Test func readsSnapshotsPerModelAndReportsFailures() async throws {
        var router = HTTPRouter()
        let one = try JSONValue.parse(Self.snapshot)
        try router.add(.get, "/snapshots/fraud-v1") { _ in .json(.array([one])) }
        try router.add(.get, "/snapshots/credit-v2") { _ in
            .json(try JSONValue.parse(#"{"model": "credit-v2", "periodEnd": 1700000000, "features": {"f": {"baseline": [1, 1], "current": [2, 0]}}}"#))
        }
        try router.add(.get, "/snapshots/churn-v3") { _ in .json(one) }  // names the wrong model
        let server = LocalHTTPServer(configuration: .init(port: 0), router: router, logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() })
        let port = try server.start()
        defer { server.stop() }
        let url = try #require(URL(string: "http://127.0.0.1:\(port)/snapshots"))
        let observer = DriftObserver(
            strategy: "drift", registry: Address(word: U256(1)), source: .http(url),
            models: ["fraud-v1", "credit-v2", "churn-v3", "missing"], maxAgeSeconds: 86_400)
        let (snapshots, problems) = try await observer.load()
        try #require(snapshots.map(\.model) == ["fraud-v1", "credit-v2"])
        #expect(snapshots[0].inputs.features[0].current == [250_000, 750_000])
        #expect(snapshots[1].inputs.features[0].current == [2, 0])
        #expect(problems.count == 2)
        #expect(problems.contains { $0.contains("churn-v3") && $0.contains("names model 'fraud-v1'") })
        #expect(problems.contains { $0.contains("/missing") && $0.contains("HTTP 404") })
    }
}
