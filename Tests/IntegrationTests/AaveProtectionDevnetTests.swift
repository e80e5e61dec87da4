import DevnetTestKit
import EVM
import Foundation
import Logging
import Oracle
import Strategies
import TOML
import Testing

/// A devnet with an Aave scenario, and the pieces the keeper would hand the aave-protection
/// strategy: the RPC, Multicall3, the subgraph and the contracts by name.
struct AaveDevnet {
    /// The devnet this test started (nil when it reuses a running one).
    let devnet: Devnet?
    let rpc: EthereumRPC
    let context: ObservationContext
    let environment: StrategyEnvironment
    let manifest: JSONValue

    /// Starts a devnet with `scenario` (off the cooperative pool; see ``Devnet/start``).
    static func start(scenario: String, options: [String: String] = [:]) async throws -> AaveDevnet {
        let devnet = try await Devnet.start(scenario: scenario, options: options, timeout: .seconds(1800))
        return try AaveDevnet(url: devnet.url, manifest: try #require(devnet.manifest), client: devnet.client(), devnet: devnet)
    }

    /// A devnet already running at `url` (started with `devnet/run --scenario ... --manifest FILE`).
    init(url: URL, manifest: JSONValue, client: JSONRPCClient, devnet: Devnet? = nil) throws {
        self.devnet = devnet
        self.manifest = manifest
        rpc = EthereumRPC(client: client)
        let subgraph = GraphQLClient(name: "aave", url: try #require(URL(string: "subgraphs/aave", relativeTo: url)))
        context = ObservationContext(
            rpc: rpc, multicall: Multicall3(rpc: rpc), subgraphs: ["aave": subgraph],
            logger: Logger(label: "aave-devnet-test"))
        var contracts: [ContractDirectory.Contract] = []
        for name in ["Pool", "PriceOracle", "OracleSwap", "FlashLoanOrchestrator"] {
            contracts.append(.init(name: name, address: try Address(try #require(manifest["contracts"]?[name]?.stringValue))))
        }
        for token in ["WETH", "WBTC", "USDC", "DAI"] {
            contracts.append(.init(name: token, address: try Address(try #require(manifest["contracts"]?["tokens"]?[token]?.stringValue))))
        }
        environment = StrategyEnvironment(chainID: 31337, account: try DevAccounts.key(1).address, contracts: ContractDirectory(contracts))
    }

    /// The observer and strategy built from a keeper.toml section, as the keeper builds them.
    func strategy(_ toml: String) throws -> (AaveObserver, AaveProtectionStrategy) {
        let root = try TOML.parse(toml, file: "keeper.toml")
        let table = try root.table("strategies").table("aave")
        let pair = try AaveProtectionKind.build(name: "aave", table: table, environment: environment)
        #expect(table.unreadKeys.isEmpty)
        return pair
    }

    func addresses(_ key: String) throws -> [Address] {
        try (manifest["aave"]?[key]?.arrayValue ?? []).map { try Address(try #require($0.stringValue)) }
    }

    /// Observe at the head, then decide: one tick's first two steps.
    func tick(_ observer: AaveObserver, _ strategy: AaveProtectionStrategy, history: IntentHistory = IntentHistory())
        async throws -> (AaveObservation, StrategyDecision, observe: Duration, decide: Duration)
    {
        let head = try #require(try await rpc.block(.latest))
        let clock = ContinuousClock()
        let t0 = clock.now
        let observation = try await observer.read(at: head, context: context)
        let t1 = clock.now
        let snapshot = Snapshot(chainID: 31337, block: head, sections: [strategy.name: observation], history: history)
        let decision = strategy.decide(snapshot)
        let t2 = clock.now
        return (observation, decision, t1 - t0, t2 - t1)
    }
}

@Suite(.serialized) struct AaveProtectionDevnetTests {
    static let config = """
        [strategies.aave]
        subgraph = "aave"
        swap = "OracleSwap"
        """
    /// The same, comparing every position with getUserAccountData.
    static let checkAll = config + "\ncheck_all_positions = true\n"

    /// Issue 6: the off-chain account data equals `getUserAccountData` to the wei for every
    /// position of the 10,000-position scenario (about 20 s here: 8 s of set-up, one tick).
    @Test func offChainAccountDataEqualsTheChainForEveryPosition() async throws {
        let env = try await AaveDevnet.start(scenario: "aave-10000")
        let (observer, strategy) = try env.strategy(Self.checkAll)
        let (observation, decision, observe, decide) = try await env.tick(observer, strategy)
        print("aave-10000: observe \(observe), decide \(decide), \(observation.positions.count) positions, \(decision.intents.count) intents")
        for note in decision.notes.prefix(3) { print("note: \(note.level) \(note.message)") }

        #expect(observation.problems.isEmpty, "\(observation.problems.prefix(5))")
        // The scenario's borrowers, and the liquidity provider, who borrows too.
        let users = Set(try env.addresses("users"))
        let provider = try Address(try #require(env.manifest["accounts"]?["liquidityProvider"]?["address"]?.stringValue))
        #expect(Set(observation.positions.map(\.user)) == users.union([provider]))
        let mismatched = observation.positions.filter { !$0.matches }
        #expect(mismatched.isEmpty, "\(mismatched.count) positions differ, first: \(String(describing: mismatched.first))")
        // Every field getUserAccountData returns, for every position, to the wei.
        for p in observation.positions {
            let off = try #require(p.offChain)
            let on = try #require(p.onChain)
            #expect(off.healthFactor == on.healthFactor)
            #expect(off.totalCollateralBase == on.totalCollateralBase)
            #expect(off.totalDebtBase == on.totalDebtBase)
        }
        #expect(observation.flashLoanPremiumBps == 5)
        #expect(observation.swapSlippageBps == 30)
        #expect(observation.discovery?.users == users.count + 1)
        // The positions below the trigger are the scenario's list; each gets an intent or a note.
        let below = observation.positions.filter { ($0.healthFactor ?? .max) < AaveProtectionConfig.defaultTrigger }.map(\.user)
        #expect(Set(below) == Set(try env.addresses("belowTrigger")))
        #expect(decision.intents.count + decision.notes.count == below.count)
        #expect(decision.intents.count > below.count / 2)
        #expect(Set(decision.intents.map(\.subject)).count == decision.intents.count)
        // Those not acted on (23 here) owe more than one debt asset, none of which alone reaches
        // the target; each warning says so (one protect repays one debt asset).
        let unreachable = decision.notes.filter { $0.message.contains("unreachable") }
        #expect(!unreachable.isEmpty)
        for note in unreachable {
            #expect(note.level == .warning)
            #expect(note.message.contains("the rest is owed in") && note.message.contains("one protect repays one debt asset"), "\(note.message)")
        }
    }

    /// The tick's first two steps (observe + decide) on an `aave-N` scenario, for BENCHMARKS.md:
    /// `AAVE_TICK_POSITIONS=10000 scripts/aave-tick-bench` (off by default: setting up 10,000
    /// positions takes the devnet minutes). Every position's account data must match the chain.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["AAVE_TICK_POSITIONS"] != nil))
    func tickThroughput() async throws {
        let variables = ProcessInfo.processInfo.environment
        let n = Int(variables["AAVE_TICK_POSITIONS"] ?? "") ?? 10_000
        let env: AaveDevnet
        if let port = variables["AAVE_TICK_DEVNET_PORT"], let manifest = variables["AAVE_TICK_MANIFEST"] {
            // Reuse a running devnet (scripts/aave-tick-bench starts one when asked to keep it).
            let url = try #require(URL(string: "http://127.0.0.1:\(port)/"))
            let client = JSONRPCClient(endpoints: [RPCEndpoint(name: "devnet", url: url)],
                                       retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), requestTimeout: .seconds(120)))
            env = try AaveDevnet(url: url, manifest: try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: manifest)))), client: client)
        } else {
            env = try await AaveDevnet.start(scenario: "aave-\(n)")
        }
        let (observer, strategy) = try env.strategy(Self.config)
        var observes: [Duration] = []
        var decides: [Duration] = []
        for _ in 0..<4 {
            let (observation, decision, observe, decide) = try await env.tick(observer, strategy)
            #expect(observation.positions.count == n + 1)  // and the liquidity provider
            #expect(observation.positions.allSatisfy { !$0.checked || $0.matches })
            #expect(observation.problems.isEmpty)
            #expect(!decision.intents.isEmpty)
            observes.append(observe)
            decides.append(decide)
        }
        // The first tick warms the devnet's caches; report the median of the other three.
        let o = observes.dropFirst().sorted()[1], d = decides.dropFirst().sorted()[1]
        print("aave tick, \(n) positions: observe \(o) (subgraph + 2 multicall rounds), decide \(d), total \(o + d); first tick \(observes[0] + decides[0])")
    }

    /// Positions below the trigger brought to at least the target HF on chain: the planned
    /// intents signed with the keeper's key (dev account #1) and sent, then getUserAccountData.
    @Test func protectBringsPositionsFromBelowTriggerToTarget() async throws {
        let env = try await AaveDevnet.start(scenario: "aave-60")
        let (observer, strategy) = try env.strategy(Self.config)
        let (observation, decision, _, _) = try await env.tick(observer, strategy)
        let below = try env.addresses("belowTrigger")
        try #require(!below.isEmpty, "the scenario has no position below the trigger")
        try #require(!decision.intents.isEmpty, "\(decision.notes)")
        for intent in decision.intents { print("planned: \(intent.reason)") }
        if let first = decision.intents.first {
            print("call: \(first.toName) \(first.to) \(first.function.name)(\(first.arguments.map(\.description).joined(separator: ", "))) key \(first.idempotencyKey)")
        }
        for note in decision.notes { print("note: \(note.message)") }

        let key = try DevAccounts.key(1)
        var nonce = try await env.rpc.transactionCount(of: key.address, at: .pending)
        var protected: [Address] = []
        for intent in decision.intents {
            let data = try intent.calldata()
            let gas = try await env.rpc.estimateGas(CallRequest(from: key.address, to: intent.to, data: data))
            let tx = Transaction.dynamicFee(DynamicFeeTransaction(
                chainId: 31337, nonce: nonce, maxPriorityFeePerGas: U256(1_000_000_000), maxFeePerGas: U256(100_000_000_000),
                gasLimit: gas + gas / 5, to: intent.to, data: data))
            let signed = try tx.sign(with: key)
            let hash = try await env.rpc.sendRawTransaction(signed.raw)
            nonce += 1
            var receipt: TransactionReceipt?
            let deadline = ContinuousClock.now + .seconds(30)
            while receipt == nil, ContinuousClock.now < deadline { receipt = try await env.rpc.receipt(hash) }
            #expect(try #require(receipt).succeeded, "\(intent.reason)")
            protected.append(try #require(intent.arguments[0].addressValue))
        }

        // On chain, at the new head: every protected user at or above the target.
        let accountData = try ABIFunction(parsing: "getUserAccountData(address) returns (uint256,uint256,uint256,uint256,uint256,uint256)")
        let pool = try #require(env.environment.contracts["Pool"]).address
        for user in protected {
            let out = try accountData.decodeOutput(try await env.rpc.call(CallRequest(to: pool, data: try accountData.encodeCall([.address(user)])), at: .latest))
            let hf = try #require(out[5].uintValue)
            #expect(hf >= AaveProtectionConfig.defaultTarget, "\(user): HF \(hf)")
        }
        // And the next tick finds nothing to do but what was unreachable before.
        let (_, next, _, _) = try await env.tick(observer, strategy)
        #expect(next.intents.isEmpty, "\(next.intents.map(\.reason))")
        #expect(next.notes.count == decision.notes.count)
        #expect(observation.positions.count == (try env.addresses("users")).count + 1)
    }
}
