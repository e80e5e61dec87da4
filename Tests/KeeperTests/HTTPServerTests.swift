import EVM
import Foundation
import ProcessTestKit
import Logging
import Testing

@testable import Keeper

/// The local HTTP server over real loopback sockets, each test on its own free port.
@Suite struct HTTPServerTests {
    static let logger = Logger(label: "keeper.http.test") { _ in SwiftLogNoOpLogHandler() }

    /// A started server with the observability routes and the oracle-style API routes.
    static func startServer(
        _ configuration: LocalHTTPServer.Configuration = .init(port: 0),
        metrics: KeeperMetrics = KeeperMetrics(),
        health: @escaping @Sendable () -> KeeperHealth = {
            .healthy(lastTick: Date(timeIntervalSince1970: 1_700_000_000.25), headAge: .milliseconds(1500))
        },
        extraRoutes: (inout HTTPRouter) throws -> Void = { _ in }
    ) throws -> (LocalHTTPServer, Int) {
        var router = HTTPRouter()
        try router.addObservabilityRoutes(metrics: metrics, health: health)
        try router.add(.get, "/api/prices/{feed}") { request in
            .json(["feed": .string(request[parameter: "feed"] ?? "")])
        }
        try router.add(.get, "/api/twap/{feed}/{window}") { request in
            .json(["feed": .string(request[parameter: "feed"] ?? ""), "window": .string(request[parameter: "window"] ?? "")])
        }
        try extraRoutes(&router)
        let server = LocalHTTPServer(configuration: configuration, router: router, logger: logger)
        let port = try server.start()
        return (server, port)
    }

    @Test func metricsEndpointServesTheExposition() throws {
        let metrics = KeeperMetrics()
        metrics.transactionSent()
        metrics.rpcError(endpoint: "primary", kind: "transport")
        let (server, port) = try Self.startServer(metrics: metrics)
        defer { server.stop() }
        let client = try HTTPTestClient(port: port)
        let response = try client.get("/metrics")
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        let lines = Set(response.text.split(separator: "\n").map(String.init))
        #expect(lines.contains("keeper_transactions_sent_total 1"))
        #expect(lines.contains(#"keeper_rpc_errors_total{endpoint="primary",kind="transport"} 1"#))
        #expect(lines.contains("# TYPE keeper_tick_duration_seconds histogram"))
    }

    @Test func healthyAnswers200WithLastTickAndHeadAge() throws {
        let (server, port) = try Self.startServer()
        defer { server.stop() }
        let response = try HTTPTestClient(port: port).get("/healthz")
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.text == #"{"head_age_seconds":1.500,"last_tick":"2023-11-14T22:13:20.250Z","status":"ok"}"# + "\n")
    }

    @Test func unhealthyAnswers503WithTheReason() throws {
        let (server, port) = try Self.startServer(health: { .unhealthy(reason: "head stalled for 95 s") })
        defer { server.stop() }
        let response = try HTTPTestClient(port: port).get("/healthz")
        #expect(response.status == 503)
        #expect(response.text == #"{"reason":"head stalled for 95 s","status":"unhealthy"}"# + "\n")
    }

    @Test func unknownPathIs404AndWrongMethodIs405WithAllow() throws {
        let (server, port) = try Self.startServer()
        defer { server.stop() }
        let client = try HTTPTestClient(port: port)
        let missing = try client.get("/nope")
        #expect(missing.status == 404)
        #expect(missing.header("Connection") == "keep-alive")
        let wrong = try client.get("/metrics", method: "POST")
        #expect(wrong.status == 405)
        #expect(wrong.header("Allow") == "GET, HEAD")
        let head = try client.get("/metrics", method: "HEAD")
        #expect(head.status == 200)
        #expect(Int(head.header("Content-Length") ?? "") ?? 0 > 0)
        #expect(head.body.isEmpty)
    }

    @Test func pathParametersArePercentDecoded() async throws {
        let (server, port) = try Self.startServer()
        defer { server.stop() }
        let client = try HTTPTestClient(port: port)
        // All four on one keep-alive connection in one go: between separate awaits the test
        // may wait for a pool thread longer than the server keeps an idle connection open.
        let (price, twap, empty, malformed) = try await onOwnThread {
            (try client.get("/api/prices/ETH%2FUSD?fresh=1"), try client.get("/api/twap/wstETH-ETH/1800"),
             try client.get("/api/prices/"), try client.get("/api/prices/%zz"))
        }
        #expect(price.status == 200)
        #expect(price.text == #"{"feed":"ETH/USD"}"# + "\n")
        #expect(twap.text == #"{"feed":"wstETH-ETH","window":"1800"}"# + "\n")
        #expect(empty.status == 404)
        #expect(malformed.status == 400)
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnectionAndCloseIsHonoured() throws {
        let (server, port) = try Self.startServer()
        defer { server.stop() }
        let client = try HTTPTestClient(port: port)
        #expect(try client.get("/healthz").status == 200)
        #expect(try client.get("/healthz").status == 200)
        try client.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let last = try client.readResponse()
        #expect(last.status == 200)
        #expect(last.header("Connection") == "close")
        #expect(try client.isClosedByServer())
    }

    /// One malformed request and the status it must get; named by `name` in the test list.
    struct BadRequest: Sendable, CustomTestStringConvertible {
        let name: String
        let request: String
        let status: Int
        var testDescription: String { name }
    }

    static let badRequests: [BadRequest] = [
        .init(name: "oversized header", request: "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 9000))\r\n\r\n", status: 431),
        .init(name: "huge header", request: "GET /metrics HTTP/1.1\r\nX-Big: \(String(repeating: "a", count: 200_000))\r\n\r\n", status: 431),
        .init(name: "oversized request line", request: "GET /\(String(repeating: "a", count: 9000)) HTTP/1.1\r\n\r\n", status: 414),
        .init(name: "garbage", request: "\u{01}\u{02} hello there\r\n\r\n", status: 400),
        .init(name: "no version", request: "GET /metrics\r\n\r\n", status: 400),
        .init(name: "HTTP/2", request: "GET /metrics HTTP/2.0\r\n\r\n", status: 505),
        .init(name: "absolute target", request: "GET http://x/metrics HTTP/1.1\r\n\r\n", status: 400),
        .init(name: "chunked body", request: "POST /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", status: 501),
        .init(name: "body too large", request: "POST /metrics HTTP/1.1\r\nContent-Length: 999999\r\n\r\n", status: 413),
        .init(name: "conflicting lengths", request: "POST /metrics HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", status: 400),
    ]

    @Test(arguments: badRequests)
    func badRequestsAreAnsweredAndClosed(_ bad: BadRequest) throws {
        let (server, port) = try Self.startServer()
        defer { server.stop() }
        let client = try HTTPTestClient(port: port)
        try client.send(bad.request)
        let response = try client.readResponse()
        #expect(response.status == bad.status)
        #expect(response.header("Connection") == "close")
        #expect(try client.isClosedByServer())
    }

    @Test func aStalledHalfRequestDoesNotBlockAnotherClient() throws {
        let (server, port) = try Self.startServer(.init(port: 0, readTimeout: .seconds(60)))
        defer { server.stop() }
        let stalled = try HTTPTestClient(port: port)
        try stalled.send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Half")
        #expect(eventually { server.activeConnections == 1 })

        let other = try HTTPTestClient(port: port)
        let response = try other.readAfterSending("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", timeout: .seconds(5))
        #expect(response.status == 200)
        // The stalled client got nothing and is still connected.
        #expect(stalled.isSilent(for: .milliseconds(50)))
        #expect(server.activeConnections == 2)
    }

    @Test func aStalledRequestTimesOutWith408() throws {
        let (server, port) = try Self.startServer(.init(port: 0, readTimeout: .milliseconds(200)))
        defer { server.stop() }
        let stalled = try HTTPTestClient(port: port)
        try stalled.send("GET /metrics HTTP/1.1\r\n")
        let response = try stalled.readResponse(timeout: .seconds(10))
        #expect(response.status == 408)
        #expect(try stalled.isClosedByServer())
        #expect(eventually { server.activeConnections == 0 })
    }

    @Test func connectionsBeyondTheCapGet503() throws {
        let (server, port) = try Self.startServer(.init(port: 0, maxConnections: 2, readTimeout: .seconds(60)))
        defer { server.stop() }
        let first = try HTTPTestClient(port: port)
        let second = try HTTPTestClient(port: port)
        #expect(eventually { server.activeConnections == 2 })
        let third = try HTTPTestClient(port: port)
        let refused = try third.readResponse()
        #expect(refused.status == 503)
        #expect(try third.isClosedByServer())
        // The admitted connections still work.
        #expect(try first.get("/healthz").status == 200)
        #expect(try second.get("/healthz").status == 200)
    }

    @Test func throwingHandlersGive500() async throws {
        struct Boom: Error {}
        let (server, port) = try Self.startServer(extraRoutes: { router in
            try router.add(.get, "/boom") { _ in throw Boom() }
            try router.addSynchronous(.get, "/sync-boom") { _ in throw Boom() }
        })
        defer { server.stop() }
        let client = try HTTPTestClient(port: port)
        // Both on one keep-alive connection in one go (see pathParametersArePercentDecoded).
        let (failed, syncFailed) = try await onOwnThread { (try client.get("/boom"), try client.get("/sync-boom")) }
        #expect(failed.status == 500)
        #expect(failed.text == #"{"error":"internal error; see the keeper's log"}"# + "\n")
        #expect(syncFailed.status == 500)
    }

    @Test func aHandlerPastItsTimeoutGives503AndIsCancelled() async throws {
        let (server, port) = try Self.startServer(.init(port: 0, handlerTimeout: .milliseconds(200)), extraRoutes: { router in
            try router.add(.get, "/slow") { _ in
                let (never, _) = AsyncStream<Int>.makeStream()
                for await _ in never {}  // ends only when the server cancels the handler
                return .text("late")
            }
        })
        defer { server.stop() }
        let client = try HTTPTestClient(port: port)
        #expect(try await onOwnThread { try client.get("/slow") }.status == 503)
    }

    @Test func stopClosesIdleConnectionsAndReleasesThePort() throws {
        let (server, port) = try Self.startServer()
        let idle = try HTTPTestClient(port: port)
        #expect(try idle.get("/healthz").status == 200)
        let started = ContinuousClock.now
        server.stop()
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(try idle.isClosedByServer())
        #expect(server.activeConnections == 0)
        #expect(throws: HTTPTestClient.Failure.self) { try HTTPTestClient(port: port) }
        server.stop()  // a second stop is harmless
    }

    @Test func runStopsWhenItsTaskIsCancelled() async throws {
        var router = HTTPRouter()
        try router.add(.get, "/ping") { _ in .text("pong") }
        let server = LocalHTTPServer(configuration: .init(port: 0), router: router, logger: Self.logger)
        // On the server's handler threads rather than the cooperative pool: with the pool busy
        // (CPU-bound tests run beside this one) a plain Task can wait past the poll's deadline.
        let task = Task(executorPreference: HandlerExecutor.shared) { try await server.run() }
        #expect(try await onOwnThread { eventually { server.port != nil } })
        let port = try #require(server.port)
        #expect(try await onOwnThread { try HTTPTestClient(port: port).get("/ping") }.text == "pong")
        task.cancel()
        try await task.value
        #expect(throws: HTTPTestClient.Failure.self) { try HTTPTestClient(port: port) }
    }

    @Test func http10ClosesUnlessAskedToKeepAlive() throws {
        let (server, port) = try Self.startServer()
        defer { server.stop() }
        let kept = try HTTPTestClient(port: port)
        try kept.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(try kept.readResponse().header("Connection") == "keep-alive")
        #expect(try kept.get("/healthz").status == 200)
        let closed = try HTTPTestClient(port: port)
        try closed.send("GET /healthz HTTP/1.0\r\n\r\n")
        let response = try closed.readResponse()
        #expect(response.status == 200)
        #expect(response.header("Connection") == "close")
        #expect(try closed.isClosedByServer())
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let (server, port) = try Self.startServer()
        defer { server.stop() }
        let client = try HTTPTestClient(port: port)
        try client.send("GET /healthz HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\n\r\nGET /metrics HTTP/1.1\r\n\r\n")
        #expect(try client.readResponse().status == 200)
        #expect(try client.readResponse().status == 404)
        #expect(try client.readResponse().header("Content-Type") == HTTPRouter.prometheusContentType)
    }

    @Test func servesOnIPv6LoopbackWhenConfigured() throws {
        let server = LocalHTTPServer(
            configuration: .init(host: "::1", port: 0), router: try Self.healthOnlyRouter(), logger: Self.logger)
        let port: Int
        do {
            port = try server.start()
        } catch {
            // A machine without IPv6 loopback cannot run this test; say so and stop.
            print("skipping IPv6: \(error)")
            return
        }
        defer { server.stop() }
        #expect(try HTTPTestClient(port: port, ipv6: true).get("/healthz").status == 503)
    }

    static func healthOnlyRouter() throws -> HTTPRouter {
        var router = HTTPRouter()
        try router.addObservabilityRoutes(metrics: KeeperMetrics()) { .unhealthy(reason: "test") }
        return router
    }

    @Test func startFailsClearlyOnABadHostOrATakenPort() throws {
        let (server, port) = try Self.startServer()
        defer { server.stop() }
        let taken = LocalHTTPServer(configuration: .init(port: port), router: HTTPRouter(), logger: Self.logger)
        #expect(throws: HTTPServerError.self) { try taken.start() }
        let named = LocalHTTPServer(configuration: .init(host: "localhost", port: 0), router: HTTPRouter(), logger: Self.logger)
        do {
            try named.start()
            Issue.record("a host name should be refused")
        } catch {
            #expect(error.description.contains("not a numeric IPv4 or IPv6 address"))
        }
        #expect(throws: HTTPServerError.self) { try server.start() }
    }
}

extension HTTPTestClient {
    func readAfterSending(_ request: String, timeout: Duration) throws -> Response {
        try send(request)
        return try readResponse(timeout: timeout)
    }
}
