import ServiceLogging
import EVM
import Foundation
import Logging
import Oracle
import Strategies
import TOML

extension KeeperConfig {
    /// What `keeper config check` prints: the chain, endpoints (by name and host, never the full
    /// URL, which may hold an API key), contracts, strategies and the main settings.
    public var summary: String {
        var out = "\(path): ok\n"
        out += "chain id      \(chainID)\n"
        out += "account       \(signer.account.checksummed) (signer at \(signer.socket))\n"
        out += "database      \(database.path)\n"
        out += "rpc           " + rpc.endpoints.map { "\($0.name) (\($0.url.host ?? "?"))" }.joined(separator: " -> ") + "\n"
        out += "              timeout \(TOML.formatDuration(rpc.requestTimeout)), \(rpc.attempts) attempts\n"
        if !subgraphs.isEmpty {
            out += "subgraphs     " + subgraphs.keys.sorted().map { "\($0) (\(subgraphs[$0]?.host ?? "?"))" }.joined(separator: ", ") + "\n"
        }
        out += "head          poll \(TOML.formatDuration(head.pollInterval)), stalled after \(TOML.formatDuration(head.stallAfter)), \(head.confirmations) confirmation\(head.confirmations == 1 ? "" : "s")\n"
        out += "fees          cap \(EtherAmount.describe(fees.maxFeePerGas)) per gas, tip p\(Self.number(fees.tipPercentile)) (min \(EtherAmount.describe(fees.minTip))), bump +\(Self.number(fees.bumpPercent))% after \(fees.bumpAfterBlocks) blocks, \(fees.maxInFlight) in flight at most\n"
        out += "log           \(log.format.rawValue), \(log.level.rawValue)\n"
        out += "http          " + (http.enabled ? "\(http.host.contains(":") ? "[\(http.host)]" : http.host):\(http.port)" : "off") + "\n"
        let contractNames = contracts.byName.keys.sorted()
        out += "contracts     \(contractNames.isEmpty ? "none" : "")\n"
        for name in contractNames {
            guard let c = contracts[name] else { continue }
            let abi = c.abi.map { "ABI: \($0.functions.count) functions" } ?? "no ABI"
            out += "  \(name)  \(c.address.checksummed)  \(abi)\n"
        }
        out += "strategies    \(strategies.isEmpty ? "none" : "")\n"
        for s in strategies {
            out += "  \(s.name)  kind \(s.kind)  \(s.enabled ? "enabled" : "disabled")\n"
        }
        return out
    }

    static func number(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(v)
    }
}
