import ServiceLogging
import DevnetTestKit
import EVM
import Foundation
import Keeper
import Logging
import Oracle
import ProcessTestKit
import Strategies

/// A keeper wired to a devnet for one test: a config file written from the devnet's manifest
/// (the `PriceFeedSink`, the keeper account), the test strategy, a database in a temp directory
/// and the test signer.
final class KeeperHarness: @unchecked Sendable {
    nonisolated(unsafe) static let kinds: StrategyRegistry = .of([TestPushKind.self])
    static let feed = "TEST/USD"

    let devnet: Devnet
    let directory: URL
    let configPath: String
    let signer: LocalKeySigner
    let sink: Address
    let keeperAccount: Address

    /// - Parameters:
    ///   - endpoints: `[rpc] endpoints` as (name, url); the devnet alone by default.
    ///   - extra: TOML appended to the generated file (more sections, or keys of `[strategies.push]`).
    init(devnet: Devnet, endpoints: [(String, String)]? = nil, head: String = "", fees: String = "", strategy: String = "") throws {
        self.devnet = devnet
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("keeper-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        guard let sinkText = devnet.manifestString("contracts", "PriceFeedSink"),
            let keeperText = devnet.manifestString("accounts", "keeper", "address"),
            let keyText = devnet.manifestString("accounts", "keeper", "privateKey"),
            let abiDir = devnet.manifestString("abiDir")
        else { throw HarnessError(message: "the devnet manifest lacks PriceFeedSink, the keeper account or abiDir") }
        sink = try Address(sinkText)
        keeperAccount = try Address(keeperText)
        signer = try LocalKeySigner(key: try PrivateKey(bytes: try Hex.decode(keyText)))
        let rpc = (endpoints ?? [("devnet", devnet.url.absoluteString)])
            .map { "  { name = \"\($0.0)\", url = \"\($0.1)\" }," }.joined(separator: "\n")
        let text = """
            chain_id = 31337

            [rpc]
            endpoints = [
            \(rpc)
            ]
            request_timeout = "1s"
            attempts = 8
            retry_delay = "10ms"

            [signer]
            account = "\(keeperText)"

            [database]
            path = "keeper.db"

            [head]
            poll_interval = "50ms"
            confirmations = 1
            \(head)

            [fees]
            bump_after_blocks = 2
            \(fees)

            [http]
            enabled = false

            [log]
            level = "warning"

            [contracts.PriceFeedSink]
            address = "\(sinkText)"
            abi = "\(abiDir)/PriceFeedSink.json"

            [strategies.push]
            kind = "test-push"
            contract = "PriceFeedSink"
            feed = "\(Self.feed)"
            \(strategy)

            """
        configPath = directory.appendingPathComponent("keeper.toml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: configPath))
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    var databasePath: String { directory.appendingPathComponent("keeper.db").path }

    func config() throws -> KeeperConfig { try KeeperConfig.load(path: configPath, kinds: Self.kinds) }

    static let logger: Logger = {
        var logger = Logger(label: "keeper-test") { label in
            ServiceLogHandler(label: label, format: .logfmt, level: .warning)
        }
        logger.logLevel = .warning
        return logger
    }()

    /// The app, as `keeper run` builds it (with this test's signer).
    func app(_ mode: KeeperApp.Mode = .live) async throws -> KeeperApp {
        try await KeeperApp.make(config: try config(), kinds: Self.kinds, mode: mode, signer: signer, logger: Self.logger)
    }

    // MARK: The chain

    var rpc: EthereumRPC { EthereumRPC(client: devnet.client()) }

    /// The sink's round count for the test feed: the number of effects on chain.
    func rounds() async throws -> U256 {
        let fn = try ABIFunction(parsing: "function latestRound(bytes32 feedId) view returns (uint256)")
        let feedID = Array(Self.feed.utf8) + [UInt8](repeating: 0, count: 32 - Self.feed.utf8.count)
        let out = try await rpc.call(CallRequest(to: sink, data: try fn.encodeCall([.fixedBytes(feedID)])), at: .latest)
        return try fn.decodeOutput(out)[0].uintValue ?? .zero
    }

    /// Transactions the keeper account has had mined.
    func minedNonce() async throws -> UInt64 { try await rpc.transactionCount(of: keeperAccount, at: .latest) }

    func mine(_ blocks: Int = 1) async throws {
        try await devnet.control("evm_mine", [.object(["blocks": .number(String(blocks))])])
    }

    func setAutomine(_ on: Bool) async throws { try await devnet.control("evm_setAutomine", [.bool(on)]) }

    /// Ticks `app` until `done` holds after a tick, or fails after `deadline`.
    @discardableResult
    func tick(_ app: KeeperApp, until deadline: Duration = .seconds(60), mineBetween: Bool = false,
              _ done: (TickReport) async throws -> Bool) async throws -> [TickReport] {
        let end = ContinuousClock.now + deadline
        var reports: [TickReport] = []
        while ContinuousClock.now < end {
            if let report = try? await app.engine.tick() {
                reports.append(report)
                if try await done(report) { return reports }
            }
            if mineBetween { try await mine() }
        }
        throw HarnessError(message: "condition not reached within \(deadline); last: \(reports.last?.summary ?? "no tick")")
    }
}
