// Oracle and strategy math benchmarks. Run: swift run -c release oracle-bench [filter]
// One thread: the figures are per core.
import BenchmarkKit
import EVM
import Foundation
import Logging
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

// The aave-protection decision over 10,000 positions (WETH against USDC, indexes at 1 ray),
// about 17% below the 1.10 trigger as in the devnet's aave-N scenarios: every position's
// account-data check, and a repay sizing plus an intent for each one below the trigger.
do {
    let ray = U256(1_000_000_000) * wei18
    func reserveState(_ byte: UInt64, _ symbol: String, _ decimals: Int, _ price: UInt64, _ ltv: UInt16, _ lt: UInt16) -> AaveObservation.ReserveState {
        AaveObservation.ReserveState(
            asset: Address(word: U256(byte)), symbol: symbol, decimals: decimals, ltv: ltv, liquidationThreshold: lt,
            price: U256(price), indexes: AaveReserveIndexes(liquidityIndex: ray, variableBorrowIndex: ray, currentLiquidityRate: .zero,
                                                            currentVariableBorrowRate: .zero, lastUpdateTimestamp: 1),
            normalizedIncome: ray, normalizedDebt: ray)
    }
    let states = [reserveState(0xe1, "WETH", 18, 2_000_0000_0000, 8000, 8250), reserveState(0xe2, "USDC", 6, 1_0000_0000, 7700, 8000)]
    var watched: [AaveObservation.Position] = []
    var below = 0
    for i in 0..<10_000 {
        let weth = U256(UInt64.random(in: 1...100, using: &rng)) * wei18
        let u = Double.random(in: 0..<1, using: &rng)
        let hf = u < 0.17 ? Double.random(in: 1.0..<1.1, using: &rng) : Double.random(in: 1.1..<2.5, using: &rng)
        if hf < 1.1 { below += 1 }
        let debt = U256(UInt64((weth / U256(1_000_000_000_000)).doubleValue * 2000 * 0.825 / hf))
        let rs = [
            AaveAccount.Reserve(asset: states[0].asset, decimals: 18, price: states[0].price, liquidationThreshold: 8250, ltv: 8000,
                                usageAsCollateralEnabled: true, collateralBalance: weth, debtBalance: .zero)!,
            AaveAccount.Reserve(asset: states[1].asset, decimals: 6, price: states[1].price, liquidationThreshold: 8000, ltv: 7700,
                                usageAsCollateralEnabled: false, collateralBalance: .zero, debtBalance: debt)!,
        ]
        let data = AaveAccount.accountData(rs)!
        watched.append(AaveObservation.Position(
            user: Address(word: U256(UInt64(i + 1)) << 64), reserves: rs,
            scaled: [.init(scaledCollateral: weth, scaledDebt: .zero), .init(scaledCollateral: .zero, scaledDebt: debt)],
            reserveIndexes: [0, 1], onChain: data, offChain: data))
    }
    let observation = AaveObservation(
        blockNumber: 1, timestamp: 1, reserves: states, flashLoanPremiumBps: 5, swapSlippageBps: 30,
        gasAssetPrice: states[0].price, positions: watched)
    let config = AaveProtectionConfig(
        pool: .init(name: "Pool", address: Address(word: U256(0xbb))),
        orchestrator: .init(name: "FlashLoanOrchestrator", address: Address(word: U256(0xaa))),
        oracle: .init(name: "PriceOracle", address: Address(word: U256(0xcc))), subgraph: "aave", gasPriceAsset: states[0].asset)
    let strategy = AaveProtectionStrategy(name: "aave", config: config)
    let snapshot = Snapshot(
        chainID: 1, block: BlockHeader(number: 1, hash: [], parentHash: [], timestamp: 1, baseFeePerGas: U256(1_000_000_000),
                                       gasLimit: 30_000_000, gasUsed: 0),
        sections: ["aave": observation])
    var planned = 0
    run("aave-protection decide (10k positions, \(below) below trigger)", unit: "ticks/s") {
        planned &+= strategy.decide(snapshot).intents.count
    }
    blackHole(planned)
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

// The aave-protection tick against a running devnet (scripts/aave-tick-bench starts one with the
// aave-10000 scenario): observe (subgraph discovery, then Multicall3 reads pinned to the head
// block) and decide. Five ticks at the same block; the median is reported.
let tickName = "aave tick on the devnet (observe + decide)"
let variables = ProcessInfo.processInfo.environment
if let port = variables["AAVE_TICK_DEVNET_PORT"], let manifestPath = variables["AAVE_TICK_MANIFEST"],
   benchmarkFilter.map({ tickName.contains($0) }) ?? true
{
    do {
        let manifest = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: manifestPath))))
        func address(_ path: String...) throws -> Address {
            var v: JSONValue? = manifest
            for key in path { v = v?[key] }
            return try Address(v?.stringValue ?? "")
        }
        let url = URL(string: "http://127.0.0.1:\(port)/")!
        let client = JSONRPCClient(endpoints: [RPCEndpoint(name: "devnet", url: url)],
                                   retry: RetryPolicy(maxAttempts: 3, requestTimeout: .seconds(120)))
        let rpc = EthereumRPC(client: client)
        var logger = Logger(label: "oracle-bench")
        logger.logLevel = .warning
        let context = ObservationContext(
            rpc: rpc, multicall: Multicall3(rpc: rpc),
            subgraphs: ["aave": GraphQLClient(name: "aave", url: URL(string: "subgraphs/aave", relativeTo: url)!)], logger: logger)
        guard let head = try await rpc.block(.latest) else { fatalError("the devnet has no head block") }
        // Default: getUserAccountData only below the trigger; then every position compared.
        for checkAll in [false, true] {
            let config = AaveProtectionConfig(
                pool: .init(name: "Pool", address: try address("contracts", "Pool")),
                orchestrator: .init(name: "FlashLoanOrchestrator", address: try address("contracts", "FlashLoanOrchestrator")),
                oracle: .init(name: "PriceOracle", address: try address("contracts", "PriceOracle")),
                swap: .init(name: "OracleSwap", address: try address("contracts", "OracleSwap")), subgraph: "aave",
                gasPriceAsset: try address("contracts", "tokens", "WETH"), checkAllPositions: checkAll)
            let observer = AaveObserver(strategy: "aave", configuration: config.observerConfiguration)
            let strategy = AaveProtectionStrategy(name: "aave", config: config)
            let clock = ContinuousClock()
            var observes: [Duration] = [], decides: [Duration] = []
            var positions = 0, checked = 0, intents = 0, mismatches = 0
            for _ in 0..<5 {
                let t0 = clock.now
                let observation = try await observer.read(at: head, context: context)
                let t1 = clock.now
                let decision = strategy.decide(Snapshot(chainID: 31337, block: head, sections: ["aave": observation]))
                observes.append(t1 - t0)
                decides.append(clock.now - t1)
                positions = observation.positions.count
                checked = observation.positions.count { $0.checked }
                intents = decision.intents.count
                mismatches = observation.positions.count { $0.checked && !$0.matches }
            }
            func ms(_ d: Duration) -> String { String(format: "%.0f ms", Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15) }
            let o = observes.sorted()[2], d = decides.sorted()[2]
            print("\(tickName)\(checkAll ? ", every position checked" : ""): \(positions) positions, \(checked) checked against getUserAccountData, \(mismatches) mismatches, \(intents) intents")
            print("  observe \(ms(o)), decide \(ms(d)), total \(ms(o + d)) (median of 5, discovery reused after the first; first observe \(ms(observes[0])), best \(ms(observes.min()!)))")
        }
    } catch {
        print("\(tickName): failed: \(error)")
    }
}
