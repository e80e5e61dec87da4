import EVM
import Signer
import Testing

@Suite struct DriftPolicyTests {
    static let submit = "function submitReceipt(bytes32 modelId, uint256 periodEnd, uint256 driftBps, bytes32 receiptHash)"

    static func model(_ name: String) -> [UInt8] { Array(name.utf8) + [UInt8](repeating: 0, count: 32 - name.utf8.count) }

    @Test func driftPolicyAllowsSubmitForListedModels() throws {
        let policy = try StrategyPolicyFiles.load("drift-receipts.toml")
        let registry = try #require(policy.contracts.first { $0.name == "DriftReceiptRegistry" })
        let hash = [UInt8](repeating: 0x5a, count: 32)
        for name in ["fraud-v1", "credit-v2", "churn-v3"] {
            let d = try StrategyPolicyFiles.evaluate(policy, to: registry.address, function: Self.submit,
                                                     [.fixedBytes(Self.model(name)), .uint(U256(1_700_000_000)), .uint(U256(1234)), .fixedBytes(hash)])
            #expect(d.isAllowed, "\(name): \(d)")
        }
        let unknown = try StrategyPolicyFiles.evaluate(policy, to: registry.address, function: Self.submit,
                                                       [.fixedBytes(Self.model("other")), .uint(U256(1_700_000_000)), .uint(U256(1234)), .fixedBytes(hash)])
        #expect(unknown.refusingRule == "argument.modelId")
        let millis = try StrategyPolicyFiles.evaluate(policy, to: registry.address, function: Self.submit,
                                                      [.fixedBytes(Self.model("fraud-v1")), .uint(U256(1_700_000_000_000)), .uint(U256(1234)), .fixedBytes(hash)])
        #expect(millis.refusingRule == "argument.periodEnd")
    }
}
