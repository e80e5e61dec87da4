// Property: for random policies and random requests near every boundary, the policy never
// allows a request that an independent, deliberately simple checker says breaks a constraint
// (and, since the checker covers every rule the generated policies use, the two agree exactly).

import EVM
import Foundation
import PropertyBased
import Testing
@testable import Signer

/// Random numbers, each used for one field, so generation stays independent of the code tested.
private let drawsGen = Gen.int(in: 0...10_000).array(of: 32)
/// Spend records: (nonce, seconds ago) pairs.
private let spendsGen = zip(Gen.int(in: 0...3), Gen.int(in: 0...120)).array(of: 0...5)

private struct Draws {
    var values: [Int]
    var i = 0
    mutating func next(_ range: ClosedRange<Int>) -> Int {
        defer { i += 1 }
        return range.lowerBound + values[i % values.count] % (range.count)
    }
    mutating func chance(_ percent: Int) -> Bool { next(0...99) < percent }
}

@Suite("Policy property: never allow what breaks a constraint")
struct PolicyPropertyTests {
    static let account = Address(word: U256(0xACC))
    static let contract = Address(word: U256(0xC0))
    static let candidates = (1...4).map { Address(word: U256(0xB0 + $0)) }
    static let signature = "function pay(uint256 amount, address to)"

    @Test("random requests against random policies")
    func randomRequests() async {
        await propertyCheck(count: 2000, input: drawsGen, spendsGen) { values, spends in
            var d = Draws(values: values)
            // The policy.
            let capValue = d.next(0...10), fnValue: Int? = d.chance(50) ? d.next(0...10) : nil
            let capGas = d.next(0...10), fnGas: Int? = d.chance(50) ? d.next(0...10) : nil
            let capFee = d.next(0...10), capTip = d.next(0...10), capPrice = d.next(0...10)
            let fnFee: Int? = d.chance(30) ? d.next(0...10) : nil
            let capA = d.next(0...10)
            let allowedTo = Self.candidates.filter { _ in d.chance(50) }
            let legacyAllowed = d.chance(50), dynamicAllowed = d.chance(80)
            let fnDynamicOnly = d.chance(20)
            let capCount = d.next(0...4)
            var types = Set<TransactionType>()
            if legacyAllowed { types.insert(.legacy) }
            if dynamicAllowed { types.insert(.dynamicFee) }
            var arguments = [ArgumentConstraint("amount", .le(.uint(U256(capA))))]
            if !allowedTo.isEmpty { arguments.append(ArgumentConstraint(index: 1, .oneOf(allowedTo.map { .address($0) }))) }
            let function: PolicyFunction
            let policy: Policy
            do {
                function = try PolicyFunction(Self.signature, arguments: arguments, limits: LimitOverrides(
                    maxValue: fnValue.map { U256($0) }, maxGas: fnGas.map { UInt64($0) }, maxFeePerGas: fnFee.map { U256($0) },
                    transactionTypes: fnDynamicOnly ? [.dynamicFee] : nil))
                policy = try Policy(
                    chainId: 5, accounts: [Self.account],
                    limits: TransactionLimits(maxValue: U256(capValue), maxGas: UInt64(capGas), maxFeePerGas: U256(capFee),
                                              maxPriorityFeePerGas: U256(capTip), maxGasPrice: U256(capPrice), transactionTypes: types),
                    contracts: [PolicyContract(name: "C", address: Self.contract, functions: [function])],
                    budgets: [Budget(window: BudgetWindow(seconds: 60), maxCount: capCount)])
            } catch {
                Issue.record("fixture policy failed: \(error)")
                return
            }
            // The request.
            let chain: UInt64 = d.chance(10) ? 6 : 5
            let from = d.chance(10) ? Address(word: U256(0xBAD)) : Self.account
            let to = d.chance(10) ? Address(word: U256(0xBAD)) : Self.contract
            let amount = d.next(0...12)
            let recipient = Self.candidates[d.next(0...3)]
            let garbage = d.chance(10)
            let value = d.next(0...12), gas = d.next(0...12), fee = d.next(0...12), tip = d.next(0...12), nonce = d.next(0...3)
            let legacy = d.chance(40)
            var data = (try? function.abi.encodeCall([.uint(U256(amount)), .address(recipient)])) ?? []
            if garbage { data.append(0) }
            let tx: Transaction = legacy
                ? .legacy(LegacyTransaction(chainId: chain, nonce: UInt64(nonce), gasPrice: U256(fee), gasLimit: UInt64(gas), to: to, value: U256(value), data: data))
                : .dynamicFee(DynamicFeeTransaction(chainId: chain, nonce: UInt64(nonce), maxPriorityFeePerGas: U256(tip), maxFeePerGas: U256(fee),
                                                    gasLimit: UInt64(gas), to: to, value: U256(value), data: data))
            let now = Date(timeIntervalSince1970: 1_000_000)
            let records = spends.map { SpendRecord(account: Self.account, chainId: 5, nonce: UInt64($0.0), at: now.addingTimeInterval(-Double($0.1)), value: .zero, feeExposure: .zero) }

            // The independent checker: every constraint written out plainly.
            var ok = chain == 5 && from == Self.account && to == Self.contract && !garbage
            let effectiveTypes = fnDynamicOnly ? types.intersection([.dynamicFee]) : types
            ok = ok && effectiveTypes.contains(legacy ? .legacy : .dynamicFee)
            ok = ok && amount <= capA && (allowedTo.isEmpty || allowedTo.contains(recipient))
            ok = ok && value <= min(capValue, fnValue ?? .max) && gas <= min(capGas, fnGas ?? .max)
            if legacy {
                ok = ok && fee <= capPrice
            } else {
                ok = ok && fee <= min(capFee, fnFee ?? .max) && tip <= capTip
            }
            let recentNonces = Set(spends.filter { $0.1 < 60 }.map(\.0)).union([nonce])
            ok = ok && recentNonces.count <= capCount

            let decision = policy.evaluate(PolicyRequest(from: from, transaction: tx), spends: records, now: now)
            if decision.isAllowed && !ok {
                Issue.record("allowed a request that breaks a constraint: \(tx) -> \(decision)")
            }
            #expect(decision.isAllowed == ok, "\(decision)")
        }
    }
}
