import EVM
import Foundation
import Signer
import Testing

/// Loads a policy of `policies/` with the signer's loader and evaluates a keeper transaction.
enum StrategyPolicyFiles {
    static let keeper = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"

    static func load(_ name: String) throws -> Policy {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("policies/\(name)")
        return try Policy.load(path: url.path)
    }

    static func evaluate(_ policy: Policy, to: Address, function: String, _ arguments: [ABIValue], gas: UInt64 = 120_000) throws -> PolicyDecision {
        let abi = try ABIFunction(parsing: function)
        let tx = Transaction.dynamicFee(DynamicFeeTransaction(
            chainId: 31337, nonce: 0, maxPriorityFeePerGas: U256(1_000_000_000), maxFeePerGas: U256(50_000_000_000),
            gasLimit: gas, to: to, data: try abi.encodeCall(arguments)))
        return policy.evaluate(PolicyRequest(from: try Address(keeper), transaction: tx, methodSignature: abi.description), now: Date())
    }
}

@Suite struct MarketPolicyTests {
    @Test func marketsPolicyAllowsResolveOnly() throws {
        let policy = try StrategyPolicyFiles.load("markets.toml")
        let market = try #require(policy.contracts.first { $0.name == "PredictionMarket" })
        let resolve = "function resolve(uint256 marketId, bool outcome)"
        #expect(try StrategyPolicyFiles.evaluate(policy, to: market.address, function: resolve, [.uint(U256(3)), .bool(true)]).isAllowed)
        let bet = try StrategyPolicyFiles.evaluate(policy, to: market.address, function: "function bet(uint256 marketId, bool outcome)", [.uint(U256(3)), .bool(true)])
        #expect(bet.refusingRule == "function")
        let other = try StrategyPolicyFiles.evaluate(policy, to: Address(word: U256(0xdead)), function: resolve, [.uint(U256(3)), .bool(true)])
        #expect(other.refusingRule == "contract")
    }
}
