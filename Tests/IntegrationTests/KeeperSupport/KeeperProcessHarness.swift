import DevnetTestKit
import EVM
import Foundation
import Keeper
import Oracle
import ProcessTestKit

/// Real `keeper run` processes on a devnet for one test: the devnet's `demo` scenario (its
/// Uniswap V3-like pools feed the twap-push strategy of the shipped binary), a keeper.toml
/// written from the manifest, optionally the real `signer serve`, and a notify socket standing in
/// for systemd. Everything lives in one temp directory; every child is killed when the harness
/// goes (tests also stop them explicitly in `defer`).
final class KeeperProcessHarness: @unchecked Sendable {
    static let feed = "WETH/USDC"
    static let pools = ["WETH/USDC-500", "WETH/USDC-3000", "WETH/USDC-10000"]
    /// The twap-push intent for the feed's next round after the scenario's first push.
    static let roundTwoKey = "twap-push/WETH/USDC/round-2"

    let devnet: Devnet
    let directory: URL
    let keeperAccount: Address
    let sink: Address
    private(set) var signer: SignerProcess?
    private var keepers: [ManagedProcess] = []

    var configPath: String { directory.appendingPathComponent("keeper.toml").path }
    var databasePath: String { directory.appendingPathComponent("keeper.db").path }

    /// Starts the demo devnet; the keeper's and the signer's files go to a fresh temp directory
    /// (short, so that socket paths fit `sun_path`).
    ///
    /// - Parameter blockTime: mine a block every so many seconds (the head moves on its own);
    ///   nil mines only on transactions and `evm_mine`, so the head stands still in between.
    init(blockTime: Double? = nil) async throws {
        devnet = try await Devnet.start(scenario: "demo", blockTime: blockTime)
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("kp-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        guard let sinkText = devnet.manifestString("contracts", "PriceFeedSink"),
            let keeperText = devnet.manifestString("accounts", "keeper", "address")
        else { throw HarnessError(message: "the demo manifest lacks PriceFeedSink or the keeper account") }
        sink = try Address(sinkText)
        keeperAccount = try Address(keeperText)
    }

    deinit {
        stopAll()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Kills every child: keepers first, then the signer, then the devnet.
    func stopAll() {
        for keeper in keepers { keeper.kill() }
        signer?.process?.kill()
        devnet.stop()
    }

    /// Starts the real signer with `policies/twap.toml` (the keeper may push WETH/USDC prices),
    /// changed by `editPolicy`.
    func startSigner(editPolicy: (String) -> String = { $0 }) async throws {
        signer = try await SignerProcess.start(in: directory.appendingPathComponent("signer"), policy: "twap.toml", edit: editPolicy)
    }

    // MARK: keeper.toml

    /// Writes keeper.toml: the devnet, the signer's socket, a database in the directory, quick
    /// polling, one confirmation, and the twap-push strategy for WETH/USDC.
    ///
    /// - Parameters:
    ///   - strategies: false leaves `[strategies]` out (a keeper that only ticks).
    ///   - strategyKeys: more keys for `[strategies.twap-push]` (`enabled`, ...).
    ///   - headKeys: more keys for `[head]` (`stall_after`, ...).
    func writeConfig(heartbeatSeconds: Int = 3600, strategies: Bool = true, strategyKeys: String = "", headKeys: String = "") throws {
        guard let manifest = devnet.manifest else { throw HarnessError(message: "no manifest") }
        func address(_ path: String...) throws -> String {
            var value: JSONValue? = manifest
            for key in path { value = value?[key] }
            guard let text = value?.stringValue else { throw HarnessError(message: "the manifest has no \(path.joined(separator: "."))") }
            return text
        }
        var text = """
            chain_id = 31337

            [rpc]
            endpoints = [{ name = "devnet", url = "\(devnet.url.absoluteString)" }]
            request_timeout = "2s"
            attempts = 3
            retry_delay = "10ms"

            [signer]
            account = "\(keeperAccount.checksummed)"
            socket = "\(directory.appendingPathComponent("signer/signer.sock").path)"

            [database]
            path = "keeper.db"

            [head]
            poll_interval = "50ms"
            confirmations = 1
            \(headKeys)

            [log]
            level = "info"

            [http]
            enabled = false

            [contracts.PriceFeedSink]
            address = "\(sink.checksummed)"

            [contracts.WETH]
            address = "\(try address("contracts", "tokens", "WETH"))"

            [contracts.USDC]
            address = "\(try address("contracts", "tokens", "USDC"))"

            """
        for pool in Self.pools {
            text += "\n[contracts.\"\(pool)\"]\naddress = \"\(try address("contracts", "uniswapV3Pools", pool))\"\n"
        }
        if strategies {
            text += """

                [strategies.twap-push]
                kind = "twap-push"
                sink = "PriceFeedSink"
                heartbeat_seconds = \(heartbeatSeconds)
                \(strategyKeys)

                [[strategies.twap-push.feeds]]
                id = "\(Self.feed)"
                base = "WETH"
                quote = "USDC"
                pools = [\(Self.pools.map { "\"\($0)\"" }.joined(separator: ", "))]

                """
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: configPath))
    }

    // MARK: keeper run

    /// Starts `keeper run --config keeper.toml` with `NOTIFY_SOCKET` (and `WATCHDOG_USEC` when
    /// `watchdog` is given); each start logs to its own file, `keeper-N.log`.
    func startKeeper(notify: NotifySocketListener? = nil, watchdog: Duration? = nil) throws -> ManagedProcess {
        var environment: [String: String] = [:]
        if let notify { environment["NOTIFY_SOCKET"] = notify.path }
        if let watchdog {
            environment["WATCHDOG_USEC"] = String(watchdog.components.seconds * 1_000_000 + watchdog.components.attoseconds / 1_000_000_000_000)
        }
        let keeper = try ManagedProcess(
            name: "keeper run #\(keepers.count + 1)", executable: try BuiltExecutable.path("keeper"),
            arguments: ["run", "--config", configPath], environment: environment,
            logFile: directory.appendingPathComponent("keeper-\(keepers.count + 1).log"))
        keepers.append(keeper)
        return keeper
    }

    /// A notify socket in the directory, named `name`.
    func notifySocket(_ name: String = "notify") throws -> NotifySocketListener {
        try NotifySocketListener(path: directory.appendingPathComponent("\(name).sock").path)
    }

    // MARK: The keeper's database

    /// The stored intent for `key`, read from the keeper's database while it may be running
    /// (WAL: readers do not block the writer). Nil until the keeper created the file.
    func storedIntent(_ key: String) throws -> StoredIntent? {
        guard FileManager.default.fileExists(atPath: databasePath) else { return nil }
        return try IntentStore(path: databasePath).intent(key: key)
    }

    /// Every idempotency key in the keeper's database.
    func storedKeys() throws -> Set<String> {
        guard FileManager.default.fileExists(atPath: databasePath) else { return [] }
        return try IntentStore(path: databasePath).keys(since: 0)
    }

    // MARK: The chain

    var rpc: EthereumRPC { EthereumRPC(client: devnet.client()) }

    /// The sink's latest round for the feed: one more per push that took effect.
    func round() async throws -> U256 {
        let fn = try ABIFunction(parsing: "function latestRound(bytes32 feedId) view returns (uint256)")
        let feedID = Array(Self.feed.utf8) + [UInt8](repeating: 0, count: 32 - Self.feed.utf8.count)
        let out = try await rpc.call(CallRequest(to: sink, data: try fn.encodeCall([.fixedBytes(feedID)])), at: .latest)
        guard let round = try fn.decodeOutput(out).first?.uintValue else { throw HarnessError(message: "latestRound: no uint") }
        return round
    }

    /// Transactions of the keeper account that were mined.
    func minedNonce() async throws -> UInt64 { try await rpc.transactionCount(of: keeperAccount, at: .latest) }

    /// Transactions waiting in the devnet's pool (`txpool_status`).
    func pooled() async throws -> Int {
        let status = try await devnet.control("txpool_status")
        guard let hex = status["pending"]?.stringValue, let count = Int(hex.dropFirst(2), radix: 16) else {
            throw HarnessError(message: "txpool_status: \(status)")
        }
        return count
    }

    /// Moves the chain's clock `seconds` ahead and mines a block.
    func advance(_ seconds: Int) async throws {
        try await devnet.control("evm_increaseTime", [.number(String(seconds))])
        try await devnet.control("evm_mine")
    }

    /// Holds transactions in the pool (false) or mines what waits and every new one at once (true).
    func setAutomine(_ on: Bool) async throws { try await devnet.control("evm_setAutomine", [.bool(on)]) }
}
