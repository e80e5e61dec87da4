import DevnetTestKit
import EVM
import Foundation
import Logging
import Oracle
import Strategies
import TOML

/// Shared by the market, drift and emission devnet tests: the demo scenario's contracts as a
/// ContractDirectory, an observation context on the devnet, one observe-and-decide step, and the
/// keeper's part after planning (sign with the keeper's dev key, send, wait for receipts).
enum StrategyDevnet {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func contracts(_ devnet: Devnet) throws -> ContractDirectory {
        var list: [ContractDirectory.Contract] = []
        for name in ["PredictionMarket", "DriftReceiptRegistry", "CredentialToken", "EmissionToken"] {
            guard let text = devnet.manifestString("contracts", name) else { throw Failure(description: "manifest has no contracts.\(name)") }
            list.append(ContractDirectory.Contract(name: name, address: try Address(text)))
        }
        return ContractDirectory(list)
    }

    static func environment(_ devnet: Devnet) throws -> StrategyEnvironment {
        StrategyEnvironment(chainID: 31337, account: try DevAccounts.key(1).address, contracts: try contracts(devnet))
    }

    static func context(_ devnet: Devnet) -> ObservationContext {
        let rpc = EthereumRPC(client: devnet.client())
        var subgraphs: [String: GraphQLClient] = [:]
        for name in ["markets", "credentials"] {
            subgraphs[name] = GraphQLClient(
                name: name, url: devnet.url.appendingPathComponent("subgraphs/\(name)"),
                retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10)))
        }
        return ObservationContext(rpc: rpc, multicall: Multicall3(rpc: rpc), subgraphs: subgraphs, logger: Logger(label: "test"))
    }

    /// The strategy table `[strategies.NAME]` of a config text (kind read, as the keeper does).
    static func table(_ text: String, name: String, file: String? = nil) throws -> TOML.Table {
        let root = try file.map { try TOML.load(path: $0) } ?? TOML.parse(text)
        let table = try root.table("strategies").table(name)
        table.markRead("kind", "enabled")
        return table
    }

    /// Observes at the head and decides, as one tick would.
    static func tick(_ observer: any Observer, _ strategy: any Strategy, _ devnet: Devnet, history: IntentHistory = IntentHistory())
        async throws -> (BlockHeader, StrategyDecision)
    {
        let context = context(devnet)
        guard let head = try await context.rpc.block(.latest) else { throw Failure(description: "no head block") }
        let section = try await observer.observe(at: head, context: context)
        let snapshot = Snapshot(chainID: 31337, block: head, sections: [strategy.name: section], history: history)
        return (head, strategy.decide(snapshot))
    }

    /// Signs each intent with the keeper's dev key (account #1) and sends it; returns the receipts.
    static func send(_ intents: [Intent], _ devnet: Devnet) async throws -> [TransactionReceipt] {
        let rpc = EthereumRPC(client: devnet.client())
        let key = try DevAccounts.key(1)
        var receipts: [TransactionReceipt] = []
        for intent in intents {
            let data = try intent.calldata()
            let gas = try await rpc.estimateGas(CallRequest(from: key.address, to: intent.to, data: data, value: intent.value))
            let nonce = try await rpc.transactionCount(of: key.address, at: .pending)
            let tx = Transaction.dynamicFee(DynamicFeeTransaction(
                chainId: 31337, nonce: nonce, maxPriorityFeePerGas: U256(1_000_000_000), maxFeePerGas: U256(100_000_000_000),
                gasLimit: gas + gas / 5, to: intent.to, value: intent.value, data: data))
            let hash = try await rpc.sendRawTransaction(try tx.sign(with: key).raw)
            receipts.append(try await waitForReceipt(hash, rpc))
        }
        return receipts
    }

    static func waitForReceipt(_ hash: [UInt8], _ rpc: EthereumRPC, timeout: Duration = .seconds(30)) async throws -> TransactionReceipt {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let receipt = try await rpc.receipt(hash) { return receipt }
            try await Task.sleep(for: .milliseconds(20))  // poll interval inside a deadline loop
        }
        throw Failure(description: "no receipt for \(Hex.encode(hash)) within \(timeout)")
    }

    /// One view call at the head, decoded.
    static func call(_ devnet: Devnet, _ to: Address, _ signature: String, _ arguments: [ABIValue]) async throws -> [ABIValue] {
        let function = try ABIFunction(parsing: signature)
        let rpc = EthereumRPC(client: devnet.client())
        return try function.decodeOutput(try await rpc.call(CallRequest(to: to, data: try function.encodeCall(arguments)), at: .latest))
    }

    /// A number of the manifest: a JSON number or a decimal string.
    static func uint(_ value: JSONValue?) -> U256? {
        switch value {
        case .number(let n)?: U256(decimal: n)
        case .string(let s)?: U256(decimal: s)
        default: nil
        }
    }
}
