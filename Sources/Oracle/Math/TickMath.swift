public import EVM
import Foundation

/// Uniswap V3's `TickMath`: the price at a tick, `sqrt(1.0001^tick) * 2^96` as a Q64.96 number,
/// and the tick of a price.
///
/// ``sqrtRatio(atTick:)`` is bit-exact with `TickMath.getSqrtRatioAtTick`: the product of the
/// same 128-bit constants for the set bits of |tick| (each product shifted right by 128, i.e.
/// rounded down), inverted as `(2^256 - 1) / ratio` for a positive tick (rounded down), then
/// converted from Q128.128 to Q64.96 by a division by 2^32 rounded **up**.
///
/// ``tick(atSqrtRatio:)`` returns what `TickMath.getTickAtSqrtRatio` is specified to return: the
/// greatest tick whose ``sqrtRatio(atTick:)`` is at most the input. It finds it from a
/// floating-point estimate corrected by exact comparisons with ``sqrtRatio(atTick:)``, so the
/// result does not depend on the estimate's accuracy.
///
/// Where Uniswap reverts these return nil: `'T'` for |tick| > 887272, `'R'` for a price outside
/// [MIN_SQRT_RATIO, MAX_SQRT_RATIO).
public enum TickMath {
    /// The smallest tick, log base 1.0001 of 2^-128 (Uniswap's `MIN_TICK`).
    public static let minTick: Int32 = -887_272
    /// The largest tick (`MAX_TICK = -MIN_TICK`).
    public static let maxTick: Int32 = 887_272
    /// `sqrtRatio(atTick: minTick)`, 4295128739.
    @inlinable public static var minSqrtRatio: U256 { U256(4_295_128_739) }
    /// `sqrtRatio(atTick: maxTick)`, 1461446703485210103287273052203988822378723970342.
    @inlinable public static var maxSqrtRatio: U256 {
        U256(w0: 0x5d95_1d52_6398_8d26, w1: 0xefd1_fc6a_5064_8849, w2: 0xfffd_8963, w3: 0)
    }

    /// `2^128 / sqrt(1.0001)^(2^k)` in Q128.128 for k = 1...19 (bit k of |tick|), from
    /// TickMath.sol; bit 0 selects between `oddStart` and 2^128.
    private static let factors: [U256] = [
        U256(w0: 0x59a4_6990_580e_213a, w1: 0xfff9_7272_373d_4132, w2: 0, w3: 0),
        U256(w0: 0xef12_357c_f3c7_fdcc, w1: 0xfff2_e50f_5f65_6932, w2: 0, w3: 0),
        U256(w0: 0x1c36_24ea_a094_1cd0, w1: 0xffe5_caca_7e10_e4e6, w2: 0, w3: 0),
        U256(w0: 0xc9db_5883_5c92_6644, w1: 0xffcb_9843_d60f_6159, w2: 0, w3: 0),
        U256(w0: 0x472e_6896_dfb2_54c0, w1: 0xff97_3b41_fa98_c081, w2: 0, w3: 0),
        U256(w0: 0x43ec_78b3_26b5_2861, w1: 0xff2e_a164_66c9_6a38, w2: 0, w3: 0),
        U256(w0: 0x11c4_61f1_969c_3053, w1: 0xfe5d_ee04_6a99_a2a8, w2: 0, w3: 0),
        U256(w0: 0xdcff_c83b_479a_a3a4, w1: 0xfcbe_86c7_900a_88ae, w2: 0, w3: 0),
        U256(w0: 0x6f2b_074c_f781_5e54, w1: 0xf987_a725_3ac4_1317, w2: 0, w3: 0),
        U256(w0: 0x940c_7a39_8e4b_70f3, w1: 0xf339_2b08_22b7_0005, w2: 0, w3: 0),
        U256(w0: 0x43b2_9c7f_a6e8_89d9, w1: 0xe715_9475_a2c2_9b74, w2: 0, w3: 0),
        U256(w0: 0x845a_d8f7_92aa_5825, w1: 0xd097_f3bd_fd20_22b8, w2: 0, w3: 0),
        U256(w0: 0x8a65_dc1f_90e0_61e5, w1: 0xa9f7_4646_2d87_0fdf, w2: 0, w3: 0),
        U256(w0: 0x90bb_3df6_2baf_32f7, w1: 0x70d8_69a1_56d2_a1b8, w2: 0, w3: 0),
        U256(w0: 0x8123_1505_542f_cfa6, w1: 0x31be_135f_97d0_8fd9, w2: 0, w3: 0),
        U256(w0: 0xc677_de54_f3e9_9bc9, w1: 0x09aa_508b_5b7a_84e1, w2: 0, w3: 0),
        U256(w0: 0x6699_c329_225e_e604, w1: 0x005d_6af8_dedb_8119, w2: 0, w3: 0),
        U256(w0: 0x1ea9_2604_1bed_fe98, w1: 0x0000_2216_e584_f5fa, w2: 0, w3: 0),
        U256(w0: 0x91f7_dc42_444e_8fa2, w1: 0x0000_0000_048a_1703, w2: 0, w3: 0),
    ]
    private static let oddStart = U256(w0: 0xaa2d_162d_1a59_4001, w1: 0xfffc_b933_bd6f_ad37, w2: 0, w3: 0)

    /// `getSqrtRatioAtTick(tick)`: `sqrt(1.0001^tick) * 2^96`, rounded as described above; nil
    /// (Uniswap's revert `'T'`) when |tick| > 887272.
    public static func sqrtRatio(atTick tick: Int32) -> U256? {
        let absTick = tick.magnitude
        guard absTick <= maxTick.magnitude else { return nil }
        var ratio = absTick & 1 != 0 ? oddStart : U256.one << 128
        for bit in 1..<20 where absTick & (1 << bit) != 0 {
            // ratio <= 2^128 and every factor < 2^128, so the product fits in 256 bits.
            ratio = (ratio &* factors[bit - 1]) >> 128
        }
        if tick > 0 { ratio = U256.max / ratio }
        let roundUp = ratio.w0 & 0xffff_ffff != 0
        return (ratio >> 32) &+ (roundUp ? .one : .zero)
    }

    /// `getTickAtSqrtRatio(sqrtPriceX96)`: the greatest tick whose ``sqrtRatio(atTick:)`` is at
    /// most `sqrtPriceX96`; nil (Uniswap's revert `'R'`) unless
    /// `MIN_SQRT_RATIO <= sqrtPriceX96 < MAX_SQRT_RATIO`.
    public static func tick(atSqrtRatio sqrtPriceX96: U256) -> Int32? {
        guard sqrtPriceX96 >= minSqrtRatio, sqrtPriceX96 < maxSqrtRatio else { return nil }
        // tick = floor(log_1.0001((p / 2^96)^2)); the estimate is within a tick or two.
        let estimate = 2 * (Foundation.log(sqrtPriceX96.doubleValue) - 96 * Foundation.log(2.0)) / Foundation.log(1.0001)
        var tick = Int32(max(Double(minTick), min(Double(maxTick - 1), estimate.rounded(.down))))
        // sqrtRatio is strictly increasing, and defined on the whole range walked here.
        while tick > minTick, sqrtRatio(atTick: tick)! > sqrtPriceX96 { tick -= 1 }
        while tick < maxTick - 1, sqrtRatio(atTick: tick + 1)! <= sqrtPriceX96 { tick += 1 }
        return tick
    }
}
