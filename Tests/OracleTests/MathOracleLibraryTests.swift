import BigInt
import EVM
import EVMTestKit
import Oracle
import Testing

@Suite struct MathOracleLibraryTests {
    @Test(arguments: [
        (Int64(0), Int64(-3), UInt32(2), Int32(-2)),  // -1.5 -> -2 (toward negative infinity)
        (Int64(0), Int64(3), UInt32(2), Int32(1)),  // 1.5 -> 1
        (Int64(0), Int64(-4), UInt32(2), Int32(-2)),  // exact
        (Int64(100), Int64(97), UInt32(2), Int32(-2)),
        (Int64(-10), Int64(-10), UInt32(60), Int32(0)),
        (Int64(0), Int64(-1), UInt32(60), Int32(-1)),
        (Int64(0), Int64(59), UInt32(60), Int32(0)),
        (Int64(1_000_000), Int64(1_000_000 + 887_272 * 600), UInt32(600), Int32(887_272)),
    ])
    func meanTickRoundsTowardNegativeInfinity(start: Int64, end: Int64, window: UInt32, expected: Int32) {
        #expect(OracleLibrary.meanTick(tickCumulativeStart: start, tickCumulativeEnd: end, window: window) == expected)
    }

    @Test func meanTickRefusesBadInput() {
        #expect(OracleLibrary.meanTick(tickCumulativeStart: 0, tickCumulativeEnd: 10, window: 0) == nil)
        #expect(OracleLibrary.meanTick(tickCumulativeStart: 0, tickCumulativeEnd: 887_273, window: 1) == nil)
        #expect(OracleLibrary.meanTick(tickCumulativeStart: Int64.min, tickCumulativeEnd: 1, window: 1) == nil)
    }

    static let token0 = try! Address("0x1000000000000000000000000000000000000000")
    static let token1 = try! Address("0x2000000000000000000000000000000000000000")

    @Test func quoteAtTickZeroIsOneToOne() {
        let amount = U256(1_000_000)
        #expect(OracleLibrary.quote(atTick: 0, baseAmount: amount, baseToken: Self.token0, quoteToken: Self.token1) == amount)
        #expect(OracleLibrary.quote(atTick: 0, baseAmount: amount, baseToken: Self.token1, quoteToken: Self.token0) == amount)
        #expect(OracleLibrary.quote(atTick: 0, baseAmount: U256.one << 128, baseToken: Self.token0, quoteToken: Self.token1) == nil)
        #expect(OracleLibrary.quote(atTick: 887_273, baseAmount: amount, baseToken: Self.token0, quoteToken: Self.token1) == nil)
    }

    /// Both branches (sqrtRatio below and above 2^128) and both token orders against BigInt.
    @Test func quoteMatchesBigInt() {
        var rng = SeededGenerator(seed: 99)
        for i in 0..<3000 {
            let tick = Int32.random(in: TickMath.minTick...TickMath.maxTick, using: &rng)
            let amount = Big.random(bits: 0...128, using: &rng)
            let baseIsToken0 = i % 2 == 0
            let (base, quote) = baseIsToken0 ? (Self.token0, Self.token1) : (Self.token1, Self.token0)
            let r = Big.of(TickMath.sqrtRatio(atTick: tick)!)
            let A = Big.of(amount)
            var expected: BigUInt
            if r <= (BigUInt(1) << 128) - 1 {
                let x192 = r * r
                expected = baseIsToken0 ? x192 * A / (BigUInt(1) << 192) : (BigUInt(1) << 192) * A / x192
            } else {
                let x128 = r * r / (BigUInt(1) << 64)
                expected = baseIsToken0 ? x128 * A / (BigUInt(1) << 128) : (BigUInt(1) << 128) * A / x128
            }
            let got = OracleLibrary.quote(atTick: tick, baseAmount: amount, baseToken: base, quoteToken: quote)
            #expect(got.map(Big.of) == (expected <= Big.max ? expected : nil), "tick \(tick)")
        }
    }

    /// 1 WETH (18 decimals, token1) in USDC (6 decimals, token0) at a tick near $2000.
    @Test func priceWithDecimals() throws {
        let usdc = Self.token0, weth = Self.token1
        // price token1/token0 (WETH per USDC, raw units) = 1e18 / 2000e6 = 5e8 = 1.0001^tick -> tick ~ 200311.
        let tick: Int32 = 200_311
        let p = try #require(OracleLibrary.price(
            atTick: tick, baseToken: weth, baseDecimals: 18, quoteToken: usdc, quoteDecimals: 6, outputDecimals: 8))
        let q = try #require(OracleLibrary.quote(atTick: tick, baseAmount: U256.pow10(18)!, baseToken: weth, quoteToken: usdc))
        #expect(p == q * U256(100))
        #expect(p > U256(1_999 * 100_000_000) && p < U256(2_001 * 100_000_000))
    }

    @Test func median() {
        #expect(OracleLibrary.median([U256]()) == nil)
        #expect(OracleLibrary.median([U256(5)]) == U256(5))
        #expect(OracleLibrary.median([U256(9), U256(1), U256(5)]) == U256(5))
        #expect(OracleLibrary.median([U256(4), U256(1), U256(9), U256(6)]) == U256(5))  // (4 + 6) / 2
        #expect(OracleLibrary.median([U256(4), U256(7)]) == U256(5))  // 5.5 rounded down
        #expect(OracleLibrary.median([U256.max, U256.max - .one]) == U256.max - .one)  // no overflow
    }
}
