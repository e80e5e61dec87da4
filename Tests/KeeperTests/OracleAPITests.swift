import EVM
import Foundation
import ProcessTestKit
import Oracle
import Strategies
import Testing

@testable import Keeper

/// The oracle's read API over real loopback sockets, answered from a PriceBook filled by hand.
@Suite struct OracleAPITests {
    static func address(_ last: UInt64) -> Address { Address(word: U256(last)) }
    static let weth = address(0x2002)
    static let usdc = address(0x1001)
    static let sink = address(0x5005)
    static let now: UInt64 = 1_700_000_000

    static let spec = TWAPFeedSpec(
        name: "WETH/USDC", feedID: TWAPFeedSpec.feedID(ascii: "WETH/USDC") ?? [],
        base: TWAPToken(name: "WETH", address: weth, decimals: 18), quote: TWAPToken(name: "USDC", address: usdc, decimals: 6),
        pools: [TWAPPoolSpec(name: "pool-a", address: address(0xA1)), TWAPPoolSpec(name: "pool-b", address: address(0xA2))],
        window: 1800, outputDecimals: 18)

    static let strategy = TWAPPushStrategy(name: "twap-push", config: TWAPPushConfig(
        sinkName: "PriceFeedSink", sink: sink, feeds: [TWAPPushConfig.Feed(spec: spec, deviationBps: 50, heartbeatSeconds: 3600)]))

    /// Pool a at tick 200_311 (about 2000 USDC per WETH), pool b too young; round 3 on the sink.
    static func observation(block: UInt64 = 120, lastPush: TWAPObservation.PushLocation? = nil) -> TWAPObservation {
        let pools = [
            TWAPObservation.Pool(spec: spec.pools[0], window: 1800, token0: usdc, token1: weth,
                                 reading: .cumulatives(start: 0, end: 200_311 * 1800)),
            TWAPObservation.Pool(spec: spec.pools[1], window: 1800, token0: usdc, token1: weth, reading: .historyTooShort),
        ]
        let round = TWAPObservation.SinkRound(roundID: U256(3), price: U256(1_990_000_000) * U256(1_000_000_000_000), observedAt: now - 600, updatedAt: now - 590)
        let feed = TWAPObservation.Feed(spec: spec, baseDecimals: 18, quoteDecimals: 6, pools: pools, lastRound: round, lastPush: lastPush)
        return TWAPObservation(block: block, timestamp: now, sink: sink, feeds: [feed])
    }

    /// The API with a quoter whose node is a closed port (for the 502 case).
    static func api(book: PriceBook) throws -> OracleAPI {
        guard let closed = URL(string: "http://127.0.0.1:1/") else { throw HTTPTestClient.Failure(description: "bad URL") }
        let rpc = EthereumRPC(client: JSONRPCClient(
            endpoints: [RPCEndpoint(name: "closed", url: closed)],
            retry: RetryPolicy(maxAttempts: 1, baseDelay: .milliseconds(1)), logger: HTTPServerTests.logger))
        return OracleAPI(priceBook: book, quoter: TWAPQuoter(strategies: [strategy], rpc: rpc, multicall: Multicall3(rpc: rpc)))
    }

    /// A server with the API routes.
    static func start(book: PriceBook) throws -> (LocalHTTPServer, Int) {
        var router = HTTPRouter()
        try api(book: book).register(on: &router)
        let server = LocalHTTPServer(configuration: .init(port: 0), router: router, logger: HTTPServerTests.logger)
        return (server, try server.start())
    }

    @Test func aKnownFeedBeforeTheFirstTickHasNoFigures() async throws {
        let (server, port) = try Self.start(book: PriceBook(strategies: [Self.strategy]))
        defer { server.stop() }
        let response = try await onOwnThread { try HTTPTestClient(port: port).get("/api/prices/WETH%2FUSDC") }
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "application/json")
        let body = try JSONValue.parse(response.body)
        #expect(body["feed"] == "WETH/USDC")
        #expect(body["feedId"] == "0x574554482f555344430000000000000000000000000000000000000000000000")
        #expect(body["lastComputed"] == .null)
        #expect(body["lastPushed"] == .null)
    }

    @Test func pricesShowTheLastComputedAndTheLastPushedPrice() async throws {
        let book = PriceBook(strategies: [Self.strategy])
        book.record(Self.observation())
        let (server, port) = try Self.start(book: book)
        defer { server.stop() }
        let body = try JSONValue.parse(try await onOwnThread { try HTTPTestClient(port: port).get("/api/prices/WETH%2FUSDC") }.body)
        let computed = try #require(body["lastComputed"])
        let expected = try #require(OracleLibrary.price(
            atTick: 200_311, baseToken: Self.weth, baseDecimals: 18, quoteToken: Self.usdc, quoteDecimals: 6, outputDecimals: 18))
        #expect(computed["price"] == .string(expected.decimalString))
        #expect(computed["priceDecimal"]?.stringValue?.hasPrefix("2000.") == true)
        #expect(computed["block"] == .number("120"))
        #expect(computed["timestamp"] == .number(String(Self.now)))
        #expect(computed["window"] == .number("1800"))
        #expect(computed["usablePools"] == .number("1"))
        #expect(computed["pools"]?.arrayValue?[0]["meanTick"] == .number("200311"))
        #expect(computed["pools"]?.arrayValue?[1]["refusal"]?.stringValue?.contains("OLD") == true)
        let pushed = try #require(body["lastPushed"])
        #expect(pushed["roundId"] == "3")
        #expect(pushed["priceDecimal"] == "1990")
        #expect(pushed["updatedAt"] == .number(String(Self.now - 590)))
        #expect(pushed["readAtBlock"] == .number("120"))
        #expect(pushed["block"] == .null)

        // The observer found the push that made round 3 on chain: its block and hash appear.
        book.record(Self.observation(block: 121, lastPush: .init(block: 118, transactionHash: [UInt8](repeating: 0xab, count: 32))))
        let after = try JSONValue.parse(try await onOwnThread { try HTTPTestClient(port: port).get("/api/prices/WETH%2FUSDC") }.body)
        #expect(after["lastPushed"]?["block"] == .number("118"))
        #expect(after["lastPushed"]?["transactionHash"] == .string("0x" + String(repeating: "ab", count: 32)))
        // ... and it stays with the round through a tick whose lookup failed.
        book.record(Self.observation(block: 122))
        #expect(book.entry("WETH/USDC")?.lastPushed?.block == 118)
        #expect(book.entry("WETH/USDC")?.lastPushed?.readAtBlock == 122)
    }

    /// `/api/prices` answers on the connection thread, so it is tested through the server.
    @Test(arguments: [
        ("/api/prices/BTC%2FUSD", 404, "unknown feed 'BTC/USD'; known feeds: WETH/USDC"),
        ("/api/prices/WETH/USDC", 404, "no route"),  // an unencoded '/' is another path
    ])
    func priceErrorsAreJSONWithTheRightStatus(path: String, status: Int, message: String) async throws {
        let (server, port) = try Self.start(book: PriceBook(strategies: [Self.strategy]))
        defer { server.stop() }
        let response = try await onOwnThread { try HTTPTestClient(port: port).get(path) }
        #expect(response.status == status)
        let error = try JSONValue.parse(response.body)["error"]?.stringValue
        #expect(error?.lowercased().contains(message.lowercased()) == true, "\(String(describing: error))")
    }

    /// `/api/twap` runs as an async handler; its answers are checked on the handler itself, so
    /// the test does not depend on a free cooperative thread while other suites block theirs
    /// (the route and the %2F decoding are the router's, tested in HTTPServerTests).
    @Test(arguments: [
        ("BTC/USD", "1800", 404, "unknown feed"),
        ("WETH/USDC", "0", 400, "is not a whole number of seconds from 1 to 777600"),
        ("WETH/USDC", "-5", 400, "window '-5'"),
        ("WETH/USDC", "1e3", 400, "window '1e3'"),
        ("WETH/USDC", "777601", 400, "777600"),
        ("WETH/USDC", "1800", 502, "reading the chain failed"),
    ])
    func twapErrorsAreJSONWithTheRightStatus(feed: String, window: String, status: Int, message: String) async throws {
        let api = try Self.api(book: PriceBook(strategies: [Self.strategy]))
        let response = await api.twap(feed: feed, window: window)
        #expect(response.status.code == status)
        #expect(response.headers["Content-Type"] == "application/json")
        let error = try JSONValue.parse(response.body)["error"]?.stringValue
        #expect(error?.lowercased().contains(message.lowercased()) == true, "\(String(describing: error))")
    }

    @Test func theBookIsSafeToReadWhileTicksWrite() async {
        let book = PriceBook(strategies: [Self.strategy])
        await withTaskGroup(of: Void.self) { group in
            for block in UInt64(1)...50 {
                group.addTask { book.record(Self.observation(block: block)) }
                group.addTask { _ = book.entry("WETH/USDC") }
            }
        }
        #expect(book.entry("WETH/USDC")?.lastComputed != nil)
        #expect(book.feeds == ["WETH/USDC"])
    }
}
