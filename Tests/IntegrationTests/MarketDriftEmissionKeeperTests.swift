import ServiceLogging
import DevnetTestKit
import EVM
import Foundation
import Keeper
import Logging
import Oracle
import Strategies
import Testing

/// The three strategies through the keeper runtime (`KeeperApp`, as `keeper run` builds it) on
/// the demo scenario: the expected markets resolved, the receipts registered with hashes that
/// recompute from the export, the holders paid exactly their accrual; and once done, more ticks
/// send nothing for markets and receipts.
@Suite struct MarketDriftEmissionKeeperTests {
    nonisolated(unsafe) static let kinds: StrategyRegistry = .of([MarketResolutionKind.self, DriftReceiptsKind.self, EmissionMintingKind.self])

    @Test func keeperRunsTheThreeStrategiesToTheirEffects() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keeper-s3-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let devnet = try await Devnet.start(scenario: "demo", options: ["data_dir": dir.appendingPathComponent("monitoring").path])
        let manifest = try #require(devnet.manifest)
        let env = try StrategyDevnet.environment(devnet)
        func address(_ name: String) throws -> String { try #require(env.contracts[name]).address.checksummed }
        let keeper = try #require(devnet.manifestString("accounts", "keeper", "address"))
        let key = try #require(devnet.manifestString("accounts", "keeper", "privateKey"))
        let configPath = dir.appendingPathComponent("keeper.toml").path
        try Data("""
            chain_id = 31337

            [rpc]
            endpoints = [{ name = "devnet", url = "\(devnet.url.absoluteString)" }]
            request_timeout = "2s"
            retry_delay = "10ms"

            [subgraphs]
            markets = "\(devnet.url.appendingPathComponent("subgraphs/markets").absoluteString)"
            credentials = "\(devnet.url.appendingPathComponent("subgraphs/credentials").absoluteString)"

            [signer]
            account = "\(keeper)"

            [database]
            path = "keeper.db"

            [head]
            poll_interval = "50ms"
            confirmations = 1
            # The suite runs 17 devnets at once on two cores: a first tick's observers can
            # take longer than the 10 s default there. This test is about effects, not speed.
            observe_timeout = "60s"

            [http]
            enabled = false

            [log]
            level = "warning"

            [contracts.PredictionMarket]
            address = "\(try address("PredictionMarket"))"

            [contracts.DriftReceiptRegistry]
            address = "\(try address("DriftReceiptRegistry"))"

            [contracts.CredentialToken]
            address = "\(try address("CredentialToken"))"

            [strategies.markets]
            kind = "market-resolution"

            [strategies.drift]
            kind = "drift-receipts"
            directory = "\(try #require(manifest["models"]?["dataDir"]?.stringValue))"
            archive = "receipts.sqlite"

            [strategies.emissions]
            kind = "emission-minting"
            max_batch_size = 8
            cooldown_seconds = 0
            """.utf8).write(to: URL(fileURLWithPath: configPath))
        let config = try KeeperConfig.load(path: configPath, kinds: Self.kinds)
        let signer = try LocalKeySigner(key: try PrivateKey(bytes: try Hex.decode(key)))
        var logger = Logger(label: "keeper-s3") { label in ServiceLogHandler(label: label, format: .logfmt, level: .warning) }
        logger.logLevel = .warning
        let app = try await KeeperApp.make(config: config, kinds: Self.kinds, mode: .live, signer: signer, logger: logger)

        // Balances before, to check the emissions' effect.
        let emission = try Address(try #require(devnet.manifestString("contracts", "EmissionToken")))
        let token = try #require(env.contracts["CredentialToken"]).address
        var holders: [(credential: U256, rate: U256, address: Address, balance: U256, until: UInt64)] = []
        for c in try #require(manifest["credentials"]?["list"]?.arrayValue) {
            let id = try #require(StrategyDevnet.uint(c["credentialId"]))
            let rate = try #require(StrategyDevnet.uint(c["ratePerSecond"]))
            for h in try #require(c["holders"]?.arrayValue) {
                let a = try Address(try #require(h["address"]?.stringValue))
                let balance = try await StrategyDevnet.call(devnet, emission, "balanceOf(address) returns (uint256)", [.address(a)])
                holders.append((id, rate, a, try #require(balance.first?.uintValue), try #require(StrategyDevnet.uint(h["accruedUntil"])?.uint64)))
            }
        }

        // Tick (a block between ticks) until nothing is planned and everything sent is confirmed;
        // the account's bound of transactions in flight spreads the sends over several ticks.
        var sent: [String] = []
        var confirmed = Set<String>()
        // Under the whole suite's load this takes 75-120 s; the deadline leaves room above that.
        let deadline = ContinuousClock.now + .seconds(240)
        while ContinuousClock.now < deadline {
            let report = try await app.engine.tick()
            #expect(report.observerFailures.isEmpty, "\(report.observerFailures)")
            #expect(report.reverted.isEmpty && report.failed.isEmpty, "\(report.summary)")
            sent += report.sent
            confirmed.formUnion(report.confirmed)
            if report.plans.isEmpty, Set(sent).isSubset(of: confirmed) { break }
            try await devnet.control("evm_mine")
        }
        #expect(Set(sent).isSubset(of: confirmed), "not confirmed: \(Set(sent).subtracting(confirmed))")
        #expect(sent.count == Set(sent).count)
        #expect(sent.filter { $0.hasPrefix("markets/") }.sorted() == ["markets/market-0", "markets/market-1"])
        #expect(sent.filter { $0.hasPrefix("drift/") }.count == 3)
        #expect(sent.filter { $0.hasPrefix("emissions/") }.count >= 4)

        // Markets: resolved with the manifest's outcomes.
        let market = try #require(env.contracts["PredictionMarket"]).address
        for m in try #require(manifest["markets"]?["list"]?.arrayValue) {
            let id = try #require(StrategyDevnet.uint(m["marketId"]))
            let expected = m["expected"]?.stringValue ?? ""
            let resolved = try await StrategyDevnet.call(devnet, market, "resolved(uint256) returns (bool)", [.uint(id)])
            let outcome = try await StrategyDevnet.call(devnet, market, "outcome(uint256) returns (bool)", [.uint(id)])
            switch expected {
            case "resolve-yes": #expect(resolved == [.bool(true)] && outcome == [.bool(true)], "market \(id)")
            case "resolve-no": #expect(resolved == [.bool(true)] && outcome == [.bool(false)], "market \(id)")
            case "already-resolved": #expect(resolved == [.bool(true)], "market \(id)")
            default: #expect(resolved == [.bool(false)], "market \(id) (\(expected))")
            }
        }

        // Receipts: the registry's hashes are the exported bytes' Keccak-256.
        let registry = try #require(env.contracts["DriftReceiptRegistry"]).address
        let records = try ReceiptsTool.records(configPath: configPath)
        #expect(records.count == 3)
        for record in records {
            let onChain = try await StrategyDevnet.call(
                devnet, registry, "getReceipt(bytes32,uint256) returns (uint256, bytes32, uint256, address, bool)",
                [.fixedBytes(record.modelId), .uint(U256(record.periodEnd))])
            #expect(onChain[1] == .fixedBytes(record.receiptHash))
            #expect(KeccakTool.hash(ReceiptsTool.line(record)) == Hex.encode(try #require(onChain[1].bytesValue)))
        }

        // Emissions: every balance grew by exactly rate * (accruedUntil now - accruedUntil before).
        for h in holders {
            let balance = try await StrategyDevnet.call(devnet, emission, "balanceOf(address) returns (uint256)", [.address(h.address)])
            let until = try await StrategyDevnet.call(devnet, token, "accruedUntil(uint256,address) returns (uint256)", [.uint(h.credential), .address(h.address)])
            let now = try #require(until.first?.uintValue?.uint64)
            #expect(now > h.until)
            #expect(try #require(balance.first?.uintValue) - h.balance == h.rate * U256(now - h.until), "holder \(h.address)")
        }
    }
}
