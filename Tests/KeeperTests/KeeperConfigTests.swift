import ServiceLogging
import EVM
import Foundation
import Keeper
import Logging
import Oracle
import Strategies
import TOML
import Testing

/// A strategy kind for config tests: reads `contract` and `every_blocks`.
enum EchoKind: StrategyKind {
    static let kind = "echo"

    struct Echo: Strategy, Observer {
        let name: String
        var strategy: String { name }
        func decide(_ snapshot: Snapshot) -> StrategyDecision { StrategyDecision() }
        func observe(at block: BlockHeader, context: ObservationContext) async throws -> any Sendable { block.number }
    }

    static func make(name: String, table: TOML.Table, environment: StrategyEnvironment) throws -> (any Observer, any Strategy) {
        let contract = try table.string("contract")
        _ = try environment.contracts.require(contract, for: "strategies.\(name).contract")
        let every = try table.optionalInt("every_blocks") ?? 1
        guard every > 0 else { throw table.error(key: "every_blocks", "expected a positive number of blocks") }
        let echo = Echo(name: name)
        return (echo, echo)
    }
}

@Suite struct KeeperConfigTests {
    static let minimal = """
        chain_id = 31337

        [rpc]
        endpoints = [{ name = "primary", url = "http://127.0.0.1:8545" }]

        [signer]
        account = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
        """

    static let full = """
        chain_id = 31337

        [rpc]
        endpoints = [
          { name = "primary", url = "http://127.0.0.1:8545/" },
          { name = "backup", url = "https://rpc.example.org/v1/KEY" },
        ]
        request_timeout = "2s"
        attempts = 3
        retry_delay = "20ms"
        primary_retry_after = "30s"

        [subgraphs]
        aave = "http://127.0.0.1:8545/subgraphs/aave"

        [signer]
        socket = "/run/keeper-signer/signer.sock"
        account = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
        timeout = "3s"

        [database]
        path = "state/keeper.db"

        [head]
        poll_interval = "100ms"
        stall_after = "1m"
        confirmations = 3
        observe_timeout = "4s"

        [fees]
        max_fee_per_gas = "150 gwei"
        tip_percentile = 60
        min_tip = "0.5 gwei"
        bump_percent = 20
        bump_after_blocks = 2
        max_in_flight = 2
        gas_margin_percent = 25

        [log]
        format = "json"
        level = "debug"

        [http]
        listen = "[::1]:9000"

        [contracts.PriceFeedSink]
        address = "0x5FbDB2315678afecb367f032d93F642f64180aa3"

        [strategies.ping]
        kind = "echo"
        contract = "PriceFeedSink"
        every_blocks = 5

        [strategies.off]
        kind = "echo"
        enabled = false
        contract = "PriceFeedSink"
        """

    nonisolated(unsafe) static let kinds: StrategyRegistry = .of([EchoKind.self])

    func parse(_ text: String) throws(KeeperConfigError) -> KeeperConfig {
        try KeeperConfig.parse(text, path: "/etc/keeper/keeper.toml", kinds: Self.kinds)
    }

    @Test func minimalConfigTakesTheDefaults() throws {
        let c = try parse(Self.minimal)
        #expect(c.chainID == 31337)
        #expect(c.rpc.endpoints.map(\.name) == ["primary"])
        #expect(c.rpc.requestTimeout == .seconds(5))
        #expect(c.rpc.attempts == 5)
        #expect(c.signer.socket == "/run/keeper-signer/signer.sock")
        #expect(c.signer.timeout == .seconds(5))
        #expect(c.database.path == "/var/lib/keeper/keeper.db")
        #expect(c.head.pollInterval == .seconds(1))
        #expect(c.head.stallAfter == .seconds(120))
        #expect(c.head.confirmations == 2)
        #expect(c.fees.maxFeePerGas == U256(200_000_000_000))
        #expect(c.fees.tipPercentile == 50)
        #expect(c.fees.minTip == U256(100_000_000))
        #expect(c.fees.policy.bumpBps == 1_250)
        #expect(c.fees.bumpAfterBlocks == 3)
        #expect(c.fees.maxInFlight == 4)
        #expect(c.fees.gasMarginBps == 2_000)
        #expect(c.log.format == .logfmt)
        #expect(c.log.level == .info)
        #expect(c.http.enabled && c.http.host == "127.0.0.1" && c.http.port == 9464)
        #expect(c.strategies.isEmpty)
    }

    @Test func fullConfigReadsEveryKey() throws {
        let c = try parse(Self.full)
        #expect(c.rpc.endpoints.map(\.name) == ["primary", "backup"])
        #expect(c.rpc.requestTimeout == .seconds(2))
        #expect(c.rpc.retryDelay == .milliseconds(20))
        #expect(c.rpc.primaryRetryAfter == .seconds(30))
        #expect(c.subgraphs["aave"]?.absoluteString == "http://127.0.0.1:8545/subgraphs/aave")
        #expect(c.signer.timeout == .seconds(3))
        #expect(c.database.path == "/etc/keeper/state/keeper.db")
        #expect(c.head.pollInterval == .milliseconds(100))
        #expect(c.head.stallAfter == .seconds(60))
        #expect(c.head.confirmations == 3)
        #expect(c.head.observeTimeout == .seconds(4))
        #expect(c.fees.maxFeePerGas == U256(150_000_000_000))
        #expect(c.fees.minTip == U256(500_000_000))
        #expect(c.fees.policy.bumpBps == 2_000)
        #expect(c.fees.maxInFlight == 2)
        #expect(c.fees.gasMarginBps == 2_500)
        #expect(c.log.format == .json && c.log.level == .debug)
        #expect(c.http.host == "::1" && c.http.port == 9000)
        #expect(c.contracts["PriceFeedSink"]?.address == (try Address("0x5FbDB2315678afecb367f032d93F642f64180aa3")))
        #expect(c.strategies.map(\.name) == ["ping", "off"])
        #expect(c.enabledStrategies.map(\.name) == ["ping"])
        // The summary never shows a full URL (it may hold an API key).
        #expect(!c.summary.contains("KEY"))
        #expect(c.summary.contains("primary (127.0.0.1) -> backup (rpc.example.org)"))
        #expect(c.summary.contains("ping  kind echo  enabled"))
    }

    /// Each broken config, the line the error names, and words it must contain.
    struct Broken: Sendable, CustomStringConvertible {
        let name: String
        let text: String
        let line: Int
        let words: [String]
        var description: String { name }
    }

    static let broken: [Broken] = [
        Broken(name: "missing chain_id", text: Self.minimal.replacingOccurrences(of: "chain_id = 31337\n", with: ""), line: 1, words: ["chain_id"]),
        Broken(name: "unknown top-level key", text: "chainid = 1\n" + Self.minimal, line: 1, words: ["unknown key 'chainid'"]),
        Broken(name: "unknown key in [rpc]", text: Self.minimal.replacingOccurrences(of: "[signer]", with: "timeout = \"1s\"\n\n[signer]"), line: 6, words: ["'timeout'", "request_timeout"]),
        Broken(name: "bad duration", text: Self.minimal + "\n[head]\npoll_interval = \"5 seconds\"\n", line: 9, words: ["head.poll_interval", "\"5s\""]),
        Broken(name: "duration as integer", text: Self.minimal + "\n[head]\nstall_after = 120\n", line: 9, words: ["head.stall_after", "found an integer"]),
        Broken(name: "bad amount", text: Self.minimal + "\n[fees]\nmax_fee_per_gas = \"200 gwie\"\n", line: 9, words: ["fees.max_fee_per_gas", "30 gwei"]),
        Broken(name: "bump too small", text: Self.minimal + "\n[fees]\nbump_percent = 5\n", line: 9, words: ["fees.bump_percent", "at least 10"]),
        Broken(name: "bad account", text: Self.minimal.replacingOccurrences(of: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", with: "0x1234"), line: 7, words: ["signer.account", "not an address"]),
        Broken(name: "bad url", text: Self.minimal.replacingOccurrences(of: "http://127.0.0.1:8545", with: "ftp://x"), line: 4, words: ["url", "http(s) URL"]),
        Broken(name: "no endpoints", text: Self.minimal.replacingOccurrences(of: "[{ name = \"primary\", url = \"http://127.0.0.1:8545\" }]", with: "[]"), line: 4, words: ["at least one endpoint"]),
        Broken(name: "bad log format", text: Self.minimal + "\n[log]\nformat = \"xml\"\n", line: 9, words: ["log.format", "logfmt"]),
        Broken(name: "bad listen", text: Self.minimal + "\n[http]\nlisten = \"localhost\"\n", line: 9, words: ["http.listen", "host:port"]),
        Broken(name: "unknown kind", text: Self.minimal + "\n[strategies.x]\nkind = \"nope\"\n", line: 9, words: ["unknown strategy kind 'nope'", "echo"]),
        Broken(name: "strategy's unknown key", text: Self.minimal + "\n[contracts.C]\naddress = \"0x5FbDB2315678afecb367f032d93F642f64180aa3\"\n\n[strategies.x]\nkind = \"echo\"\ncontract = \"C\"\nevery_block = 3\n", line: 14, words: ["unknown key 'every_block'", "every_blocks"]),
        Broken(name: "strategy's bad value", text: Self.minimal + "\n[contracts.C]\naddress = \"0x5FbDB2315678afecb367f032d93F642f64180aa3\"\n\n[strategies.x]\nkind = \"echo\"\ncontract = \"C\"\nevery_blocks = 0\n", line: 14, words: ["strategies.x.every_blocks", "positive"]),
        Broken(name: "strategy names an unknown contract", text: Self.minimal + "\n[strategies.x]\nkind = \"echo\"\ncontract = \"Nope\"\n", line: 10, words: ["Nope", "not in [contracts]"]),
        Broken(name: "missing abi file", text: Self.minimal + "\n[contracts.C]\naddress = \"0x5FbDB2315678afecb367f032d93F642f64180aa3\"\nabi = \"nope.json\"\n", line: 10, words: ["contracts.C.abi", "cannot read"]),
        Broken(name: "stall shorter than poll", text: Self.minimal + "\n[head]\npoll_interval = \"5s\"\nstall_after = \"2s\"\n", line: 10, words: ["stall_after", "poll_interval"]),
    ]

    @Test(arguments: broken) func errorsNameTheLineAndWhatIsExpected(_ c: Broken) throws {
        do {
            _ = try parse(c.text)
            Issue.record("\(c.name): loaded without an error")
        } catch {
            #expect(error.underlying.line == c.line, "\(c.name): \(error)")
            #expect(error.description.hasPrefix("/etc/keeper/keeper.toml:\(c.line):"), "\(c.name): \(error)")
            for word in c.words {
                #expect(error.description.contains(word), "\(c.name): '\(word)' not in: \(error)")
            }
        }
    }

    @Test func relativeABIPathsAreReadFromTheConfigDirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keeper-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("abi"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let abi = #"[{"type":"function","name":"pushPrice","inputs":[{"name":"feedId","type":"bytes32"},{"name":"price","type":"uint256"},{"name":"observedAt","type":"uint256"}],"outputs":[],"stateMutability":"nonpayable"}]"#
        try Data(abi.utf8).write(to: dir.appendingPathComponent("abi/Sink.json"))
        let file = dir.appendingPathComponent("keeper.toml")
        try Data((Self.minimal + "\n[contracts.Sink]\naddress = \"0x5FbDB2315678afecb367f032d93F642f64180aa3\"\nabi = \"abi/Sink.json\"\n").utf8).write(to: file)
        let c = try KeeperConfig.load(path: file.path, kinds: Self.kinds)
        #expect(c.contracts["Sink"]?.abi?.function("pushPrice") != nil)
    }

    @Test(arguments: [("100ms", 100), ("5s", 5_000), ("2m", 120_000), ("1h", 3_600_000), ("7d", 604_800_000), ("0ms", 0)])
    func durations(_ text: String, _ milliseconds: Int64) {
        #expect(TOML.duration(text) == .milliseconds(milliseconds))
    }

    @Test(arguments: ["5", "s", "5 s", "-5s", "5sec", "1.5s", ".5s", "5w", ""])
    func notDurations(_ text: String) {
        #expect(TOML.duration(text) == nil)
    }
}
