import BigInt
import EVM
import EVMTestKit
import Oracle
import Testing

/// Aave V3.0 account data: hand-computed positions, and random positions against an independent
/// BigInt transcription of GenericLogic.calculateUserAccountData.
@Suite struct MathHealthFactorTests {
    static let weth = try! Address("0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2")
    static let usdc = try! Address("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48")
    static let wbtc = try! Address("0x2260fac5e5542a773aa44fbcfedf7c193bc2c599")

    static func reserve(
        _ asset: Address, _ decimals: Int, price: UInt64, lt: UInt16, ltv: UInt16, collateral: String = "0",
        debt: String = "0", enabled: Bool = true
    ) -> AaveAccount.Reserve {
        AaveAccount.Reserve(
            asset: asset, decimals: decimals, price: U256(price), liquidationThreshold: lt, ltv: ltv,
            usageAsCollateralEnabled: enabled, collateralBalance: U256(decimal: collateral)!,
            debtBalance: U256(decimal: debt)!)!
    }

    /// 10 WETH at $2000 (LT 82.50%, LTV 80%) against 12,000 USDC of debt.
    /// collateral = 10e18 * 2000e8 / 1e18 = 2e12; debt = 1e8 * 12000e6 / 1e6 = 1.2e12;
    /// HF = wadDiv(percentMul(2e12, 8250), 1.2e12) = wadDiv(1.65e12, 1.2e12) = 1.375e18;
    /// available = percentMul(2e12, 8000) - 1.2e12 = 4e11.
    @Test func singleCollateral() throws {
        let data = try #require(AaveAccount.accountData([
            Self.reserve(Self.weth, 18, price: 2000_0000_0000, lt: 8250, ltv: 8000, collateral: "10000000000000000000"),
            Self.reserve(Self.usdc, 6, price: 1_0000_0000, lt: 8600, ltv: 7700, debt: "12000000000"),
        ]))
        #expect(data.totalCollateralBase == U256(2_000_000_000_000))
        #expect(data.totalDebtBase == U256(1_200_000_000_000))
        #expect(data.currentLiquidationThreshold == U256(8250))
        #expect(data.ltv == U256(8000))
        #expect(data.healthFactor == U256(1_375_000_000_000_000_000))
        #expect(data.availableBorrowsBase == U256(400_000_000_000))
        #expect(!data.hasZeroLtvCollateral)
    }

    /// Two collaterals: the average threshold is floored to whole bps.
    /// WETH 1.5 at $1999.99999999 -> 1.5e18 * 199999999999 / 1e18 = 299999999998 (floored .5);
    /// WBTC 0.1 (8 dec) at $30000 -> 1e7 * 3e12 / 1e8 = 3e11.
    /// total = 599999999998; avgLt = (299999999998*8250 + 3e11*7000) / total
    ///       = 4574999999983500 / 599999999998 = 7624.999999997..., floored to 7624.
    @Test func averageThresholdIsFloored() throws {
        let data = try #require(AaveAccount.accountData([
            Self.reserve(Self.weth, 18, price: 199_999_999_999, lt: 8250, ltv: 8000, collateral: "1500000000000000000"),
            Self.reserve(Self.wbtc, 8, price: 3_000_000_000_000, lt: 7000, ltv: 0, collateral: "10000000"),
            Self.reserve(Self.usdc, 6, price: 100_000_000, lt: 8600, ltv: 7700, debt: "4000000000"),
        ]))
        let total = BigUInt(299_999_999_998) + BigUInt(300_000_000_000)
        let weighted = BigUInt(299_999_999_998) * 8250 + BigUInt(300_000_000_000) * 7000
        #expect(Big.of(data.totalCollateralBase) == total)
        #expect(Big.of(data.currentLiquidationThreshold) == weighted / total)
        #expect(data.currentLiquidationThreshold == U256(7624))  // 7624.9999... floored
        #expect(data.ltv == U256(3999))  // (299999999998*8000) / total = 3999.99.. floored; WBTC has LTV 0
        #expect(data.hasZeroLtvCollateral)
        // HF = wadDiv(percentMul(599999999998, 7624), 4e11)
        let adjusted = (total * 7624 + 5000) / 10_000
        let debt = BigUInt(400_000_000_000)
        #expect(Big.of(data.healthFactor) == (adjusted * BigUInt(10).power(18) + debt / 2) / debt)
    }

    @Test func emptyAndDebtFree() throws {
        #expect(AaveAccount.accountData([]) == .empty)
        let data = try #require(AaveAccount.accountData([
            Self.reserve(Self.weth, 18, price: 2000_0000_0000, lt: 8250, ltv: 8000, collateral: "1000000000000000000"),
        ]))
        #expect(data.healthFactor == U256.max)
        #expect(data.availableBorrowsBase == U256(160_000_000_000))
    }

    @Test func disabledCollateralAndZeroThresholdAreNotCounted() throws {
        let data = try #require(AaveAccount.accountData([
            Self.reserve(Self.weth, 18, price: 2000_0000_0000, lt: 8250, ltv: 8000, collateral: "1000000000000000000", enabled: false),
            Self.reserve(Self.wbtc, 8, price: 3_000_000_000_000, lt: 0, ltv: 0, collateral: "100000000"),
            Self.reserve(Self.usdc, 6, price: 100_000_000, lt: 8600, ltv: 7700, debt: "1"),
        ]))
        #expect(data.totalCollateralBase == .zero)
        #expect(data.totalDebtBase == U256(100))
        #expect(data.healthFactor == .zero)
        #expect(data.currentLiquidationThreshold == .zero)
    }

    @Test func overflowIsNilNotATrap() {
        let huge = AaveAccount.Reserve(
            asset: Self.weth, decimals: 0, price: U256.max, liquidationThreshold: 8000, ltv: 7000,
            usageAsCollateralEnabled: true, collateralBalance: U256(2), debtBalance: .zero)!
        #expect(AaveAccount.accountData([huge]) == nil)
        #expect(AaveAccount.Reserve(
            asset: Self.weth, decimals: 78, price: .one, liquidationThreshold: 1, ltv: 1,
            usageAsCollateralEnabled: true, collateralBalance: .one, debtBalance: .zero) == nil)
    }

    // MARK: - Against an independent BigInt computation

    struct RefReserve {
        var decimals: Int, price: BigUInt, lt: BigUInt, ltv: BigUInt, enabled: Bool, coll: BigUInt, debt: BigUInt
    }

    /// GenericLogic.calculateUserAccountData + calculateAvailableBorrows, transcribed in BigInt.
    static func reference(_ reserves: [RefReserve]) -> (BigUInt, BigUInt, BigUInt, BigUInt, BigUInt, BigUInt)? {
        var tc = BigUInt(0), td = BigUInt(0), ltvSum = BigUInt(0), ltSum = BigUInt(0)
        for r in reserves {
            let unit = BigUInt(10).power(r.decimals)
            if r.enabled && r.lt != 0 {
                let v = r.coll * r.price / unit
                tc += v
                ltvSum += v * r.ltv
                ltSum += v * r.lt
            }
            td += r.price * r.debt / unit
        }
        let avgLtv = tc == 0 ? BigUInt(0) : ltvSum / tc
        let avgLt = tc == 0 ? BigUInt(0) : ltSum / tc
        let adjusted = (tc * avgLt + 5000) / 10_000
        let hf = td == 0 ? Big.max : (adjusted * BigUInt(10).power(18) + td / 2) / td
        let borrowable = (tc * avgLtv + 5000) / 10_000
        let available = borrowable < td ? BigUInt(0) : borrowable - td
        return (tc, td, available, avgLt, avgLtv, hf)
    }

    @Test func randomPositionsMatchBigInt() {
        var rng = SeededGenerator(seed: 2024)
        for _ in 0..<3000 {
            let count = Int.random(in: 1...6, using: &rng)
            var reserves: [AaveAccount.Reserve] = []
            var refs: [RefReserve] = []
            for _ in 0..<count {
                let decimals = [0, 6, 8, 18, 18, 24].randomElement(using: &rng)!
                let price = Big.random(bits: 1...44, using: &rng)
                let lt = UInt16.random(in: 0...10_000, using: &rng)
                let ltv = UInt16.random(in: 0...lt, using: &rng)
                let coll = Big.random(bits: 0...100, using: &rng)
                let debt = Bool.random(using: &rng) ? Big.random(bits: 0...100, using: &rng) : .zero
                let enabled = Int.random(in: 0..<5, using: &rng) != 0
                reserves.append(AaveAccount.Reserve(
                    asset: Address.zero, decimals: decimals, price: price, liquidationThreshold: lt, ltv: ltv,
                    usageAsCollateralEnabled: enabled, collateralBalance: coll, debtBalance: debt)!)
                refs.append(RefReserve(
                    decimals: decimals, price: Big.of(price), lt: BigUInt(lt), ltv: BigUInt(ltv), enabled: enabled,
                    coll: Big.of(coll), debt: Big.of(debt)))
            }
            guard let got = AaveAccount.accountData(reserves), let want = Self.reference(refs) else {
                Issue.record("unexpected overflow")
                continue
            }
            #expect(Big.of(got.totalCollateralBase) == want.0)
            #expect(Big.of(got.totalDebtBase) == want.1)
            #expect(Big.of(got.availableBorrowsBase) == want.2)
            #expect(Big.of(got.currentLiquidationThreshold) == want.3)
            #expect(Big.of(got.ltv) == want.4)
            #expect(Big.of(got.healthFactor) == want.5)
        }
    }

    // MARK: - Indexes

    static let year = BigUInt(365 * 86_400)
    static let R = BigUInt(10).power(27)
    static func rayMul(_ a: BigUInt, _ b: BigUInt) -> BigUInt { (a * b + R / 2) / R }

    @Test func normalizedIndexesMatchMathUtils() throws {
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<2000 {
            let last = UInt64.random(in: 1_600_000_000...1_700_000_000, using: &rng)
            let elapsed = [0, 1, 2, 3, 12, 3600, 86_400 * 400].randomElement(using: &rng)! + UInt64.random(in: 0...5, using: &rng)
            let liqRate = Big.random(bits: 0...90, using: &rng)  // up to ~1.2e27 = 120% a year
            let varRate = Big.random(bits: 0...90, using: &rng)
            let li = Big.of(WadRayMath.ray) + Big.of(Big.random(bits: 0...88, using: &rng))
            let vi = Big.of(WadRayMath.ray) + Big.of(Big.random(bits: 0...88, using: &rng))
            let indexes = AaveReserveIndexes(
                liquidityIndex: Big.u256(li)!, variableBorrowIndex: Big.u256(vi)!, currentLiquidityRate: liqRate,
                currentVariableBorrowRate: varRate, lastUpdateTimestamp: last)
            let now = last + elapsed
            let e = BigUInt(elapsed)
            let (lr, vr) = (Big.of(liqRate), Big.of(varRate))
            let linear = Self.R + lr * e / Self.year
            let expectedIncome = elapsed == 0 ? li : Self.rayMul(linear, li)
            var compounded = Self.R
            if elapsed != 0 {
                let em1 = e - 1, em2 = elapsed > 2 ? e - 2 : BigUInt(0)
                let b2 = Self.rayMul(vr, vr) / (Self.year * Self.year)
                let b3 = Self.rayMul(b2, vr) / Self.year
                compounded = Self.R + vr * e / Self.year + e * em1 * b2 / 2 + e * em1 * em2 * b3 / 6
            }
            let expectedDebt = elapsed == 0 ? vi : Self.rayMul(compounded, vi)
            #expect(indexes.normalizedIncome(at: now).map(Big.of) == expectedIncome)
            #expect(indexes.normalizedVariableDebt(at: now).map(Big.of) == expectedDebt)
        }
        let i = AaveReserveIndexes(
            liquidityIndex: WadRayMath.ray, variableBorrowIndex: WadRayMath.ray, currentLiquidityRate: .one,
            currentVariableBorrowRate: .one, lastUpdateTimestamp: 100)
        #expect(i.normalizedIncome(at: 99) == nil)
        #expect(i.normalizedVariableDebt(at: 99) == nil)
    }

    @Test func reserveFromScaledBalances() throws {
        // 1000 scaled units at an income index of 1.05 ray: 1050; debt 0 stays 0 without rayMul.
        let income = U256(decimal: "1050000000000000000000000000")!
        let r = try #require(AaveAccount.Reserve(
            asset: Self.usdc, decimals: 6, price: U256(100_000_000), liquidationThreshold: 8000, ltv: 7500,
            usageAsCollateralEnabled: true, scaledCollateral: U256(1000), normalizedIncome: income,
            scaledDebt: .zero, normalizedDebt: income))
        #expect(r.collateralBalance == U256(1050))
        #expect(r.debtBalance == .zero)
        // rayMul half up: 3 * 1.5 ray = 4.5 -> 5.
        #expect(AaveAccount.currentDebt(scaled: U256(3), normalizedDebt: U256(decimal: "1500000000000000000000000000")!) == U256(5))
    }
}
