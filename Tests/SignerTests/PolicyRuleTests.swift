import EVM
import Foundation
import Testing
@testable import Signer

/// The fixture every rule test runs against.
enum RuleFixture {
    static let gwei = U256(1_000_000_000)
    static let ether = U256(1_000_000_000_000_000_000)
    static let account = Address(word: U256(0xACC))
    static let stranger = Address(word: U256(0xBAD))
    static let markets = Address(word: U256(0xA1))
    static let recipient = Address(word: U256(0xB1))
    static let now = Date(timeIntervalSince1970: 1_750_000_000)

    static let resolve = "function resolve(uint256 marketId, bool outcome)"
    static let claim = "function claim(address recipient, uint256 amount)"
    static let batch = "function batch(uint256[] ids)"
    static let adjust = "function adjust(int256 delta, bytes4 tag)"

    static func policy() throws -> Policy {
        try Policy(
            chainId: 31337,
            accounts: [account],
            limits: TransactionLimits(
                maxValue: ether, maxGas: 300_000, maxFeePerGas: 100 * gwei, maxPriorityFeePerGas: 2 * gwei,
                maxGasPrice: 50 * gwei, transactionTypes: [.legacy, .accessList, .dynamicFee]),
            creation: LimitOverrides(maxValue: .zero, maxGas: 250_000),
            contracts: [
                PolicyContract(name: "Markets", address: markets, functions: [
                    try PolicyFunction(resolve, arguments: [ArgumentConstraint("marketId", .le(.uint(1000))), ArgumentConstraint("outcome", .eq(.bool(true)))],
                                       limits: LimitOverrides(maxGas: 200_000, maxFeePerGas: 80 * gwei)),
                    try PolicyFunction(claim, arguments: [
                        ArgumentConstraint("recipient", .oneOf([.address(recipient), .address(account)])),
                        ArgumentConstraint("amount", .le(.uint((F.ether * 1_000_000)))),
                    ]),
                    try PolicyFunction(batch, arguments: [ArgumentConstraint("ids", .maxLength(3), .gt(.uint(0)), .le(.uint(10)))],
                                       limits: LimitOverrides(transactionTypes: [.dynamicFee])),
                    try PolicyFunction(adjust, arguments: [
                        ArgumentConstraint(index: 0, .ge(.int(I256(-5))), .lt(.int(I256(5)))),
                        ArgumentConstraint("tag", .oneOf([.bytes([1, 2, 3, 4])])),
                    ]),
                ], limits: LimitOverrides(maxValue: ether / 2)),
            ],
            budgets: [
                Budget(window: BudgetWindow(seconds: 60), maxCount: 3),
                Budget(window: BudgetWindow(seconds: 86_400), maxValue: ether, maxFee: 30_000_000 * gwei),
            ])
    }

    static func call(_ signature: String, _ arguments: [ABIValue]) -> [UInt8] {
        (try? ABIFunction(parsing: signature).encodeCall(arguments)) ?? []
    }

    static let resolveOK = call(resolve, [.uint(7), .bool(true)])

    static func dynamic(
        to: Address? = markets, value: U256 = .zero, data: [UInt8] = resolveOK, gas: UInt64 = 100_000,
        maxFee: U256 = 50 * gwei, tip: U256 = 1 * gwei, nonce: UInt64 = 10, chainId: UInt64 = 31337
    ) -> Transaction {
        .dynamicFee(DynamicFeeTransaction(chainId: chainId, nonce: nonce, maxPriorityFeePerGas: tip, maxFeePerGas: maxFee, gasLimit: gas, to: to, value: value, data: data))
    }

    static func legacy(gasPrice: U256, chainId: UInt64? = 31337, data: [UInt8] = call(claim, [.address(recipient), .uint(1)])) -> Transaction {
        .legacy(LegacyTransaction(chainId: chainId, nonce: 10, gasPrice: gasPrice, gasLimit: 100_000, to: markets, value: .zero, data: data))
    }

    static func spend(nonce: UInt64, secondsAgo: Double, value: U256 = .zero, fee: U256 = .zero) -> SpendRecord {
        SpendRecord(account: account, chainId: 31337, nonce: nonce, at: now.addingTimeInterval(-secondsAgo), value: value, feeExposure: fee)
    }
}

/// One row of the boundary table.
struct RuleCase: Sendable, CustomStringConvertible {
    var name: String
    var transaction: Transaction
    var from: Address = RuleFixture.account
    var hint: String? = nil
    var spends: [SpendRecord] = []
    var signedAtNonce: [Transaction] = []
    /// nil: allowed.
    var rule: String?
    var description: String { name }
}

private typealias F = RuleFixture

@Suite("Policy rules at their boundaries")
struct PolicyRuleTests {
    static let cases: [RuleCase] = [
        RuleCase(name: "a plain allowed call", transaction: F.dynamic(), rule: nil),
        // chain_id, account
        RuleCase(name: "other chain", transaction: F.dynamic(chainId: 1), rule: "chain_id"),
        RuleCase(name: "pre-EIP-155 legacy", transaction: F.legacy(gasPrice: F.gwei, chainId: nil), rule: "chain_id"),
        RuleCase(name: "account not covered", transaction: F.dynamic(), from: F.stranger, rule: "account"),
        // contract, creation, function, method_signature, calldata
        RuleCase(name: "unknown contract", transaction: F.dynamic(to: F.stranger), rule: "contract"),
        RuleCase(name: "creation within its caps", transaction: F.dynamic(to: nil, data: [0x60, 0x00], gas: 250_000), rule: nil),
        RuleCase(name: "creation one gas over its cap", transaction: F.dynamic(to: nil, data: [0x60, 0x00], gas: 250_001), rule: "gas"),
        RuleCase(name: "creation with value", transaction: F.dynamic(to: nil, value: 1, data: [0x60, 0x00]), rule: "value"),
        RuleCase(name: "unknown selector", transaction: F.dynamic(data: F.call("function other(uint256)", [.uint(1)])), rule: "function"),
        RuleCase(name: "empty calldata", transaction: F.dynamic(data: []), rule: "function"),
        RuleCase(name: "matching method signature", transaction: F.dynamic(), hint: "resolve(uint256,bool)", rule: nil),
        RuleCase(name: "mismatching method signature", transaction: F.dynamic(), hint: "resolve(uint256,uint256)", rule: "method_signature"),
        RuleCase(name: "unparsable method signature", transaction: F.dynamic(), hint: "resolve(", rule: "method_signature"),
        RuleCase(name: "trailing calldata byte", transaction: F.dynamic(data: F.resolveOK + [0]), rule: "calldata"),
        RuleCase(name: "truncated calldata", transaction: F.dynamic(data: Array(F.resolveOK.dropLast())), rule: "calldata"),
        RuleCase(name: "bool encoded as 2", transaction: F.dynamic(data: Array(F.resolveOK.dropLast()) + [2]), rule: "calldata"),
        // arguments: le, eq, one_of, ge, lt, gt, max_length, bytesN
        RuleCase(name: "marketId at its cap", transaction: F.dynamic(data: F.call(F.resolve, [.uint(1000), .bool(true)])), rule: nil),
        RuleCase(name: "marketId one over", transaction: F.dynamic(data: F.call(F.resolve, [.uint(1001), .bool(true)])), rule: "argument.marketId"),
        RuleCase(name: "outcome not eq", transaction: F.dynamic(data: F.call(F.resolve, [.uint(1), .bool(false)])), rule: "argument.outcome"),
        RuleCase(name: "recipient in one_of", transaction: F.dynamic(data: F.call(F.claim, [.address(F.account), .uint(1)])), rule: nil),
        RuleCase(name: "recipient not in one_of", transaction: F.dynamic(data: F.call(F.claim, [.address(F.stranger), .uint(1)])), rule: "argument.recipient"),
        RuleCase(name: "amount at 1e24", transaction: F.dynamic(data: F.call(F.claim, [.address(F.recipient), .uint((F.ether * 1_000_000))])), rule: nil),
        RuleCase(name: "amount 1e24 + 1", transaction: F.dynamic(data: F.call(F.claim, [.address(F.recipient), .uint((F.ether * 1_000_000) + 1)])), rule: "argument.amount"),
        RuleCase(name: "array at max_length, elements in range", transaction: F.dynamic(data: F.call(F.batch, [.array([.uint(1), .uint(10), .uint(5)])])), rule: nil),
        RuleCase(name: "array over max_length", transaction: F.dynamic(data: F.call(F.batch, [.array([.uint(1), .uint(1), .uint(1), .uint(1)])])), rule: "argument.ids"),
        RuleCase(name: "array element over le", transaction: F.dynamic(data: F.call(F.batch, [.array([.uint(1), .uint(11)])])), rule: "argument.ids"),
        RuleCase(name: "array element at gt bound", transaction: F.dynamic(data: F.call(F.batch, [.array([.uint(0)])])), rule: "argument.ids"),
        RuleCase(name: "empty array", transaction: F.dynamic(data: F.call(F.batch, [.array([])])), rule: nil),
        RuleCase(name: "int at ge bound", transaction: F.dynamic(data: F.call(F.adjust, [.int(I256(-5)), .fixedBytes([1, 2, 3, 4])])), rule: nil),
        RuleCase(name: "int one below ge", transaction: F.dynamic(data: F.call(F.adjust, [.int(I256(-6)), .fixedBytes([1, 2, 3, 4])])), rule: "argument.delta"),
        RuleCase(name: "int just below lt", transaction: F.dynamic(data: F.call(F.adjust, [.int(I256(4)), .fixedBytes([1, 2, 3, 4])])), rule: nil),
        RuleCase(name: "int at lt bound", transaction: F.dynamic(data: F.call(F.adjust, [.int(I256(5)), .fixedBytes([1, 2, 3, 4])])), rule: "argument.delta"),
        RuleCase(name: "bytes4 not in one_of", transaction: F.dynamic(data: F.call(F.adjust, [.int(I256(0)), .fixedBytes([1, 2, 3, 5])])), rule: "argument.tag"),
        // value (contract override 0.5 ether below the global 1 ether)
        RuleCase(name: "value at the contract cap", transaction: F.dynamic(value: F.ether / 2), rule: nil),
        RuleCase(name: "value one wei over the contract cap", transaction: F.dynamic(value: F.ether / 2 + 1), rule: "value"),
        // gas (function override 200k below the global 300k)
        RuleCase(name: "gas at the function cap", transaction: F.dynamic(gas: 200_000), rule: nil),
        RuleCase(name: "gas one over the function cap", transaction: F.dynamic(gas: 200_001), rule: "gas"),
        RuleCase(name: "gas at the global cap elsewhere", transaction: F.dynamic(data: F.call(F.claim, [.address(F.recipient), .uint(1)]), gas: 300_000), rule: nil),
        RuleCase(name: "gas one over the global cap", transaction: F.dynamic(data: F.call(F.claim, [.address(F.recipient), .uint(1)]), gas: 300_001), rule: "gas"),
        // fees
        RuleCase(name: "maxFeePerGas at the function cap", transaction: F.dynamic(maxFee: 80 * F.gwei), rule: nil),
        RuleCase(name: "maxFeePerGas one wei over", transaction: F.dynamic(maxFee: 80 * F.gwei + 1), rule: "max_fee_per_gas"),
        RuleCase(name: "maxPriorityFeePerGas at cap", transaction: F.dynamic(tip: 2 * F.gwei), rule: nil),
        RuleCase(name: "maxPriorityFeePerGas one wei over", transaction: F.dynamic(tip: 2 * F.gwei + 1), rule: "max_priority_fee_per_gas"),
        RuleCase(name: "legacy gasPrice at cap", transaction: F.legacy(gasPrice: 50 * F.gwei), rule: nil),
        RuleCase(name: "legacy gasPrice one wei over", transaction: F.legacy(gasPrice: 50 * F.gwei + 1), rule: "gas_price"),
        // tx_type: batch allows EIP-1559 only
        RuleCase(name: "legacy to a 1559-only function", transaction: F.legacy(gasPrice: F.gwei, data: F.call(F.batch, [.array([])])), rule: "tx_type"),
        // nonce
        RuleCase(name: "identical re-sign", transaction: F.dynamic(), signedAtNonce: [F.dynamic()], rule: nil),
        RuleCase(name: "replacement at +10% exactly", transaction: F.dynamic(maxFee: 55 * F.gwei, tip: 1_100_000_000), signedAtNonce: [F.dynamic()], rule: nil),
        RuleCase(name: "replacement one wei short on the fee", transaction: F.dynamic(maxFee: 55 * F.gwei - 1, tip: 2 * F.gwei), signedAtNonce: [F.dynamic()], rule: "nonce"),
        RuleCase(name: "replacement one wei short on the tip", transaction: F.dynamic(maxFee: 60 * F.gwei, tip: 1_099_999_999), signedAtNonce: [F.dynamic()], rule: "nonce"),
        RuleCase(name: "different call for a signed nonce", transaction: F.dynamic(data: F.call(F.resolve, [.uint(8), .bool(true)]), maxFee: 80 * F.gwei, tip: 2 * F.gwei), signedAtNonce: [F.dynamic()], rule: "nonce"),
        // budgets
        RuleCase(name: "count: third in a minute", transaction: F.dynamic(), spends: [F.spend(nonce: 1, secondsAgo: 10), F.spend(nonce: 2, secondsAgo: 59)], rule: nil),
        RuleCase(name: "count: fourth in a minute", transaction: F.dynamic(), spends: [F.spend(nonce: 1, secondsAgo: 10), F.spend(nonce: 2, secondsAgo: 20), F.spend(nonce: 3, secondsAgo: 59)], rule: "budget.count.1m"),
        RuleCase(name: "count: one record exactly a minute old has left the window", transaction: F.dynamic(), spends: [F.spend(nonce: 1, secondsAgo: 10), F.spend(nonce: 2, secondsAgo: 20), F.spend(nonce: 3, secondsAgo: 60)], rule: nil),
        RuleCase(name: "count: replacements count once", transaction: F.dynamic(), spends: [F.spend(nonce: 1, secondsAgo: 10), F.spend(nonce: 1, secondsAgo: 5), F.spend(nonce: 10, secondsAgo: 3)], rule: nil),
        RuleCase(name: "value budget reached exactly", transaction: F.dynamic(value: F.ether / 2), spends: [F.spend(nonce: 1, secondsAgo: 3600, value: F.ether / 2)], rule: nil),
        RuleCase(name: "value budget one wei over", transaction: F.dynamic(value: F.ether / 2), spends: [F.spend(nonce: 1, secondsAgo: 3600, value: F.ether / 2 + 1)], rule: "budget.value.1d"),
        RuleCase(name: "fee budget reached exactly", transaction: F.dynamic(gas: 100_000, maxFee: 50 * F.gwei), spends: [F.spend(nonce: 1, secondsAgo: 3600, fee: 25_000_000 * F.gwei)], rule: nil),
        RuleCase(name: "fee budget one wei over", transaction: F.dynamic(gas: 100_000, maxFee: 50 * F.gwei), spends: [F.spend(nonce: 1, secondsAgo: 3600, fee: 25_000_000 * F.gwei + 1)], rule: "budget.fee.1d"),
        RuleCase(name: "fee budget: a replacement counts only its highest fee", transaction: F.dynamic(gas: 100_000, maxFee: 55 * F.gwei, tip: 1_100_000_000),
                 spends: [F.spend(nonce: 10, secondsAgo: 30, fee: 5_000_000 * F.gwei), F.spend(nonce: 1, secondsAgo: 3600, fee: 24_500_000 * F.gwei)],
                 signedAtNonce: [F.dynamic()], rule: nil),
        RuleCase(name: "other accounts' spends do not count", transaction: F.dynamic(),
                 spends: (1...5).map { SpendRecord(account: F.stranger, chainId: 31337, nonce: $0, at: F.now, value: .zero, feeExposure: .zero) }, rule: nil),
    ]

    @Test("every rule at and around its boundary", arguments: cases)
    func rule(_ c: RuleCase) throws {
        let policy = try RuleFixture.policy()
        let decision = policy.evaluate(PolicyRequest(from: c.from, transaction: c.transaction, methodSignature: c.hint), spends: c.spends, signedAtNonce: c.signedAtNonce, now: RuleFixture.now)
        #expect(decision.refusingRule == c.rule, "\(decision)")
    }

    @Test("refusals carry the numbers")
    func reasons() throws {
        let policy = try RuleFixture.policy()
        let decision = policy.evaluate(PolicyRequest(from: F.account, transaction: F.dynamic(value: F.ether / 2 + 1)), now: F.now)
        #expect(decision == .refuse(rule: "value", reason: "value 500000000000000001 wei is above the cap of 500000000000000000 wei (0.5 ether)"))
        let allowed = policy.evaluate(PolicyRequest(from: F.account, transaction: F.dynamic()), now: F.now)
        #expect(allowed == .allow(matched: "Markets (\(F.markets)) resolve(uint256,bool)"))
    }

    @Test("creation is refused when not allowed")
    func creationRefused() throws {
        var policy = try RuleFixture.policy()
        policy.creation = nil
        let decision = policy.evaluate(PolicyRequest(from: F.account, transaction: F.dynamic(to: nil, data: [0x60])), now: F.now)
        #expect(decision.refusingRule == "creation")
    }
}

@Suite("Nonce slot")
struct NonceSlotTests {
    @Test("first, identical, replacement, refused — event by event")
    func sequence() {
        var slot = NonceSlot()
        #expect(slot.sign(F.dynamic()) == .signFirst)
        #expect(slot.sign(F.dynamic()) == .signAgain)
        #expect(slot.sign(F.dynamic(maxFee: 55 * F.gwei, tip: 1_100_000_000)) == .signReplacement)
        // The next bump is measured from the highest signed so far (55 gwei), not the first.
        #expect(!slot.sign(F.dynamic(maxFee: 60 * F.gwei, tip: 2 * F.gwei)).isAllowed)
        #expect(slot.sign(F.dynamic(maxFee: 60_500_000_000, tip: 2 * F.gwei)) == .signReplacement)
        #expect(slot.signed.count == 3)
        // Re-signing an earlier one stays allowed (same bytes, same deterministic signature).
        #expect(slot.sign(F.dynamic()) == .signAgain)
        // Gas limit may change in a replacement; value may not.
        #expect(slot.check(F.dynamic(gas: 150_000, maxFee: 70 * F.gwei, tip: 3 * F.gwei)) == .signReplacement)
        #expect(!slot.check(F.dynamic(value: 1, maxFee: 70 * F.gwei, tip: 3 * F.gwei)).isAllowed)
    }

    @Test("legacy replacement is judged on gasPrice")
    func legacy() {
        var slot = NonceSlot()
        _ = slot.sign(F.legacy(gasPrice: 10 * F.gwei))
        #expect(!slot.check(F.legacy(gasPrice: 11 * F.gwei - 1)).isAllowed)
        #expect(slot.check(F.legacy(gasPrice: 11 * F.gwei)) == .signReplacement)
    }

    @Test("spend aggregation keeps the highest per nonce")
    func aggregation() {
        let records = [
            F.spend(nonce: 1, secondsAgo: 100, value: 5, fee: 10),
            F.spend(nonce: 1, secondsAgo: 50, value: 5, fee: 30),
            F.spend(nonce: 2, secondsAgo: 10, value: 1, fee: 1),
        ]
        let totals = SpendTotals.aggregate(records, account: F.account, chainId: 31337, window: BudgetWindow(seconds: 3600), now: F.now)
        #expect(totals == SpendTotals(value: 6, fee: 31, count: 2))
        let recent = SpendTotals.aggregate(records, account: F.account, chainId: 31337, window: BudgetWindow(seconds: 30), now: F.now)
        #expect(recent == SpendTotals(value: 1, fee: 1, count: 1))
    }
}
