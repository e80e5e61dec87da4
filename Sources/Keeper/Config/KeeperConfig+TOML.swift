import ServiceLogging
import EVM
import Foundation
import Logging
import Oracle
import Strategies
public import TOML

/// Why `keeper.toml` cannot be used: the file, line and key, and what is expected.
public struct KeeperConfigError: Error, Sendable, CustomStringConvertible {
    /// The TOML reader's error, which carries file, line and key path.
    public let underlying: TOMLError

    public init(_ underlying: TOMLError) { self.underlying = underlying }

    public var description: String { underlying.description }
}

extension KeeperConfig {
    /// Reads and checks `keeper.toml`. Strategies are built by their kinds from `kinds`; an
    /// unknown `kind` is an error listing the known ones.
    public static func load(path: String, kinds: StrategyRegistry) throws(KeeperConfigError) -> KeeperConfig {
        do {
            let document = try TOML.load(path: path)
            return try KeeperConfigReader(document: document, path: path, kinds: kinds).read()
        } catch {
            throw KeeperConfigError(error)
        }
    }

    /// Reads a config from TOML text (tests); `path` is used for messages and relative paths.
    public static func parse(_ text: String, path: String, kinds: StrategyRegistry) throws(KeeperConfigError) -> KeeperConfig {
        do {
            let document = try TOML.parse(text, file: path)
            return try KeeperConfigReader(document: document, path: path, kinds: kinds).read()
        } catch {
            throw KeeperConfigError(error)
        }
    }
}

/// The reading of one document; helpers throw TOMLErrors that name the line.
struct KeeperConfigReader {
    let document: TOML.Table
    let path: String
    let kinds: StrategyRegistry

    /// A path from the file, relative to the file's directory (the rule every path key follows,
    /// strategies' included: ``ConfigPath``).
    func resolve(_ file: String) -> String {
        ConfigPath.resolve(file, relativeTo: path)
    }

    func read() throws(TOMLError) -> KeeperConfig {
        let chainValue = try document.int("chain_id")
        guard chainValue > 0 else { throw document.error(key: "chain_id", "expected a positive chain id, such as 1 or 31337") }

        let rpc = try readRPC()
        let subgraphs = try readSubgraphs()
        let signer = try readSigner()
        let database = try readDatabase()
        let head = try readHead()
        let fees = try readFees()
        let log = try readLog()
        let http = try readHTTP()
        let contracts = try readContracts()
        try document.rejectUnknownKeysAllowing(["strategies"])

        var config = KeeperConfig(
            path: path, chainID: UInt64(chainValue), rpc: rpc, subgraphs: subgraphs, signer: signer, database: database,
            head: head, fees: fees, log: log, http: http, contracts: contracts, strategies: [])
        config.strategies = try readStrategies(environment: config.environment)
        return config
    }

    // MARK: Sections

    func section(_ key: String) throws(TOMLError) -> TOML.Table {
        try document.optionalTable(key) ?? TOML.Table()
    }

    func readRPC() throws(TOMLError) -> KeeperConfig.RPC {
        let table = try document.table("rpc")
        let items = try table.arrayOfTables("endpoints")
        guard !items.isEmpty else {
            throw table.error(key: "endpoints", "expected at least one endpoint: endpoints = [{ name = \"primary\", url = \"http://127.0.0.1:8545\" }]")
        }
        var endpoints: [RPCEndpoint] = []
        for item in items {
            let name = try item.string("name")
            let url = try httpURL(item, "url")
            guard !endpoints.contains(where: { $0.name == name }) else {
                throw item.error(key: "name", "the endpoint name '\(name)' is used twice; names label metrics and logs, so each must be unique")
            }
            try item.rejectUnknownKeys()
            endpoints.append(RPCEndpoint(name: name, url: url))
        }
        let attempts = try table.optionalInt("attempts") ?? 5
        guard (1...20).contains(attempts) else { throw table.error(key: "attempts", "expected 1 to 20 attempts per call") }
        let rpc = KeeperConfig.RPC(
            endpoints: endpoints,
            requestTimeout: try positive(table, "request_timeout", default: .seconds(5)),
            attempts: attempts,
            retryDelay: try table.optionalDuration("retry_delay") ?? .milliseconds(50),
            primaryRetryAfter: try positive(table, "primary_retry_after", default: .seconds(60)))
        try table.rejectUnknownKeys()
        return rpc
    }

    func readSubgraphs() throws(TOMLError) -> [String: URL] {
        let table = try section("subgraphs")
        var out: [String: URL] = [:]
        for key in table.keys { out[key] = try httpURL(table, key) }
        return out
    }

    func readSigner() throws(TOMLError) -> KeeperConfig.Signer {
        let table = try document.table("signer")
        let accountText = try table.string("account")
        let account: Address
        do {
            account = try Address(accountText)
        } catch {
            throw table.error(key: "account", "'\(accountText)' is not an address: \(error); expected 0x and 40 hex digits (EIP-55 checksum when mixed case)")
        }
        let signer = KeeperConfig.Signer(
            socket: try table.optionalString("socket").map(resolve) ?? "/run/keeper-signer/signer.sock",
            account: account,
            timeout: try positive(table, "timeout", default: .seconds(5)))
        try table.rejectUnknownKeys()
        return signer
    }

    func readDatabase() throws(TOMLError) -> KeeperConfig.Database {
        let table = try section("database")
        let database = KeeperConfig.Database(path: try table.optionalString("path").map(resolve) ?? "/var/lib/keeper/keeper.db")
        try table.rejectUnknownKeys()
        return database
    }

    func readHead() throws(TOMLError) -> KeeperConfig.Head {
        let table = try section("head")
        let confirmations = try table.optionalInt("confirmations") ?? 2
        guard (1...1_000).contains(confirmations) else {
            throw table.error(key: "confirmations", "expected 1 to 1000 blocks (1: the block that mines it is enough)")
        }
        let head = KeeperConfig.Head(
            pollInterval: try positive(table, "poll_interval", default: .seconds(1)),
            stallAfter: try positive(table, "stall_after", default: .seconds(120)),
            confirmations: UInt64(confirmations),
            observeTimeout: try positive(table, "observe_timeout", default: .seconds(10)))
        guard head.stallAfter > head.pollInterval else {
            throw table.error(key: "stall_after", "must be longer than poll_interval (\(TOML.formatDuration(head.pollInterval)))")
        }
        try table.rejectUnknownKeys()
        return head
    }

    func readFees() throws(TOMLError) -> KeeperConfig.FeesSection {
        let table = try section("fees")
        let tipPercentile = try table.optionalDouble("tip_percentile") ?? 50
        guard (0...100).contains(tipPercentile) else { throw table.error(key: "tip_percentile", "expected a percentile from 0 to 100") }
        let bump = try table.optionalDouble("bump_percent") ?? 12.5
        guard bump >= 10, bump <= 1_000 else {
            throw table.error(key: "bump_percent", "expected at least 10 (nodes refuse replacements that raise fees by less than 10%) and at most 1000")
        }
        let bumpAfter = try table.optionalInt("bump_after_blocks") ?? 3
        guard bumpAfter >= 1 else { throw table.error(key: "bump_after_blocks", "expected 1 or more blocks") }
        let inFlight = try table.optionalInt("max_in_flight") ?? 4
        guard (1...1_000).contains(inFlight) else { throw table.error(key: "max_in_flight", "expected 1 to 1000 transactions") }
        let margin = try table.optionalDouble("gas_margin_percent") ?? 20
        guard (0...500).contains(margin) else { throw table.error(key: "gas_margin_percent", "expected 0 to 500 percent") }
        let maxFee = try amount(table, "max_fee_per_gas", default: U256(200) * U256(1_000_000_000))
        guard !maxFee.isZero else { throw table.error(key: "max_fee_per_gas", "must be above zero, such as \"200 gwei\"") }
        let fees = KeeperConfig.FeesSection(
            maxFeePerGas: maxFee, tipPercentile: tipPercentile,
            minTip: try amount(table, "min_tip", default: U256(100_000_000)),
            bumpPercent: bump, bumpAfterBlocks: UInt64(bumpAfter), maxInFlight: inFlight, gasMarginPercent: margin)
        try table.rejectUnknownKeys()
        return fees
    }

    func readLog() throws(TOMLError) -> KeeperConfig.Log {
        let table = try section("log")
        let formatText = try table.optionalString("format") ?? "logfmt"
        let format: LogFormat
        do {
            format = try LogFormat(configValue: formatText)
        } catch {
            throw table.error(key: "format", error.description)
        }
        let levelText = try table.optionalString("level") ?? "info"
        guard let level = Logger.Level(rawValue: levelText) else {
            let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw table.error(key: "level", "'\(levelText)' is not a log level; expected one of \(levels)")
        }
        try table.rejectUnknownKeys()
        return KeeperConfig.Log(format: format, level: level)
    }

    func readHTTP() throws(TOMLError) -> KeeperConfig.HTTP {
        let table = try section("http")
        let enabled = try table.optionalBool("enabled") ?? true
        let listen = try table.optionalString("listen") ?? "127.0.0.1:9464"
        guard let (host, port) = Self.hostPort(listen) else {
            throw table.error(key: "listen", "'\(listen)' is not host:port; expected a numeric address and a port, such as \"127.0.0.1:9464\" or \"[::1]:9464\"")
        }
        try table.rejectUnknownKeys()
        return KeeperConfig.HTTP(enabled: enabled, host: host, port: port)
    }

    /// `127.0.0.1:9464` or `[::1]:9464`.
    static func hostPort(_ text: String) -> (String, Int)? {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (0...65_535).contains(port) else { return nil }
        return (String(host), port)
    }

    func readContracts() throws(TOMLError) -> ContractDirectory {
        let table = try section("contracts")
        var contracts: [ContractDirectory.Contract] = []
        for name in table.keys {
            let entry = try table.table(name)
            let addressText = try entry.string("address")
            let address: Address
            do {
                address = try Address(addressText)
            } catch {
                throw entry.error(key: "address", "'\(addressText)' is not an address: \(error)")
            }
            var abi: ContractABI?
            if let abiPath = try entry.optionalString("abi") {
                let resolved = resolve(abiPath)
                guard let data = FileManager.default.contents(atPath: resolved) else {
                    throw entry.error(key: "abi", "cannot read '\(resolved)'; give the path of the contract's ABI JSON (for the devnet: devnet/run --abi-dir DIR writes NAME.json)")
                }
                do {
                    abi = try ContractABI(json: Array(data))
                } catch {
                    throw entry.error(key: "abi", "'\(resolved)' is not an ABI JSON file: \(error)")
                }
            }
            try entry.rejectUnknownKeys()
            contracts.append(ContractDirectory.Contract(name: name, address: address, abi: abi))
        }
        return ContractDirectory(contracts)
    }

    func readStrategies(environment: StrategyEnvironment) throws(TOMLError) -> [KeeperConfig.StrategyConfig] {
        let table = try section("strategies")
        var out: [KeeperConfig.StrategyConfig] = []
        for name in table.keys {
            let entry = try table.table(name)
            let kind = try entry.string("kind")
            let enabled = try entry.optionalBool("enabled") ?? true
            guard let maker = kinds[kind] else {
                let known = kinds.keys.sorted().joined(separator: ", ")
                throw entry.error(key: "kind", "unknown strategy kind '\(kind)'; this keeper knows: \(known.isEmpty ? "none" : known)")
            }
            let made: (any Observer, any Strategy)
            do {
                made = try maker.make(name: name, table: entry, environment: environment)
            } catch let error as TOMLError {
                throw error
            } catch let error as StrategyConfigError {
                // The kind names a key relative to the file; place it at the key's line if it is ours.
                let local = error.key.hasPrefix("strategies.\(name).") ? String(error.key.dropFirst("strategies.\(name).".count)) : error.key
                let head = local.split(separator: ".").first.map(String.init) ?? local
                let base = entry.error(key: head.split(separator: "[").first.map(String.init) ?? head, error.message)
                throw TOMLError(.invalidValue, file: base.file, line: base.line, column: base.column, keyPath: error.key.hasPrefix("strategies.") ? error.key : "strategies.\(name).\(error.key)", message: error.message)
            } catch {
                throw entry.error(key: "kind", "the \(kind) strategy '\(name)' cannot be built: \(error)")
            }
            try entry.rejectUnknownKeys()
            out.append(KeeperConfig.StrategyConfig(name: name, kind: kind, enabled: enabled, observer: made.0, strategy: made.1))
        }
        return out
    }

    // MARK: Values

    func httpURL(_ table: TOML.Table, _ key: String) throws(TOMLError) -> URL {
        let text = try table.string(key)
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw table.error(key: key, "'\(text)' is not an http(s) URL; expected something like \"http://127.0.0.1:8545\"")
        }
        return url
    }

    func positive(_ table: TOML.Table, _ key: String, default value: Duration) throws(TOMLError) -> Duration {
        let duration = try table.optionalDuration(key) ?? value
        guard duration > .zero else { throw table.error(key: key, "must be longer than zero") }
        return duration
    }

    func amount(_ table: TOML.Table, _ key: String, default value: U256) throws(TOMLError) -> U256 {
        guard let raw = table.value(key) else { return value }
        let text: String
        switch raw {
        case .integer(let n) where n >= 0: return U256(UInt64(n))
        case .string(let s): text = s
        default:
            throw table.error(key: key, "found \(raw.typeDescription); expected an amount such as \"30 gwei\" or an integer of wei")
        }
        switch EtherAmount.parse(text) {
        case .success(let v): return v
        case .failure(let error): throw table.error(key: key, "\(error.message); expected an amount such as \"30 gwei\"")
        }
    }
}

extension TOML.Table {
    /// ``rejectUnknownKeys()`` after marking `keys` as read (sections read elsewhere).
    func rejectUnknownKeysAllowing(_ keys: [String]) throws(TOMLError) {
        for key in keys { markRead(key) }
        try rejectUnknownKeys()
    }
}
