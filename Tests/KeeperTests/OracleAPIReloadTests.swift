import EVM
import Foundation
import Logging
import Oracle
import Strategies
import Testing

@testable import Keeper

/// A config reload swaps the read API's feeds: new feeds answer, removed ones are 404, kept ones
/// keep their figures.
@Suite struct OracleAPIReloadTests {
    typealias Base = OracleAPITests

    /// The test feed again under another name and id (a second feed of the same pools).
    static let otherSpec: TWAPFeedSpec = {
        var spec = Base.spec
        spec.name = "ETH/USD"
        spec.feedID = TWAPFeedSpec.feedID(ascii: "ETH/USD") ?? []
        return spec
    }()

    static func strategy(_ specs: [TWAPFeedSpec]) -> TWAPPushStrategy {
        TWAPPushStrategy(name: "twap-push", config: TWAPPushConfig(
            sinkName: "PriceFeedSink", sink: Base.sink,
            feeds: specs.map { TWAPPushConfig.Feed(spec: $0, deviationBps: 50, heartbeatSeconds: 3600) }))
    }

    @Test func aReloadAddsAndRemovesFeedsAndKeepsTheFiguresOfThoseThatStay() async throws {
        let book = PriceBook(strategies: [Self.strategy([Base.spec])])
        let api = try Base.api(book: book)
        book.record(Base.observation(block: 120))
        #expect(api.prices(feed: "ETH/USD").status.code == 404)
        #expect(await api.twap(feed: "ETH/USD", window: "0").status.code == 404)

        // Reload 1: a second feed is added; the first keeps what the last tick computed.
        api.configure(strategies: [Self.strategy([Base.spec, Self.otherSpec])])
        let added = api.prices(feed: "ETH/USD")
        #expect(added.status.code == 200)
        #expect(try JSONValue.parse(added.body)["lastComputed"] == .null)
        #expect(book.entry("WETH/USDC")?.lastComputed?.block == 120)
        // The on-demand route knows it too (a bad window is checked after the feed is found).
        #expect(await api.twap(feed: "ETH/USD", window: "0").status.code == 400)

        // Reload 2: the first feed is gone from both routes.
        api.configure(strategies: [Self.strategy([Self.otherSpec])])
        #expect(api.prices(feed: "WETH/USDC").status.code == 404)
        #expect(await api.twap(feed: "WETH/USDC", window: "1800").status.code == 404)
        #expect(book.feeds == ["ETH/USD"])
        // A tick that observed with the old config (in flight during the reload) does not bring it back.
        book.record(Base.observation(block: 121))
        #expect(book.feeds == ["ETH/USD"])
        #expect(book.entry("WETH/USDC") == nil)
    }

    @Test func aFeedWhoseIdChangesLosesTheOldFigures() throws {
        let book = PriceBook(strategies: [Self.strategy([Base.spec])])
        book.record(Base.observation(block: 120))
        var renamed = Base.spec
        renamed.feedID = TWAPFeedSpec.feedID(ascii: "WETH/USDC.v2") ?? []
        book.configure(strategies: [Self.strategy([renamed])])
        let entry = try #require(book.entry("WETH/USDC"))
        #expect(entry.feedID == renamed.feedID)
        #expect(entry.lastComputed == nil)
        #expect(entry.lastPushed == nil)
    }

    /// The whole path: `KeeperApp.reload()` re-reads the file and the HTTP API follows.
    @Test func keeperReloadSwapsTheFeedsOfTheReadAPI() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("oracle-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("keeper.toml").path
        func write(feeds: [String]) throws {
            var text = """
                chain_id = 31337
                [rpc]
                endpoints = [{ name = "devnet", url = "http://127.0.0.1:1/" }]
                [signer]
                account = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
                [http]
                listen = "127.0.0.1:0"
                [strategies.twap]
                kind = "twap-push"
                sink = "0x0000000000000000000000000000000000005005"

                """
            for feed in feeds {
                text += """
                    [[strategies.twap.feeds]]
                    id = "\(feed)"
                    base = "0x0000000000000000000000000000000000002002"
                    quote = "0x0000000000000000000000000000000000001001"
                    pools = ["0x00000000000000000000000000000000000000a1"]

                    """
            }
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }
        try write(feeds: ["WETH/USDC"])
        let config = try KeeperConfig.load(path: path, kinds: .of([TWAPPushKind.self]))
        let app = try await KeeperApp.make(
            config: config, kinds: .of([TWAPPushKind.self]), mode: .dryRun, signer: nil, logger: Logger(label: "test"))
        let api = try #require(app.oracleAPI)
        #expect(api.priceBook.feeds == ["WETH/USDC"])

        try write(feeds: ["WBTC/USDC", "WETH/USDC"])
        await app.reload()
        #expect(api.priceBook.feeds == ["WBTC/USDC", "WETH/USDC"])
        #expect(api.quoter?.feeds == ["WBTC/USDC", "WETH/USDC"])

        try write(feeds: ["WBTC/USDC"])
        await app.reload()
        #expect(api.prices(feed: "WETH/USDC").status.code == 404)
        #expect(api.quoter?.knows("WETH/USDC") == false)
        #expect(api.prices(feed: "WBTC/USDC").status.code == 200)
    }
}
