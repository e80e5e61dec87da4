import EVM
import Foundation
import Testing
@testable import Signer

/// policies/aave-protection.toml loads with the signer's loader and allows exactly the
/// orchestrator's `protect` calls the aave-protection strategy plans.
@Suite struct AavePolicyTests {
    static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("policies/aave-protection.toml").path

    static let protect = "function protect(address user, address collateralAsset, address debtAsset, uint256 repayAmount, uint256 maxCollateralIn, uint256 minHealthFactorAfter)"

    func request(to: Address, data: [UInt8], from: Address, gas: UInt64 = 900_000, fee: U256 = U256(50_000_000_000)) -> PolicyRequest {
        PolicyRequest(from: from, transaction: .dynamicFee(DynamicFeeTransaction(
            chainId: 31337, nonce: 7, maxPriorityFeePerGas: U256(1_000_000_000), maxFeePerGas: fee, gasLimit: gas,
            to: to, data: data)))
    }

    func protectCall(minHealthFactorAfter: U256, repay: U256 = U256(1_204_500_000), collateral: String = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0") throws -> [UInt8] {
        let f = try ABIFunction(parsing: Self.protect)
        let usdc = try Address("0x610178dA211FEF7D417bC0e6FeD39F05609AD788")
        return try f.encodeCall([
            .address(Address(word: U256(0x1234))), .address(try Address(collateral)), .address(usdc),
            .uint(repay), .uint(U256(612_300_000_000_000_000)), .uint(minHealthFactorAfter),
        ])
    }

    @Test func loadsAndAllowsOnlyProtect() throws {
        let policy = try Policy.load(path: Self.path)
        #expect(policy.chainId == 31337)
        let keeper = try Address("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
        #expect(policy.accounts.contains(keeper))
        let orchestrator = try #require(policy.contracts.first { $0.name == "FlashLoanOrchestrator" }).address
        let now = Date()

        let allowed = policy.evaluate(request(to: orchestrator, data: try protectCall(minHealthFactorAfter: U256(1_300_000_000_000_000_000)), from: keeper), now: now)
        #expect(allowed.isAllowed, "\(allowed)")

        // The chain must be told to enforce at least HF 1.0 afterwards.
        let weak = policy.evaluate(request(to: orchestrator, data: try protectCall(minHealthFactorAfter: U256(999_999_999_999_999_999)), from: keeper), now: now)
        #expect(weak.refusingRule == "argument.minHealthFactorAfter")

        // Only the pool's reserves.
        let odd = policy.evaluate(request(to: orchestrator, data: try protectCall(minHealthFactorAfter: U256(1_300_000_000_000_000_000), collateral: "0x000000000000000000000000000000000000dEaD"), from: keeper), now: now)
        #expect(odd.refusingRule == "argument.collateralAsset")

        // The orchestrator's admin functions are not the keeper's business.
        let setKeeper = try ABIFunction(parsing: "function setKeeper(address keeper, bool allowed)")
        let admin = policy.evaluate(request(to: orchestrator, data: try setKeeper.encodeCall([.address(keeper), .bool(true)]), from: keeper), now: now)
        #expect(admin.refusingRule == "function")

        // Gas and fee caps hold.
        let heavy = policy.evaluate(request(to: orchestrator, data: try protectCall(minHealthFactorAfter: U256(1_300_000_000_000_000_000)), from: keeper, gas: 5_000_000), now: now)
        #expect(heavy.refusingRule == "gas")
        let pricey = policy.evaluate(request(to: orchestrator, data: try protectCall(minHealthFactorAfter: U256(1_300_000_000_000_000_000)), from: keeper, fee: U256(10_000_000_000_000)), now: now)
        #expect(pricey.refusingRule == "max_fee_per_gas")

        // Another account is not covered.
        let stranger = policy.evaluate(request(to: orchestrator, data: try protectCall(minHealthFactorAfter: U256(1_300_000_000_000_000_000)), from: Address(word: U256(0xdead))), now: now)
        #expect(stranger.refusingRule == "account")
    }
}
