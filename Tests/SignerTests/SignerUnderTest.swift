import EVM
import Foundation
import Logging
import ProcessTestKit
import SignerWire
#if canImport(Glibc)
import Glibc
#endif

/// A real `signer serve` for one test (``SignerProcess``) in a fresh temporary directory that
/// goes with it: the example keeper key, and a policy that lets it call the Markets contract's
/// `resolve` with all three transaction types.
final class SignerUnderTest {
    static let keeper = SignerProcess.keeperAddress
    static let markets = "0x5FbDB2315678afecb367f032d93F642f64180aa3"

    /// The policy: `resolve(uint256,bool)` on Markets, all three transaction types, no value;
    /// `extra` is appended (a `[[budget]]`, say).
    static func policy(extra: String = "") -> String {
        """
        schema = 1
        chain_id = 31337
        accounts = ["\(keeper)"]

        [limits]
        tx_types = [0, 1, 2]
        max_gas = 1_000_000
        max_value = "0"
        max_fee_per_gas = "200 gwei"
        max_priority_fee_per_gas = "5 gwei"
        max_gas_price = "200 gwei"
        \(extra)
        [[contract]]
        name = "Markets"
        address = "\(markets)"

        [[contract.function]]
        signature = "function resolve(uint256 marketId, bool outcome)"

        """
    }

    let signer: SignerProcess
    private let temporary: TemporaryDirectory

    /// Writes the files (``policy(extra:)`` unless `policy` is given; `socket` and `database`
    /// keys for signer.toml) and, when `approve`, approves the policy. Does not start the signer.
    init(policy: String = SignerUnderTest.policy(), socket: String = "", database: String = "", approve: Bool = true) async throws {
        temporary = try TemporaryDirectory()
        signer = try SignerProcess(in: URL(fileURLWithPath: temporary.path), policy: policy, socket: socket, database: database)
        if approve { try await signer.approve() }
    }

    deinit {
        signer.process?.kill()
    }

    var directory: String { temporary.path }

    /// A client of its socket.
    func client(timeout: Duration = .seconds(10)) -> SignerClient {
        SignerClient(socketPath: signer.socketPath, timeout: timeout, logger: Logger(label: "test"))
    }

    /// A notify socket in its directory, to pass as `NOTIFY_SOCKET`.
    func notifySocket() throws -> NotifySocketListener {
        try NotifySocketListener(path: directory + "/notify.sock")
    }

    /// Replaces the policy file's bytes (atomically, as an editor or a deployment would).
    func writePolicy(_ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: signer.policyPath), options: .atomic)
    }

    /// The sha256 that `signer_status` reports for a policy file holding `text`.
    static func sha256(_ text: String) -> String {
        Hex.encode(SHA256.hash(Array(text.utf8)), prefix: false)
    }

    /// `resolve(marketId, true)` on Markets from the keeper account: EIP-1559, gas 120,000,
    /// maxFeePerGas `maxFeeGwei` gwei, tip 2 gwei.
    static func resolve(nonce: UInt64, marketId: UInt64 = 7, maxFeeGwei: UInt64 = 30) throws -> TransactionArgs {
        let resolve = try ABIFunction(parsing: "function resolve(uint256 marketId, bool outcome)")
        return try TransactionArgs(
            from: try Address(keeper), to: try Address(markets), gas: 120_000,
            fees: .dynamic(maxFeePerGas: U256(maxFeeGwei * 1_000_000_000), maxPriorityFeePerGas: U256(2_000_000_000)),
            value: .zero, data: try resolve.encodeCall([.uint(U256(marketId)), .bool(true)]), nonce: nonce,
            chainId: U256(31337), type: .dynamicFee)
    }

    /// The request line, newline included, that asks to sign `transaction`.
    static func signLine(id: Int, _ transaction: TransactionArgs) -> [UInt8] {
        let params = SignTransactionParams(transaction: transaction, methodSignature: "resolve(uint256,bool)").params
        return RPCRequest(id: RPCID(id), method: SignerMethod.signTransaction.rawValue, params: params).serialized + [0x0A]
    }

    /// The request line, newline included, that calls `method` without params.
    static func line(id: Int, method: String) -> [UInt8] {
        RPCRequest(id: RPCID(id), method: method).serialized + [0x0A]
    }
}
