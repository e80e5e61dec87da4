import DevnetTestKit
import EVM
import Foundation
import Oracle
import Strategies
import Testing

/// Emission minting on the devnet's demo scenario: holders' balances grow by exactly the accrual
/// up to the snapshot's block time; a partial send (as after a crash between batches) loses and
/// duplicates nothing, because the next plan starts from the chain's `accruedUntil`.
@Suite struct EmissionMintingDevnetTests {
    static let config = """
        [strategies.emissions]
        kind = "emission-minting"
        minimum_amount = "1 ether"
        max_batch_size = 8
        cooldown_seconds = 0
        """

    struct HolderState: Equatable {
        var balance: U256
        var accruedUntil: UInt64
    }

    static func state(_ devnet: Devnet, _ env: StrategyEnvironment, credential: U256, holder: Address) async throws -> HolderState {
        let token = try #require(env.contracts["CredentialToken"]).address
        let emission = try #require(env.contracts["EmissionToken"]).address
        let balance = try await StrategyDevnet.call(devnet, emission, "balanceOf(address) returns (uint256)", [.address(holder)])
        let until = try await StrategyDevnet.call(devnet, token, "accruedUntil(uint256,address) returns (uint256)", [.uint(credential), .address(holder)])
        return HolderState(balance: try #require(balance.first?.uintValue), accruedUntil: try #require(until.first?.uintValue?.uint64))
    }

    @Test func mintsExactlyTheAccruedEmissions() async throws {
        let devnet = try await Devnet.start(scenario: "demo", options: ["data_dir": FileManager.default.temporaryDirectory.appendingPathComponent("mon-\(UUID())").path])
        let manifest = try #require(devnet.manifest)
        let env = try StrategyDevnet.environment(devnet)
        let (observer, strategy) = try EmissionMintingKind.make(
            name: "emissions", table: try StrategyDevnet.table(Self.config, name: "emissions"), environment: env)

        // Every holder of the manifest, its rate and its state before.
        var holders: [(credential: U256, rate: U256, address: Address)] = []
        for c in try #require(manifest["credentials"]?["list"]?.arrayValue) {
            let id = try #require(StrategyDevnet.uint(c["credentialId"]))
            let rate = try #require(StrategyDevnet.uint(c["ratePerSecond"]))
            for h in try #require(c["holders"]?.arrayValue) {
                holders.append((id, rate, try Address(try #require(h["address"]?.stringValue))))
            }
        }
        #expect(holders.count == 24)
        var before: [Int: HolderState] = [:]
        for (i, h) in holders.enumerated() { before[i] = try await Self.state(devnet, env, credential: h.credential, holder: h.address) }

        // First tick: everyone is due (a day or more of accrual, far above 1 token).
        let (head, decision) = try await StrategyDevnet.tick(observer, strategy, devnet)
        #expect(decision.intents.count == 1 + 3)  // auditor: 4 holders; validator: 20 in batches of 8
        #expect(decision.intents.allSatisfy { $0.idempotencyKey.contains("/until-\(head.timestamp)/") })

        // Send only the first batch of the validator credential and the auditor's, as if the
        // keeper stopped between batches.
        let validator = decision.intents.filter { $0.arguments[0] == .uint(U256(1)) }
        let auditor = decision.intents.filter { $0.arguments[0] == .uint(U256(0)) }
        let firstReceipts = try await StrategyDevnet.send(auditor + [validator[0]], devnet)
        #expect(firstReceipts.allSatisfy { $0.succeeded })

        // Next tick: the minted holders are not due again; the rest are, from their own accruedUntil.
        let (head2, second) = try await StrategyDevnet.tick(observer, strategy, devnet)
        #expect(second.intents.count == 2)
        let minted = Set(validator[0].arguments[1].elements?.compactMap(\.addressValue) ?? [])
        for intent in second.intents {
            let addresses = intent.arguments[1].elements?.compactMap(\.addressValue) ?? []
            #expect(minted.isDisjoint(with: addresses))
            #expect(intent.arguments[3] == .uint(U256(head2.timestamp)))
        }
        let secondReceipts = try await StrategyDevnet.send(second.intents, devnet)
        #expect(secondReceipts.allSatisfy { $0.succeeded })

        // The effect: each balance grew by exactly rate * (accruedUntil after - accruedUntil before).
        for (i, h) in holders.enumerated() {
            let after = try await Self.state(devnet, env, credential: h.credential, holder: h.address)
            let was = try #require(before[i])
            #expect(after.accruedUntil == head.timestamp || after.accruedUntil == head2.timestamp, "holder \(h.address)")
            #expect(after.balance - was.balance == h.rate * U256(after.accruedUntil - was.accruedUntil), "holder \(h.address)")
        }

        // Nothing more is due right after.
        let (_, third) = try await StrategyDevnet.tick(observer, strategy, devnet)
        #expect(third.intents.isEmpty)
    }

    @Test func observerReadsRatesAndAccruedUntilFromTheChain() async throws {
        let devnet = try await Devnet.start(scenario: "demo", options: ["data_dir": FileManager.default.temporaryDirectory.appendingPathComponent("mon-\(UUID())").path])
        let manifest = try #require(devnet.manifest)
        let env = try StrategyDevnet.environment(devnet)
        let observer = EmissionObserver(strategy: "emissions", token: try #require(env.contracts["CredentialToken"]).address, subgraph: "credentials")
        let context = StrategyDevnet.context(devnet)
        let head = try #require(try await context.rpc.block(.latest))
        let observation = try #require(try await observer.observe(at: head, context: context) as? EmissionObservation)
        let list = try #require(manifest["credentials"]?["list"]?.arrayValue)
        #expect(observation.credentials.count == list.count)
        #expect(observation.removedHolders == 0)
        for (credential, c) in zip(observation.credentials, list) {
            #expect(credential.credentialId == StrategyDevnet.uint(c["credentialId"]))
            #expect(credential.name == c["name"]?.stringValue)
            #expect(credential.ratePerSecond == StrategyDevnet.uint(c["ratePerSecond"]))
            var expected: [Address: UInt64] = [:]
            for h in try #require(c["holders"]?.arrayValue) {
                expected[try Address(try #require(h["address"]?.stringValue))] = try #require(StrategyDevnet.uint(h["accruedUntil"])?.uint64)
            }
            #expect(Dictionary(uniqueKeysWithValues: credential.holders.map { ($0.address, $0.accruedUntil) }) == expected)
        }
    }
}
