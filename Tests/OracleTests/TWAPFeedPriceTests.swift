import EVM
import Oracle
import Testing

/// The pure half of the TWAP observer: feed ids, the per-pool price and the median.
@Suite struct TWAPFeedPriceTests {
    static let usdc = Address(word: U256(0x1001))
    static let weth = Address(word: U256(0x2002))

    static func feed(readings: [TWAPObservation.Reading], decimals: (Int?, Int?) = (18, 6)) -> TWAPObservation.Feed {
        let spec = TWAPFeedSpec(
            name: "WETH/USDC", feedID: TWAPFeedSpec.feedID(ascii: "WETH/USDC") ?? [],
            base: TWAPToken(name: "WETH", address: weth), quote: TWAPToken(name: "USDC", address: usdc),
            pools: readings.indices.map { TWAPPoolSpec(name: "p\($0)", address: Address(word: U256(UInt64(0xA0 + $0)))) },
            window: 600, outputDecimals: 18)
        let pools = zip(spec.pools, readings).map {
            TWAPObservation.Pool(spec: $0.0, window: 600, token0: usdc, token1: weth, reading: $0.1)
        }
        return TWAPObservation.Feed(spec: spec, baseDecimals: decimals.0, quoteDecimals: decimals.1, pools: pools, lastRound: nil)
    }

    @Test func feedIDsAreASCIILeftAlignedAndZeroPadded() {
        // The devnet manifest's feedId for WETH/USDC.
        #expect(TWAPFeedSpec.feedID(ascii: "WETH/USDC").map { Hex.encode($0) }
            == "0x574554482f555344430000000000000000000000000000000000000000000000")
        #expect(TWAPFeedSpec.feedID(ascii: String(repeating: "a", count: 31))?.last == 0)
        #expect(TWAPFeedSpec.feedID(ascii: String(repeating: "a", count: 32)) == nil)
        #expect(TWAPFeedSpec.feedID(ascii: "") == nil)
        #expect(TWAPFeedSpec.feedID(ascii: "ETH–USD") == nil)  // an en dash is not ASCII
    }

    @Test func theMeanTickRoundsDownAndTheMedianOfTwoIsTheirFloorMean() throws {
        // -1 over 600 s: mean tick -1 (toward negative infinity), not 0.
        let price = TWAPFeedPrice.compute(Self.feed(readings: [
            .cumulatives(start: 1000, end: 999), .cumulatives(start: 0, end: 600 * 10),
        ], decimals: (6, 6)))
        #expect(price.pools.map(\.meanTick) == [-1, 10])
        let a = try #require(price.pools[0].price)
        let b = try #require(price.pools[1].price)
        #expect(price.price == (a + b) / U256(2))
        #expect(price.usablePools.count == 2)
    }

    @Test func refusalsSayWhy() {
        let price = TWAPFeedPrice.compute(Self.feed(readings: [.historyTooShort, .failed("observe reverted: I")]))
        #expect(price.price == nil)
        #expect(price.pools[0].refusal?.contains("younger than the 600 s window") == true)
        #expect(price.pools[1].refusal == "observe failed: observe reverted: I")

        let noDecimals = TWAPFeedPrice.compute(Self.feed(readings: [.cumulatives(start: 0, end: 0)], decimals: (18, nil)))
        #expect(noDecimals.pools[0].refusal == "the decimals of USDC could not be read")

        let outOfRange = TWAPFeedPrice.compute(Self.feed(readings: [.cumulatives(start: 0, end: 600 * 900_000)]))
        #expect(outOfRange.pools[0].refusal?.contains("give no valid mean tick") == true)
    }

    @Test(arguments: [
        (U256(2_012_345), 3, 0, nil as Int?, "2012.345"),
        (U256(2_012_345), 3, 2, 2, "2012.34"),
        (U256(5), 3, 0, nil, "0.005"),
        (U256(5_000), 3, 0, nil, "5"),
        (U256(5_000), 3, 2, nil, "5.00"),
        (U256.zero, 18, 0, nil, "0"),
        (U256(7), 0, 0, nil, "7"),
    ])
    func format(value: U256, decimals: Int, minFraction: Int, maxFraction: Int?, expected: String) {
        #expect(TWAPFeedPrice.format(value, decimals: decimals, minFraction: minFraction, maxFraction: maxFraction) == expected)
    }
}
