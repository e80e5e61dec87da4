import BenchmarkKit
import DevnetTestKit
import EVM
import Foundation

/// keeper.toml files for the benchmarks, in the shape of deploy/keeper.example.toml, with the
/// devnet's URL and the scenario's addresses.
enum KeeperConfigs {
    static func address(_ devnet: Devnet, _ path: String...) throws -> String {
        var value = devnet.manifest
        for key in path { value = value?[key] }
        guard let text = value?.stringValue else { throw BenchError("the devnet manifest has no \(path.joined(separator: "."))") }
        return text
    }

    static func common(_ devnet: Devnet, pollInterval: String, signerSocket: String?) -> String {
        """
        chain_id = 31337

        [rpc]
        endpoints = [{ name = "devnet", url = "\(devnet.url.absoluteString)" }]
        request_timeout = "120s"
        attempts = 3
        retry_delay = "50ms"

        [subgraphs]
        aave = "\(devnet.url.absoluteString)subgraphs/aave"

        [signer]
        account = "\(SignerProcess.keeper)"
        \(signerSocket.map { "socket = \"\($0)\"" } ?? "")

        [database]
        path = "keeper.db"

        [head]
        poll_interval = "\(pollInterval)"
        stall_after = "30m"
        observe_timeout = "10m"

        [log]
        format = "logfmt"
        level = "info"

        [http]
        enabled = false

        """
    }

    /// The aave-protection strategy alone (aave-N scenarios).
    static func aave(_ devnet: Devnet, signerSocket: String? = nil) throws -> String {
        var text = common(devnet, pollInterval: "100ms", signerSocket: signerSocket)
        for name in ["Pool", "PriceOracle", "FlashLoanOrchestrator", "OracleSwap"] {
            text += "[contracts.\(name)]\naddress = \"\(try address(devnet, "contracts", name))\"\n\n"
        }
        for token in ["WETH", "WBTC", "USDC", "DAI"] {
            text += "[contracts.\(token)]\naddress = \"\(try address(devnet, "contracts", "tokens", token))\"\n\n"
        }
        text += """
            [strategies.aave]
            kind = "aave-protection"
            subgraph = "aave"
            swap = "OracleSwap"

            """
        return text
    }

    /// The twap-push strategy alone (`demo` scenario), heartbeat `heartbeat` seconds.
    static func twap(_ devnet: Devnet, signerSocket: String, heartbeat: Int) throws -> String {
        var text = common(devnet, pollInterval: "100ms", signerSocket: signerSocket)
        text += "[contracts.PriceFeedSink]\naddress = \"\(try address(devnet, "contracts", "PriceFeedSink"))\"\n\n"
        for token in ["WETH", "USDC"] {
            text += "[contracts.\(token)]\naddress = \"\(try address(devnet, "contracts", "tokens", token))\"\n\n"
        }
        let pools = ["WETH/USDC-500", "WETH/USDC-3000", "WETH/USDC-10000"]
        for pool in pools {
            text += "[contracts.\"\(pool)\"]\naddress = \"\(try address(devnet, "contracts", "uniswapV3Pools", pool))\"\n\n"
        }
        text += """
            [strategies.twap-push]
            kind = "twap-push"
            sink = "PriceFeedSink"
            heartbeat_seconds = \(heartbeat)

            [[strategies.twap-push.feeds]]
            id = "WETH/USDC"
            base = "WETH"
            quote = "USDC"
            pools = [\(pools.map { "\"\($0)\"" }.joined(separator: ", "))]

            """
        return text
    }
}
