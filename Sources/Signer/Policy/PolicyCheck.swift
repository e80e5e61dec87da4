public import EVM
public import Foundation

/// `signer policy check FILE --tx tx.json [--from 0x..]`: decides a transaction against a policy
/// file, signing nothing, so operators can test a policy before approving it. Budgets start
/// empty and nothing was signed before.
public enum PolicyCheck {
    /// The decision text: `allow: ...` or `refuse [rule]: reason`, on one line.
    ///
    /// `transactionJSON` is the first parameter of `account_signTransaction` (Clef's shape:
    /// `from, to, gas, maxFeePerGas, maxPriorityFeePerGas | gasPrice, value, data | input, nonce,
    /// chainId, type, accessList`, quantities as 0x hex); `from` overrides its `from`.
    public static func run(policyPath: String, transactionJSON: [UInt8], from: Address? = nil, methodSignature: String? = nil, now: Date) throws(PolicyError) -> String {
        try decide(policyPath: policyPath, transactionJSON: transactionJSON, from: from, methodSignature: methodSignature, now: now).description
    }

    /// The decision itself (``PolicyDecision/isAllowed``, the rule and its reason); `transactionFile`
    /// names the transaction JSON in errors.
    public static func decide(policyPath: String, transactionJSON: [UInt8], transactionFile: String = "tx.json", from: Address? = nil, methodSignature: String? = nil, now: Date) throws(PolicyError) -> PolicyDecision {
        let policy = try Policy.load(path: policyPath)
        let request = try PolicyCheck.request(json: transactionJSON, from: from, methodSignature: methodSignature, file: transactionFile)
        return policy.evaluate(request, now: now)
    }

    /// Parses the transaction JSON into a request.
    // INTERIM: switch to SignerWire's `TransactionArgs` when it lands on main.
    static func request(json: [UInt8], from: Address?, methodSignature: String?, file: String) throws(PolicyError) -> PolicyRequest {
        func bad(_ key: String?, _ message: String) -> PolicyError {
            PolicyError(.badValue, file: file, line: nil, key: key, message)
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
            throw bad(nil, "expected a JSON object with from, to, gas, maxFeePerGas, maxPriorityFeePerGas or gasPrice, value, data, nonce, chainId")
        }
        let known: Set<String> = ["from", "to", "gas", "maxFeePerGas", "maxPriorityFeePerGas", "gasPrice", "value", "data", "input", "nonce", "chainId", "type", "accessList"]
        for key in object.keys.sorted() where !known.contains(key) {
            throw PolicyError(.unknownKey, file: file, line: nil, key: key, "unknown key '\(key)'; the keys are \(known.sorted().joined(separator: ", "))")
        }
        func string(_ key: String) throws(PolicyError) -> String? {
            guard let v = object[key], !(v is NSNull) else { return nil }
            guard let s = v as? String else { throw bad(key, "must be a 0x-hex string") }
            return s
        }
        func quantity(_ key: String) throws(PolicyError) -> U256? {
            guard let s = try string(key) else { return nil }
            guard s.hasPrefix("0x"), let v = U256(hex: s) else { throw bad(key, "'\(s)' is not a 0x-hex quantity") }
            return v
        }
        func small(_ key: String) throws(PolicyError) -> UInt64? {
            guard let v = try quantity(key) else { return nil }
            guard let s = v.uint64 else { throw bad(key, "does not fit in 64 bits") }
            return s
        }
        func address(_ key: String) throws(PolicyError) -> Address? {
            guard let s = try string(key) else { return nil }
            do { return try Address(s) } catch { throw bad(key, "\(error)") }
        }
        let sender: Address
        if let from { sender = from } else if let f = try address("from") { sender = f } else { throw bad("from", "is missing; give it in the JSON or with --from") }
        let to = try address("to")
        let dataText = try string("data")
        let inputText = try string("input")
        if let dataText, let inputText, dataText != inputText { throw bad("input", "data and input differ; give one") }
        let data: [UInt8]
        do { data = try Hex.decode(dataText ?? inputText ?? "0x") } catch { throw bad("data", "is not 0x-hex bytes") }
        guard let gas = try small("gas") else { throw bad("gas", "is missing") }
        guard let nonce = try small("nonce") else { throw bad("nonce", "is missing; the caller supplies the nonce") }
        let chainId = try small("chainId")
        let value = try quantity("value") ?? .zero
        var accessList: [AccessListEntry] = []
        if let raw = object["accessList"], !(raw is NSNull) {
            guard let entries = raw as? [[String: Any]] else { throw bad("accessList", "must be a list of {address, storageKeys}") }
            for entry in entries {
                guard let a = entry["address"] as? String, let address = try? Address(a),
                      let keys = (entry["storageKeys"] ?? []) as? [String] else { throw bad("accessList", "must be a list of {address, storageKeys}") }
                var storageKeys: [U256] = []
                for k in keys {
                    guard let bytes = try? Hex.decode(k), bytes.count == 32 else { throw bad("accessList", "storage keys are 32 bytes of 0x-hex") }
                    storageKeys.append(U256(bigEndian: bytes)!)
                }
                accessList.append(AccessListEntry(address: address, storageKeys: storageKeys))
            }
        }
        let gasPrice = try quantity("gasPrice")
        let maxFee = try quantity("maxFeePerGas")
        let maxTip = try quantity("maxPriorityFeePerGas")
        let type = try small("type") ?? (gasPrice != nil ? (object["accessList"] != nil ? 1 : 0) : 2)
        let transaction: Transaction
        switch type {
        case 0:
            guard let gasPrice else { throw bad("gasPrice", "is required for a legacy transaction") }
            guard maxFee == nil, maxTip == nil, accessList.isEmpty else { throw bad("type", "a legacy transaction has gasPrice only, no EIP-1559 fees or access list") }
            transaction = .legacy(LegacyTransaction(chainId: chainId, nonce: nonce, gasPrice: gasPrice, gasLimit: gas, to: to, value: value, data: data))
        case 1:
            guard let gasPrice, let chainId else { throw bad("gasPrice", "gasPrice and chainId are required for an EIP-2930 transaction") }
            guard maxFee == nil, maxTip == nil else { throw bad("type", "an EIP-2930 transaction has gasPrice, not EIP-1559 fees") }
            transaction = .accessList(AccessListTransaction(chainId: chainId, nonce: nonce, gasPrice: gasPrice, gasLimit: gas, to: to, value: value, data: data, accessList: accessList))
        case 2:
            guard let maxFee, let maxTip, let chainId else { throw bad("maxFeePerGas", "maxFeePerGas, maxPriorityFeePerGas and chainId are required for an EIP-1559 transaction") }
            guard gasPrice == nil else { throw bad("gasPrice", "an EIP-1559 transaction has maxFeePerGas and maxPriorityFeePerGas, not gasPrice") }
            transaction = .dynamicFee(DynamicFeeTransaction(chainId: chainId, nonce: nonce, maxPriorityFeePerGas: maxTip, maxFeePerGas: maxFee, gasLimit: gas, to: to, value: value, data: data, accessList: accessList))
        default:
            throw bad("type", "transaction type \(type) is not supported; use 0, 1 or 2")
        }
        return PolicyRequest(from: sender, transaction: transaction, methodSignature: methodSignature)
    }
}
