// Oracle and strategy math benchmarks. Run: swift run -c release oracle-bench [filter]
// One thread: the figures are per core.
import BenchmarkKit
import EVM
import Oracle
import Strategies


/// Deterministic generator (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

// 10,000 positions of 2-4 reserves each, stored flat: a position is a slice of `reserves`.
var rng = SplitMix(state: 1)
let assets: [(decimals: Int, price: UInt64, lt: UInt16, ltv: UInt16)] = [
    (18, 2_000_0000_0000, 8250, 8000), (6, 1_0000_0000, 8600, 7700), (8, 30_000_0000_0000, 7000, 6500),
    (18, 1_0000_0000, 8000, 7500), (18, 15_0000_0000, 6500, 5000),
]
var reserves: [AaveAccount.Reserve] = []
var positions: [Range<Int>] = []
let wei18 = U256(1_000_000_000_000_000_000)
for _ in 0..<10_000 {
    let start = reserves.count
    let count = Int.random(in: 2...4, using: &rng)
    for (k, i) in Array(0..<assets.count).shuffled(using: &rng).prefix(count).enumerated() {
        let a = assets[i]
        let unit = U256.pow10(a.decimals)!
        let whole = U256(UInt64.random(in: 1...1_000_000, using: &rng))
        let isDebt = k == 0 || Bool.random(using: &rng)
        let amount = whole * unit / U256(UInt64.random(in: 1...1000, using: &rng))
        reserves.append(AaveAccount.Reserve(
            asset: .zero, decimals: a.decimals, price: U256(a.price), liquidationThreshold: a.lt, ltv: a.ltv,
            usageAsCollateralEnabled: !isDebt || k > 1, collateralBalance: isDebt ? .zero : amount,
            debtBalance: isDebt ? amount / U256(3) : .zero)!)
    }
    positions.append(start..<reserves.count)
}
_ = wei18

// Health factors: every position once per body call.
var sink = U256.zero
run("aave health factor (10k positions, 2-4 reserves)", unit: "HF/s", batch: positions.count) {
    let span = reserves.span
    for p in positions {
        if let data = AaveAccount.accountData(span.extracting(p)) { sink = sink ^ data.healthFactor }
    }
}

// The same from scaled balances: current balances by rayMul with the reserve indexes first.
let index = U256(decimal: "1034567890123456789012345678")!
var scaledReserves = reserves
run("aave health factor incl. scaled x index (rayMul)", unit: "HF/s", batch: positions.count) {
    for i in scaledReserves.indices {
        let r = reserves[i]
        scaledReserves[i].collateralBalance = AaveAccount.currentCollateral(scaled: r.collateralBalance, normalizedIncome: index)!
        scaledReserves[i].debtBalance = AaveAccount.currentDebt(scaled: r.debtBalance, normalizedDebt: index)!
    }
    let span = scaledReserves.span
    for p in positions {
        if let data = AaveAccount.accountData(span.extracting(p)) { sink = sink ^ data.healthFactor }
    }
}

// Repay sizing: positions pushed below the trigger, sized to a 1.5 target.
var requests: [RepaySizing.Request] = []
for p in positions.prefix(2_000) {
    let rs = Array(reserves[p])
    guard let d = rs.firstIndex(where: { !$0.debtBalance.isZero }),
          let c = rs.firstIndex(where: { !$0.collateralBalance.isZero && $0.usageAsCollateralEnabled }),
          let hf = AaveAccount.accountData(rs)?.healthFactor, hf < U256(1_300_000_000_000_000_000)
    else { continue }
    requests.append(RepaySizing.Request(
        reserves: rs, debtReserve: d, collateralReserve: c, targetHealthFactor: U256(1_500_000_000_000_000_000),
        cost: .flashLoanSwap(premiumBps: 5, slippageBps: 30)))
}
var repaid = 0
run("repay sizing (exact, \(requests.count) positions below 1.3)", unit: "sizings/s", batch: requests.count) {
    for r in requests {
        if case .repay = RepaySizing.size(r) { repaid &+= 1 }
    }
}

// TWAP pieces.
var tick: Int32 = -887_272
run("tickmath getSqrtRatioAtTick") {
    tick = tick == 887_272 ? -887_272 : tick + 1
    sink = sink ^ TickMath.sqrtRatio(atTick: tick)!
}
let price = TickMath.sqrtRatio(atTick: 123_456)!
run("tickmath getTickAtSqrtRatio") { blackHole(TickMath.tick(atSqrtRatio: price)) }

blackHole(sink)
blackHole(repaid)
