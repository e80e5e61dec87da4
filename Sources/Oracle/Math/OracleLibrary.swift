public import EVM

/// Uniswap V3 periphery's `OracleLibrary` arithmetic for TWAPs: the mean tick over a window, the
/// quote at a tick, and the median across pools.
public enum OracleLibrary {
    /// The arithmetic mean tick between two `observe` tick cumulatives `window` seconds apart
    /// (`observe([window, 0])` returns `[start, end]`), as `OracleLibrary.consult`:
    /// `(end - start) / window` rounded toward **negative infinity** (Solidity's division
    /// truncates toward zero, and consult subtracts one for a negative delta with a remainder;
    /// e.g. -3 / 2 = -2, 3 / 2 = 1).
    ///
    /// Nil for a zero window (consult's `'BP'`), when the difference overflows, or when the
    /// mean lies outside [MIN_TICK, MAX_TICK] (consult's `int24` cast would silently wrap; a tick
    /// out of range is refused here instead).
    public static func meanTick(tickCumulativeStart: Int64, tickCumulativeEnd: Int64, window: UInt32) -> Int32? {
        guard window != 0 else { return nil }
        let (delta, overflow) = tickCumulativeEnd.subtractingReportingOverflow(tickCumulativeStart)
        if overflow { return nil }
        let w = Int64(window)
        var mean = delta / w
        if delta < 0 && delta % w != 0 { mean -= 1 }
        guard mean >= Int64(TickMath.minTick), mean <= Int64(TickMath.maxTick) else { return nil }
        return Int32(mean)
    }

    /// `OracleLibrary.getQuoteAtTick`: the amount of `quoteToken` worth `baseAmount` of
    /// `baseToken` at `tick` (token amounts in their smallest units; the pool's price is token1
    /// per token0, and the token sorting lower by address is token0).
    ///
    /// With `r = sqrtRatio(atTick: tick)`: when `r <= 2^128 - 1`, `ratioX192 = r * r` and the quote
    /// is `mulDiv(ratioX192, baseAmount, 2^192)` if base < quote, else
    /// `mulDiv(2^192, baseAmount, ratioX192)`; otherwise `ratioX128 = mulDiv(r, r, 2^64)` and
    /// the same with 2^128. Every `mulDiv` rounds **down** (512-bit intermediate, FullMath).
    ///
    /// Nil when the tick is out of range, `baseAmount` exceeds 2^128 - 1 (Uniswap's `uint128`),
    /// or a `mulDiv` overflows.
    public static func quote(atTick tick: Int32, baseAmount: U256, baseToken: Address, quoteToken: Address) -> U256? {
        guard let sqrtRatio = TickMath.sqrtRatio(atTick: tick), (baseAmount.w2 | baseAmount.w3) == 0 else { return nil }
        let baseIsToken0 = baseToken.bytes.lexicographicallyPrecedes(quoteToken.bytes)
        if (sqrtRatio.w2 | sqrtRatio.w3) == 0 {
            let ratioX192 = sqrtRatio &* sqrtRatio
            let q192 = U256.one << 192
            return baseIsToken0
                ? U256.mulDiv(ratioX192, baseAmount, q192)
                : U256.mulDiv(q192, baseAmount, ratioX192)
        }
        guard let ratioX128 = U256.mulDiv(sqrtRatio, sqrtRatio, U256.one << 64) else { return nil }
        let q128 = U256.one << 128
        return baseIsToken0
            ? U256.mulDiv(ratioX128, baseAmount, q128)
            : U256.mulDiv(q128, baseAmount, ratioX128)
    }

    /// The price of one whole `baseToken` in `quoteToken` at `tick`, scaled to `outputDecimals`:
    /// `quote(atTick:, baseAmount: 10^baseDecimals) * 10^outputDecimals / 10^quoteDecimals`, the
    /// quote rounded down as above and the rescaling rounded **down** (512-bit intermediate).
    /// Nil on a bad tick, decimals above 38 for the base (the amount must fit in 128 bits) or an
    /// overflow.
    public static func price(
        atTick tick: Int32, baseToken: Address, baseDecimals: Int, quoteToken: Address, quoteDecimals: Int,
        outputDecimals: Int
    ) -> U256? {
        guard baseDecimals <= 38, let one = U256.pow10(baseDecimals),
              let q = quote(atTick: tick, baseAmount: one, baseToken: baseToken, quoteToken: quoteToken),
              let outUnit = U256.pow10(outputDecimals), let quoteUnit = U256.pow10(quoteDecimals)
        else { return nil }
        return U256.mulDiv(q, outUnit, quoteUnit)
    }

    /// The median of `values`: the middle value of an odd count; for an even count the mean of
    /// the two middle values rounded **down** (computed without overflow). Nil when empty.
    public static func median(_ values: some Collection<U256>) -> U256? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        if sorted.count % 2 == 1 { return sorted[mid] }
        let a = sorted[mid - 1], b = sorted[mid]
        // floor((a + b) / 2) = (a & b) + ((a ^ b) >> 1): no carry out of 256 bits.
        return (a & b) &+ ((a ^ b) >> 1)
    }
}
