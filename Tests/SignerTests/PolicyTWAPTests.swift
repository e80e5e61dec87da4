import EVM
import Foundation
import Testing

@testable import Signer

/// policies/twap.toml: loads with the signer's loader, allows the keeper's pushPrice for the
/// configured feed and refuses anything else.
@Suite("The twap-push example policy")
struct PolicyTWAPTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("policies/twap.toml").path
    static let keeper = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    static let sink = "0xE6E340D132b5f46d1e472DebcD681B2aBc16e57E"
    static let feedID: [UInt8] = Array("WETH/USDC".utf8) + [UInt8](repeating: 0, count: 23)
    static let pushPrice = "function pushPrice(bytes32 feedId, uint256 price, uint256 observedAt)"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func request(feedID: [UInt8] = feedID, price: U256 = U256(2_000) * U256(1_000_000_000_000_000_000),
                        observedAt: UInt64 = 1_799_999_988, gas: UInt64 = 120_000, value: U256 = .zero) throws -> PolicyRequest {
        let function = try ABIFunction(parsing: pushPrice)
        let data = try function.encodeCall([.fixedBytes(feedID), .uint(price), .uint(U256(observedAt))])
        let tx = Transaction.dynamicFee(DynamicFeeTransaction(
            chainId: 31337, nonce: 7, maxPriorityFeePerGas: U256(1_000_000_000), maxFeePerGas: U256(30_000_000_000),
            gasLimit: gas, to: try Address(sink), value: value, data: data))
        return PolicyRequest(from: try Address(keeper), transaction: tx, methodSignature: pushPrice)
    }

    @Test("it loads and covers the keeper and the sink")
    func loads() throws {
        let policy = try Policy.load(path: Self.path)
        #expect(policy.chainId == 31337)
        #expect(policy.accounts == [try Address(Self.keeper)])
        #expect(policy.contracts.map(\.name) == ["PriceFeedSink"])
        #expect(policy.contracts[0].functions.map(\.signature) == ["pushPrice(bytes32,uint256,uint256)"])
    }

    @Test("the keeper's push is allowed")
    func allowsAPush() throws {
        let decision = try Policy.load(path: Self.path).evaluate(try Self.request(), now: Self.now)
        #expect(decision.isAllowed, "\(decision)")
    }

    @Test("anything else is refused, naming the rule", arguments: [
        ("another feed", "argument.feedId"),
        ("a zero price", "argument.price"),
        ("an absurd price", "argument.price"),
        ("too much gas", "gas"),
        ("ether sent along", "value"),
    ])
    func refuses(change: String, rule: String) throws {
        let request: PolicyRequest = switch change {
        case "another feed": try Self.request(feedID: Array("WBTC/USDC".utf8) + [UInt8](repeating: 0, count: 23))
        case "a zero price": try Self.request(price: .zero)
        case "an absurd price": try Self.request(price: U256.pow10(30) ?? .zero)
        case "too much gas": try Self.request(gas: 150_001)
        default: try Self.request(value: U256(1))
        }
        let decision = try Policy.load(path: Self.path).evaluate(request, now: Self.now)
        #expect(decision.refusingRule == rule, "\(change): \(decision)")
    }
}
