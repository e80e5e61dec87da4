import DevnetTestKit
import EVM
import Foundation
import Keeper
import Logging
import Oracle
import Strategies
import Testing

/// The read API's "last pushed" names the block and transaction of the push that made the sink's
/// round, found on chain by the observer (the sink's `PricePushed` log), for pushes made by
/// anyone: the scenario's own, and one sent after the keeper started watching.
@Suite(.serialized) struct TWAPPushLocatorDevnetTests {
    typealias Setup = TWAPDevnetTests.Setup

    static func observe(_ setup: Setup) async throws -> (BlockHeader, TWAPObservation.Feed, TWAPObservation) {
        let head = try #require(try await setup.rpc.block(.latest))
        let context = ObservationContext(rpc: setup.rpc, multicall: setup.multicall, subgraphs: [:], logger: Logger(label: "test"))
        let observation = try #require(try await setup.observer.observe(at: head, context: context) as? TWAPObservation)
        return (head, try #require(observation.feed(TWAPDevnetTests.feed)), observation)
    }

    @Test func theLastPushIsFoundOnChainWithItsBlockAndTransaction() async throws {
        let setup = try await Setup()
        let sink = setup.strategy.config.sink
        let feedID = try #require(setup.observer.feeds.first?.feedID)

        // The scenario's push (round 1), made before anyone watched: found by bisection.
        let (_, first, _) = try await Self.observe(setup)
        let round1 = try #require(first.lastRound)
        #expect(round1.roundID == U256(1))
        let located1 = try #require(first.lastPush, "the scenario's push was not found")
        let logs = try await setup.rpc.logs(
            address: sink, topics: [TWAPPushLocator.pricePushed.topic0, feedID], from: .earliest, to: .latest)
        let log1 = try #require(logs.first)
        #expect(logs.count == 1)
        #expect(located1.block == log1.blockNumber)
        #expect(located1.transactionHash == log1.transactionHash)
        // The block that mined it carries the round's updatedAt.
        #expect(try await setup.rpc.block(.number(located1.block))?.timestamp == round1.updatedAt)

        // A push sent now (as the keeper's account would): the next observation names its receipt.
        try await setup.advance(60)
        let head = try #require(try await setup.rpc.block(.latest))
        let price = round1.price + U256(1_000_000)
        let data = try TWAPPushStrategy.pushPrice.encodeCall([.fixedBytes(feedID), .uint(price), .uint(U256(head.timestamp))])
        let receipt = try await setup.send(to: sink, data: data, account: 1)
        #expect(receipt.succeeded)
        try await setup.advance(12)  // a block after the push, as a tick would see

        let (after, second, observation) = try await Self.observe(setup)
        #expect(after.number > receipt.blockNumber)
        #expect(second.lastRound?.roundID == U256(2))
        #expect(second.lastRound?.price == price)
        #expect(second.lastPush == TWAPObservation.PushLocation(block: receipt.blockNumber, transactionHash: receipt.transactionHash))

        // The read API shows it with the round's figures.
        let book = PriceBook(strategies: [setup.strategy])
        book.record(Snapshot(chainID: 31337, block: after, sections: [setup.strategy.name: observation]))
        let pushed = try #require(try JSONValue.parse(OracleAPI(priceBook: book, quoter: nil).prices(feed: TWAPDevnetTests.feed).body)["lastPushed"])
        #expect(pushed["roundId"] == "2")
        #expect(pushed["block"] == .number(String(receipt.blockNumber)))
        #expect(pushed["transactionHash"] == .string(Hex.encode(receipt.transactionHash)))
        #expect(pushed["readAtBlock"] == .number(String(after.number)))

        // Located once: the same round at a later block is answered from memory, unchanged.
        try await setup.advance(12)
        let (_, third, _) = try await Self.observe(setup)
        #expect(third.lastPush == second.lastPush)
    }
}
