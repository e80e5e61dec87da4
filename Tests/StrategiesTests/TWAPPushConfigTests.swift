import EVM
import Foundation
import Oracle
import Strategies
import TOML
import Testing

@Suite struct TWAPPushConfigTests {
    static let environment = StrategyEnvironment(
        chainID: 31337, account: TWAPFixture.address("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"),
        contracts: ContractDirectory([
            .init(name: "PriceFeedSink", address: TWAPFixture.sink),
            .init(name: "WETH", address: TWAPFixture.high),
            .init(name: "USDC", address: TWAPFixture.low),
            .init(name: "WETH/USDC-500", address: TWAPFixture.poolAddresses[0]),
            .init(name: "WETH/USDC-3000", address: TWAPFixture.poolAddresses[1]),
        ]))

    static let minimal = """
        [strategies.twap-push]
        sink = "PriceFeedSink"

        [[strategies.twap-push.feeds]]
        id = "WETH/USDC"
        base = "WETH"
        quote = "USDC"
        pools = ["WETH/USDC-500", "WETH/USDC-3000", "0x70000000000000000000000000000000000000a3"]
        """

    static func table(_ text: String) throws -> TOML.Table {
        try TOML.parse(text, file: "keeper.toml").table("strategies").table("twap-push")
    }

    @Test func defaultsAndNamesResolve() throws {
        let config = try TWAPPushConfig(table: try Self.table(Self.minimal), environment: Self.environment)
        #expect(config.sink == TWAPFixture.sink)
        #expect(config.sinkName == "PriceFeedSink")
        let feed = try #require(config.feeds.first)
        #expect(feed.deviationBps == 50)
        #expect(feed.heartbeatSeconds == 3600)
        #expect(feed.minPools == 1)
        #expect(feed.retryAfterSeconds == 600)
        #expect(feed.spec.window == 1800)
        #expect(feed.spec.outputDecimals == 18)
        #expect(feed.spec.feedID == Array("WETH/USDC".utf8) + [UInt8](repeating: 0, count: 23))
        #expect(feed.spec.base == TWAPToken(name: "WETH", address: TWAPFixture.high, decimals: nil))
        #expect(feed.spec.pools.map(\.address) == Array(TWAPFixture.poolAddresses.prefix(3)))
    }

    @Test func feedsOverrideTheDefaults() throws {
        let text = """
            [strategies.twap-push]
            sink = "PriceFeedSink"
            window_seconds = 600
            deviation_bps = 100
            heartbeat_seconds = 86400

            [[strategies.twap-push.feeds]]
            id = "WETH/USDC"
            base = "WETH"
            quote = "USDC"
            base_decimals = 18
            quote_decimals = 6
            pools = ["WETH/USDC-500"]
            deviation_bps = 25
            output_decimals = 8
            """
        let config = try TWAPPushConfig(table: try Self.table(text), environment: Self.environment)
        let feed = try #require(config.feeds.first)
        #expect(feed.deviationBps == 25)
        #expect(feed.heartbeatSeconds == 86_400)
        #expect(feed.spec.window == 600)
        #expect(feed.spec.outputDecimals == 8)
        #expect(feed.spec.quote.decimals == 6)
    }

    @Test func theKindBuildsTheObserverAndTheStrategy() throws {
        let (observer, strategy) = try TWAPPushKind.make(name: "prices", table: try Self.table(Self.minimal), environment: Self.environment)
        #expect(TWAPPushKind.kind == "twap-push")
        #expect(observer.strategy == "prices")
        #expect(strategy.name == "prices")
        #expect((observer as? TWAPObserver)?.feeds.count == 1)
    }

    @Test(arguments: [
        ("an unknown contract name", "base = \"WETH\"", "base = \"WBTC\"", "names the contract 'WBTC', which is not in [contracts]"),
        ("a misspelt key in a feed", "quote = \"USDC\"", "quote = \"USDC\"\nheartbeat = 60", "unknown key 'heartbeat'"),
        ("a feed id longer than 31 bytes", "id = \"WETH/USDC\"", "id = \"WETH/USDC-and-a-very-long-suffix-x\"", "cannot be a bytes32 feed id"),
        ("a pool listed twice", "pools = [\"WETH/USDC-500\", \"WETH/USDC-3000\", \"0x70000000000000000000000000000000000000a3\"]",
         "pools = [\"WETH/USDC-500\", \"0x70000000000000000000000000000000000000a1\"]", "twice"),
        ("base equals quote", "quote = \"USDC\"", "quote = \"WETH\"", "is the same token as base"),
        ("a zero deviation", "sink = \"PriceFeedSink\"", "sink = \"PriceFeedSink\"\ndeviation_bps = 0", "expected an integer from 1 to 10000"),
        ("a window too long", "sink = \"PriceFeedSink\"", "sink = \"PriceFeedSink\"\nwindow_seconds = 10000000", "expected an integer from 1 to 777600"),
        ("min_pools above the pools", "quote = \"USDC\"", "quote = \"USDC\"\nmin_pools = 4", "has only 3 pool(s)"),
        ("a bad feed_id", "quote = \"USDC\"", "quote = \"USDC\"\nfeed_id = \"0x12\"", "expected a 0x-prefixed bytes32"),
    ])
    func badConfigIsRefusedWithTheKey(name: String, replace: String, with: String, message: String) throws {
        let text = Self.minimal.replacingOccurrences(of: replace, with: with)
        #expect(text != Self.minimal, "\(name): the edit did not apply")
        let table = try Self.table(text)
        let error = #expect(throws: TOMLError.self) { try TWAPPushConfig(table: table, environment: Self.environment) }
        #expect(error?.description.contains(message) == true, "\(name): \(String(describing: error))")
        #expect(error?.line != nil)
    }

    @Test func noFeedsIsRefused() throws {
        let table = try Self.table("[strategies.twap-push]\nsink = \"PriceFeedSink\"\nfeeds = []\n")
        #expect(throws: TOMLError.self) { try TWAPPushConfig(table: table, environment: Self.environment) }
    }
}
