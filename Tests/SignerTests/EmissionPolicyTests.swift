import EVM
import Signer
import Testing

@Suite struct EmissionPolicyTests {
    static let mint = "function mintEmissions(uint256 credentialId, address[] holders, uint256[] amounts, uint256 accruedUntil)"

    @Test func emissionsPolicyAllowsMintBatchesUpTo256() throws {
        let policy = try StrategyPolicyFiles.load("emissions.toml")
        let token = try #require(policy.contracts.first { $0.name == "CredentialToken" })
        func call(_ credential: UInt64, holders n: Int) throws -> PolicyDecision {
            let holders = (0..<n).map { ABIValue.address(Address(word: U256(UInt64(0x1000 + $0)))) }
            let amounts = (0..<n).map { _ in ABIValue.uint(U256(86_400_000_000_000_000)) }
            return try StrategyPolicyFiles.evaluate(policy, to: token.address, function: Self.mint,
                                                    [.uint(U256(credential)), .array(holders), .array(amounts), .uint(U256(1_700_000_000))],
                                                    gas: 6_000_000)
        }
        #expect(try call(0, holders: 4).isAllowed)
        #expect(try call(1, holders: 256).isAllowed)
        #expect(try call(1, holders: 257).refusingRule == "argument.holders")
        #expect(try call(2, holders: 1).refusingRule == "argument.credentialId")
    }
}
