import DevnetTestKit
import EVM
import Foundation
import Keeper
import Oracle
import Strategies
import Testing

/// A user enrolled only in the keeper's database (no subgraph, nobody in the config) is watched
/// from the next tick and protected on chain; unenrolled, they are no longer read.
@Suite(.serialized) struct AaveDatabaseEnrollmentDevnetTests {
    @Test func aDatabaseEnrolledUserIsProtected() async throws {
        let env = try await AaveDevnet.start(scenario: "aave-60")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aave-db-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        // keeper.toml as an operator writes it: database users only.
        var text = """
            chain_id = 31337
            [rpc]
            endpoints = [{ name = "devnet", url = "http://127.0.0.1:1/" }]
            [signer]
            account = "\(try DevAccounts.key(1).address.checksummed)"
            [database]
            path = "keeper.db"

            """
        for (name, contract) in env.environment.contracts.byName.sorted(by: { $0.key < $1.key }) {
            text += "[contracts.\(name)]\naddress = \"\(contract.address.checksummed)\"\n"
        }
        text += """
            [strategies.aave]
            kind = "aave-protection"
            swap = "OracleSwap"
            database_users = true
            """
        let path = directory.appendingPathComponent("keeper.toml").path
        let config = try KeeperConfig.parse(text, path: path, kinds: .of([AaveProtectionKind.self]))
        let pair = try #require(config.enginePairs.first)
        let observer = try #require(pair.observer as? AaveObserver)
        let strategy = try #require(pair.strategy as? AaveProtectionStrategy)
        #expect(observer.enrollmentSource != nil)

        // Nobody enrolled yet: nothing to read, nothing to do.
        let (empty, idle, _, _) = try await env.tick(observer, strategy)
        #expect(empty.positions.isEmpty)
        #expect(idle.intents.isEmpty)

        // Enroll one user below the trigger, as `keeper aave enroll` does, with their own target.
        let user = try #require(try env.addresses("belowTrigger").first)
        let target = U256(1_350_000_000_000_000_000)
        let store = AaveEnrollmentStore(path: config.database.path)
        #expect(config.database.path == directory.appendingPathComponent("keeper.db").path)
        try store.enroll(AaveEnrollment(address: user, targetHealthFactor: target), strategy: "aave", now: 1)

        let (observation, decision, _, _) = try await env.tick(observer, strategy)
        #expect(observation.positions.map(\.user) == [user])
        #expect(observation.enrollments.map(\.address) == [user])
        let intent = try #require(decision.intents.first, "\(decision.notes.map(\.message))")
        #expect(decision.intents.count == 1)
        try #require(intent.arguments.count == 6)
        #expect(intent.arguments[0] == .address(user))
        #expect(intent.arguments[5] == .uint(target))

        // Sent with the keeper's key: on chain the user is at or above their own target.
        let key = try DevAccounts.key(1)
        let data = try intent.calldata()
        let gas = try await env.rpc.estimateGas(CallRequest(from: key.address, to: intent.to, data: data))
        let tx = Transaction.dynamicFee(DynamicFeeTransaction(
            chainId: 31337, nonce: try await env.rpc.transactionCount(of: key.address, at: .pending),
            maxPriorityFeePerGas: U256(1_000_000_000), maxFeePerGas: U256(100_000_000_000), gasLimit: gas + gas / 5,
            to: intent.to, data: data))
        let hash = try await env.rpc.sendRawTransaction(try tx.sign(with: key).raw)
        var receipt: TransactionReceipt?
        let deadline = ContinuousClock.now + .seconds(30)
        while receipt == nil, ContinuousClock.now < deadline { receipt = try await env.rpc.receipt(hash) }
        #expect(try #require(receipt).succeeded)
        let (after, next, _, _) = try await env.tick(observer, strategy)
        let hf = try #require(after.positions.first?.healthFactor)
        #expect(hf >= target, "HF \(hf)")
        #expect(next.intents.isEmpty)

        // Unenrolled: the next tick no longer reads the user.
        #expect(try store.unenroll(user, strategy: "aave"))
        let (gone, _, _, _) = try await env.tick(observer, strategy)
        #expect(gone.positions.isEmpty)
    }
}
