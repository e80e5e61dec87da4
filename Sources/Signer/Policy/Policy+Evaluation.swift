public import Foundation
public import EVM

extension Policy {
    /// Decides one request. Pure: the same policy, request, records and time give the same answer.
    ///
    /// Rules are checked in this order, and the first that refuses decides: `chain_id`,
    /// `account`, `tx_type` (global), `creation` or `contract`, `method_signature`, `function`,
    /// `calldata`, `argument.<name>`, then against the caps tightened for the contract and function:
    /// `tx_type`, `value`, `gas`, `max_fee_per_gas` and `max_priority_fee_per_gas` (EIP-1559) or
    /// `gas_price` (legacy, EIP-2930); then `nonce` against `signedAtNonce` (what was already signed
    /// for this account, chain and nonce; see ``NonceSlot``), and last the budgets
    /// (`budget.<value|fee|count>.<window>`) over `spends` with this request added.
    ///
    /// - Parameters:
    ///   - spends: spend records of the account (records of other accounts and chains are ignored).
    ///   - signedAtNonce: transactions already signed for (request.from, chain, nonce).
    ///   - now: the time the request is decided at (the budget windows end here).
    public func evaluate(_ request: PolicyRequest, spends: [SpendRecord] = [], signedAtNonce: [Transaction] = [], now: Date) -> PolicyDecision {
        evaluate(request, history: SpendList(spends), signedAtNonce: signedAtNonce, now: now)
    }

    /// Decides one request like ``evaluate(_:spends:signedAtNonce:now:)``, with the budgets read
    /// from `history` (the signer's store passes its ``LedgerView``, whose running totals make
    /// the budget check O(1) however many spends the windows hold).
    public func evaluate(_ request: PolicyRequest, history: some SpendHistory, signedAtNonce: [Transaction] = [], now: Date) -> PolicyDecision {
        let tx = request.transaction
        guard let txChain = tx.chainId else {
            return .refuse(rule: PolicyRuleID.chainId, reason: "a legacy transaction without a chain id (pre-EIP-155) can be replayed on any chain; set chainId \(chainId)")
        }
        guard txChain == chainId else {
            return .refuse(rule: PolicyRuleID.chainId, reason: "chain id \(txChain) is not this policy's chain \(chainId)")
        }
        guard accounts.contains(request.from) else {
            return .refuse(rule: PolicyRuleID.account, reason: "account \(request.from) is not covered by this policy (it covers \(accounts.map(\.checksummed).joined(separator: ", ")))")
        }
        if let refusal = checkType(tx, limits: limits) { return refusal }

        let effective: TransactionLimits
        let matched: String
        if let to = tx.to {
            guard let contract = contract(at: to) else {
                return .refuse(rule: PolicyRuleID.contract, reason: "\(to) is not a contract this policy allows calls to")
            }
            let selected = contract.function(forCalldata: tx.data)
            // The hint is usually the canonical signature of the very function the selector names
            // (the keeper sends that): then it agrees without parsing it.
            if let hint = request.methodSignature, selected?.signature != hint {
                if let refusal = checkMethodSignature(hint, data: tx.data) { return refusal }
            }
            guard let function = selected else {
                let allowed = contract.functions.map(\.signature).joined(separator: ", ")
                let what = tx.data.count < 4
                    ? "calldata of \(tx.data.count) byte\(tx.data.count == 1 ? "" : "s") calls no function"
                    : "selector \(Hex.encode(tx.data.prefix(4))) is not an allowed function"
                return .refuse(rule: PolicyRuleID.function, reason: "\(what) of \(contract.name) (\(to)); allowed: \(allowed)")
            }
            let arguments: [ABIValue]
            do {
                arguments = try function.abi.decodeCall(tx.data, strict: true)
            } catch {
                return .refuse(rule: PolicyRuleID.calldata, reason: "calldata does not decode strictly as \(function.signature): \(error.message)")
            }
            for argument in function.resolved {
                if let problem = Self.violation(argument, arguments[argument.index]) {
                    return .refuse(rule: PolicyRuleID.argument(argument.ruleName), reason: "\(function.signature) argument '\(argument.ruleName)' \(problem)")
                }
            }
            effective = limits.tightened(by: contract.limits).tightened(by: function.limits)
            matched = "\(contract.name) (\(to)) \(function.signature)"
        } else {
            guard let creation else {
                return .refuse(rule: PolicyRuleID.creation, reason: "contract creation is not allowed by this policy (add a [creation] table to allow it)")
            }
            effective = limits.tightened(by: creation)
            matched = "contract creation"
        }
        if let refusal = checkType(tx, limits: effective) { return refusal }
        if let refusal = checkCaps(tx, limits: effective) { return refusal }

        if case .refuse(let reason) = NonceSlot(signed: signedAtNonce).check(tx) {
            return .refuse(rule: PolicyRuleID.nonce, reason: reason)
        }
        if let refusal = checkBudgets(request, history: history, now: now) { return refusal }
        return .allow(matched: matched)
    }

    func checkType(_ tx: Transaction, limits: TransactionLimits) -> PolicyDecision? {
        guard limits.transactionTypes.contains(tx.type) else {
            let allowed = limits.transactionTypes.sorted { $0.rawValue < $1.rawValue }.map { String($0.rawValue) }
            return .refuse(rule: PolicyRuleID.txType, reason: "transaction type \(tx.type.rawValue) (\(tx.type)) is not allowed here; allowed types: \(allowed.isEmpty ? "none" : allowed.joined(separator: ", "))")
        }
        return nil
    }

    func checkMethodSignature(_ hint: String, data: [UInt8]) -> PolicyDecision? {
        let function: ABIFunction
        do {
            function = try ABIFunction(parsing: hint)
        } catch {
            return .refuse(rule: PolicyRuleID.methodSignature, reason: "the method signature '\(hint)' does not parse: \(error.message)")
        }
        guard data.count >= 4, data.prefix(4).elementsEqual(function.selector) else {
            return .refuse(rule: PolicyRuleID.methodSignature, reason: "the method signature \(function.signature) has selector \(Hex.encode(function.selector)), but the calldata starts with \(Hex.encode(data.prefix(4)))")
        }
        return nil
    }

    func checkCaps(_ tx: Transaction, limits: TransactionLimits) -> PolicyDecision? {
        if tx.value > limits.maxValue {
            return .refuse(rule: PolicyRuleID.value, reason: "value \(EtherAmount.describe(tx.value)) is above the cap of \(EtherAmount.describe(limits.maxValue))")
        }
        if tx.gasLimit > limits.maxGas {
            return .refuse(rule: PolicyRuleID.gas, reason: "gas limit \(tx.gasLimit) is above the cap of \(limits.maxGas)")
        }
        switch tx {
        case .dynamicFee(let d):
            if d.maxFeePerGas > limits.maxFeePerGas {
                return .refuse(rule: PolicyRuleID.maxFeePerGas, reason: "maxFeePerGas \(EtherAmount.describe(d.maxFeePerGas)) is above the cap of \(EtherAmount.describe(limits.maxFeePerGas))")
            }
            if d.maxPriorityFeePerGas > limits.maxPriorityFeePerGas {
                return .refuse(rule: PolicyRuleID.maxPriorityFeePerGas, reason: "maxPriorityFeePerGas \(EtherAmount.describe(d.maxPriorityFeePerGas)) is above the cap of \(EtherAmount.describe(limits.maxPriorityFeePerGas))")
            }
        case .legacy, .accessList:
            let price = tx.maxFeePerGas
            if price > limits.maxGasPrice {
                return .refuse(rule: PolicyRuleID.gasPrice, reason: "gasPrice \(EtherAmount.describe(price)) is above the cap of \(EtherAmount.describe(limits.maxGasPrice))")
            }
        }
        return nil
    }

    func checkBudgets(_ request: PolicyRequest, history: some SpendHistory, now: Date) -> PolicyDecision? {
        guard !budgets.isEmpty else { return nil }
        let this = SpendRecord(account: request.from, transaction: request.transaction, at: now)
        for budget in budgets {
            let totals = history.totals(in: budget.window, with: this, now: now)
            if let cap = budget.maxValue, totals.value > cap {
                return .refuse(rule: PolicyRuleID.budget(.value, budget.window), reason: "account \(request.from) would send \(EtherAmount.describe(totals.value)) in the last \(budget.window) with this transaction, above the budget of \(EtherAmount.describe(cap))")
            }
            if let cap = budget.maxFee, totals.fee > cap {
                return .refuse(rule: PolicyRuleID.budget(.fee, budget.window), reason: "account \(request.from) would have a fee exposure of \(EtherAmount.describe(totals.fee)) in the last \(budget.window) with this transaction, above the budget of \(EtherAmount.describe(cap))")
            }
            if let cap = budget.maxCount, totals.count > cap {
                return .refuse(rule: PolicyRuleID.budget(.count, budget.window), reason: "account \(request.from) would sign \(totals.count) transactions in the last \(budget.window) with this one, above the budget of \(cap)")
            }
        }
        return nil
    }

    /// Why `value` breaks the argument's checks, or nil.
    static func violation(_ argument: ResolvedArgument, _ value: ABIValue) -> String? {
        switch argument.type {
        case .array, .fixedArray:
            let elements = value.elements ?? []
            for check in argument.checks {
                if case .maxLength(let n) = check, elements.count > n {
                    return "has \(elements.count) elements, more than max_length \(n)"
                }
            }
            for (i, element) in elements.enumerated() {
                if let problem = scalarViolation(argument.checks, element) {
                    return "element \(i) \(problem)"
                }
            }
            return nil
        case .bytes, .string:
            let length = value.bytesValue?.count ?? value.stringValue?.utf8.count ?? 0
            for check in argument.checks {
                if case .maxLength(let n) = check, length > n {
                    return "is \(length) bytes long, more than max_length \(n)"
                }
            }
            return nil
        default:
            return scalarViolation(argument.checks, value)
        }
    }

    static func scalarViolation(_ checks: [ArgumentCheck], _ value: ABIValue) -> String? {
        let shown = display(value)
        for check in checks {
            switch check {
            case .eq(let s):
                if !s.equals(value) { return "is \(shown), not the required \(s)" }
            case .oneOf(let list):
                if !list.contains(where: { $0.equals(value) }) {
                    return "is \(shown), not one of [\(list.map(\.description).joined(separator: ", "))]"
                }
            case .le(let s):
                if (s.compare(value) ?? 1) > 0 { return "is \(shown), above the cap (le) \(s)" }
            case .lt(let s):
                if (s.compare(value) ?? 0) >= 0 { return "is \(shown), not below (lt) \(s)" }
            case .ge(let s):
                if (s.compare(value) ?? -1) < 0 { return "is \(shown), below the minimum (ge) \(s)" }
            case .gt(let s):
                if (s.compare(value) ?? 0) <= 0 { return "is \(shown), not above (gt) \(s)" }
            case .maxLength:
                break
            }
        }
        return nil
    }

    static func display(_ value: ABIValue) -> String {
        switch value {
        case .uint(let v): v.decimalString
        case .int(let v): v.description
        case .address(let a): a.checksummed
        case .bool(let b): String(b)
        case .fixedBytes(let b), .bytes(let b): Hex.encode(b)
        case .string(let s): "\"\(s)\""
        case .array, .tuple: "\(value)"
        }
    }
}
