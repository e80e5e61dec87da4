public import EVM
import Strategies

/// Prints planned transactions for people (`keeper plan`, `keeper run --dry-run`) and for
/// programs (`--json`: one object per transaction per line).
public enum PlanFormatter {
    /// A readable block per transaction.
    public static func text(_ plans: [PlannedTransaction], block: UInt64) -> String {
        guard !plans.isEmpty else { return "block \(block): nothing to do\n" }
        var out = "block \(block): \(plans.count) planned transaction\(plans.count == 1 ? "" : "s")\n"
        for (i, p) in plans.enumerated() {
            out += "\n#\(i + 1)  \(p.intent.strategy)  \(p.intent.idempotencyKey)\n"
            func row(_ label: String, _ value: String) {
                out += "    " + label + String(repeating: " ", count: max(1, 11 - label.count)) + value + "\n"
            }
            row("reason", p.intent.reason)
            row("to", "\(p.intent.toName) \(p.intent.to.checksummed)")
            row("call", call(p))
            row("value", ether(p.intent.value))
            row("gas", p.gasEstimate.map { "\(grouped($0)) estimated, limit \(grouped(p.gasLimit ?? $0))" } ?? "not estimated")
            if let expected = p.expectedFeeWei, let max = p.maxFeeWei {
                row("fee", "\(ether(expected)) expected, at most \(ether(max))")
            } else {
                row("fee", p.fees == nil ? "no fees: base fee above the cap, or fee history unavailable" : "not estimated")
            }
            row("simulation", simulation(p.simulation))
            if let verdict = p.policyVerdict { row("policy", verdict) }
        }
        return out
    }

    /// One JSON object per transaction, one per line.
    public static func jsonLines(_ plans: [PlannedTransaction], block: UInt64) -> String {
        plans.map { json($0, block: block).serialized + "\n" }.joined()
    }

    /// The JSON object of one planned transaction.
    public static func json(_ p: PlannedTransaction, block: UInt64) -> JSONValue {
        var o: [String: JSONValue] = [
            "block": .number(String(block)),
            "strategy": .string(p.intent.strategy),
            "key": .string(p.intent.idempotencyKey),
            "reason": .string(p.intent.reason),
            "to": ["name": .string(p.intent.toName), "address": .string(p.intent.to.checksummed)],
            "from": .string(p.from.checksummed),
            "function": .string(p.intent.function.description),
            "arguments": .array(zip(p.intent.function.inputs, p.intent.arguments).map { param, value in
                ["name": .string(param.name), "type": .string(param.type.canonicalName), "value": .string(value.description)]
            }),
            "calldata": .string(Hex.encode(p.calldata)),
            "value": .string(p.intent.value.decimalString),
            "gasEstimate": p.gasEstimate.map { .number(String($0)) } ?? .null,
            "gasLimit": p.gasLimit.map { .number(String($0)) } ?? .null,
            "maxFeePerGas": p.fees.map { .string($0.maxFeePerGas.decimalString) } ?? .null,
            "maxPriorityFeePerGas": p.fees.map { .string($0.maxPriorityFeePerGas.decimalString) } ?? .null,
            "expectedFeeWei": p.expectedFeeWei.map { .string($0.decimalString) } ?? .null,
            "maxFeeWei": p.maxFeeWei.map { .string($0.decimalString) } ?? .null,
            "policy": p.policyVerdict.map { .string($0) } ?? .null,
        ]
        switch p.simulation {
        case .ok: o["simulation"] = ["status": "ok"]
        case .reverted(let reason, let data):
            o["simulation"] = ["status": "reverted", "reason": .string(reason), "data": .string(Hex.encode(data))]
        case .unavailable(let why): o["simulation"] = ["status": "unavailable", "reason": .string(why)]
        }
        return .object(o)
    }

    static func call(_ p: PlannedTransaction) -> String {
        let args = zip(p.intent.function.inputs, p.intent.arguments).map { param, value in
            param.name.isEmpty ? value.description : "\(param.name)=\(value.description)"
        }
        return "\(p.intent.function.name)(\(args.joined(separator: ", ")))"
    }

    static func simulation(_ s: PlannedTransaction.Simulation) -> String {
        switch s {
        case .ok: "ok"
        case .reverted(let reason, _): "REVERTS: \(reason) (will not be sent)"
        case .unavailable(let why): "not simulated: \(why)"
        }
    }

    /// Wei as ETH with up to 18 decimals, trailing zeros trimmed: `0.000096 ETH`.
    public static func ether(_ wei: U256) -> String {
        let (whole, fraction) = wei.quotientAndRemainder(dividingBy: U256.pow10(18)!)
        var digits = fraction.decimalString
        digits = String(repeating: "0", count: 18 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return whole.decimalString + (digits.isEmpty ? "" : "." + digits) + " ETH"
    }

    /// 1234567 -> "1,234,567".
    static func grouped(_ n: UInt64) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return out
    }
}
