public import EVM
public import Foundation
import SignerWire

/// `signer policy check FILE --tx tx.json [--from 0x..]`: decides a transaction against a policy
/// file, signing nothing, so operators can test a policy before approving it. Budgets start
/// empty and nothing was signed before.
public enum PolicyCheck {
    /// The decision text: `allow: ...` or `refuse [rule]: reason`, on one line.
    ///
    /// `transactionJSON` is the first parameter of `account_signTransaction` (Clef's shape:
    /// `from, to, gas, maxFeePerGas, maxPriorityFeePerGas | gasPrice, value, data | input, nonce,
    /// chainId, type, accessList`, quantities as 0x hex without leading zeros), read by the wire's own
    /// strict reader; `from` overrides its `from`.
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

    /// Parses the transaction JSON into a request with the wire's own reader
    /// (``TransactionArgs``), so that `check` accepts exactly what `account_signTransaction`
    /// accepts; `from`, when given, fills in or replaces the JSON's `from`.
    static func request(json: [UInt8], from: Address?, methodSignature: String?, file: String) throws(PolicyError) -> PolicyRequest {
        var document: WireJSON
        do {
            document = try WireJSON.parse(json)
        } catch {
            throw PolicyError(.syntax, file: file, line: nil, key: nil, "\(error.description); the file holds one JSON object, account_signTransaction's first parameter")
        }
        if let from, case .object(var members) = document {
            members.removeAll { $0.name == "from" }
            members.insert(WireJSONMember("from", .string(from.checksummed)), at: 0)
            document = .object(members)
        }
        do {
            let args = try TransactionArgs(json: document)
            return PolicyRequest(from: args.from, transaction: try args.transaction(), methodSignature: methodSignature)
        } catch {
            throw PolicyError(error, file: file)
        }
    }
}

extension PolicyError {
    /// A transaction file's error from the wire reader: the field's path (without the `tx.`
    /// root) as the key.
    init(_ error: WireDecodingError, file: String, fileID: String = #fileID, sourceLine: Int = #line) {
        let key = error.path.hasPrefix("tx.") ? String(error.path.dropFirst(3)) : error.path
        let (kind, message): (Kind, String) =
            switch error.problem {
            case .missing where key == "from": (.missingKey, "missing; give it in the JSON or with --from")
            case .missing: (.missingKey, "missing; account_signTransaction requires it")
            case .wrongType(let expected, let found): (.badValue, "must be \(expected), found \(found)")
            case .invalidValue(let message): (.badValue, message)
            case .unknownField: (.unknownKey, "unknown field '\(key)'; account_signTransaction's fields are from, to, gas, gasPrice, maxFeePerGas, maxPriorityFeePerGas, value, data, input, nonce, chainId, type, accessList")
            }
        self.init(kind, file: file, line: nil, key: key.isEmpty ? nil : key, message, fileID: fileID, sourceLine: sourceLine)
    }
}
