public import EVM
public import Foundation
public import Logging
public import Oracle
public import ServiceLogging
public import Strategies

/// Everything `keeper.toml` says, checked: the chain, where to read it, the signer, the
/// database, head tracking, fees, logs, the local HTTP port, contracts and strategies.
///
/// Load it with ``load(path:kinds:)``; every error names the file, the line, the key and what
/// is expected, and a key the keeper does not know is an error (a typo never passes silently).
/// `docs/keeper.md` lists every key with its default.
public struct KeeperConfig: Sendable {
    /// The file it was read from (for messages and for SIGHUP reloads).
    public var path: String
    public var chainID: UInt64
    public var rpc: RPC
    /// Subgraph endpoints by name (`[subgraphs]`), for the observers that discover with them.
    public var subgraphs: [String: URL]
    public var signer: Signer
    public var database: Database
    public var head: Head
    public var fees: FeesSection
    public var log: Log
    public var http: HTTP
    public var contracts: ContractDirectory
    /// Every `[strategies.NAME]`, in file order, built by its kind.
    public var strategies: [StrategyConfig]

    /// `[rpc]`.
    public struct RPC: Sendable {
        /// In failover order.
        public var endpoints: [RPCEndpoint]
        /// Timeout of one HTTP request (`request_timeout`, default 5s).
        public var requestTimeout: Duration
        /// Attempts per call across endpoints (`attempts`, default 5).
        public var attempts: Int
        /// Delay before the first retry, doubling (`retry_delay`, default 50ms).
        public var retryDelay: Duration
        /// How long to stay away from the first endpoint after it failed (`primary_retry_after`, default 60s).
        public var primaryRetryAfter: Duration

        public var retryPolicy: RetryPolicy {
            RetryPolicy(maxAttempts: attempts, baseDelay: retryDelay, maxDelay: .seconds(2), requestTimeout: requestTimeout)
        }
    }

    /// `[signer]`.
    public struct Signer: Sendable {
        /// The signer's Unix socket (`socket`, default `/run/keeper-signer/signer.sock`).
        public var socket: String
        /// The account the keeper sends from (`account`, required).
        public var account: Address
        /// Per-request deadline (`timeout`, default 5s).
        public var timeout: Duration
    }

    /// `[database]`.
    public struct Database: Sendable {
        /// The SQLite file of intents and nonces (`path`, default `/var/lib/keeper/keeper.db`;
        /// relative paths are relative to the config file).
        public var path: String
    }

    /// `[head]`.
    public struct Head: Sendable {
        /// How often to poll the head and tick (`poll_interval`, default 1s).
        public var pollInterval: Duration
        /// The head counts as stalled (the keeper exits non-zero) after this long unchanged
        /// (`stall_after`, default 2m).
        public var stallAfter: Duration
        /// Blocks a receipt needs, its own included, before the transaction counts as confirmed
        /// (`confirmations`, default 2).
        public var confirmations: UInt64
        /// How long the observers of one tick may take together (`observe_timeout`, default 10s).
        public var observeTimeout: Duration
    }

    /// `[fees]`.
    public struct FeesSection: Sendable {
        /// `max_fee_per_gas`: the most ever offered per gas (default "200 gwei").
        public var maxFeePerGas: U256
        /// `tip_percentile` (default 50).
        public var tipPercentile: Double
        /// `min_tip` (default "0.1 gwei").
        public var minTip: U256
        /// `bump_percent` (default 12.5; at least 10).
        public var bumpPercent: Double
        /// `bump_after_blocks` (default 3).
        public var bumpAfterBlocks: UInt64
        /// `max_in_flight`: unmined transactions per account before new intents wait (default 4).
        public var maxInFlight: Int
        /// `gas_margin_percent`: added to each gas estimate (default 20).
        public var gasMarginPercent: Double

        public var policy: FeePolicy {
            FeePolicy(
                maxFeePerGasCap: maxFeePerGas, tipPercentile: tipPercentile, minPriorityFee: minTip,
                bumpBps: Int((bumpPercent * 100).rounded()), bumpAfterBlocks: bumpAfterBlocks)
        }

        public var gasMarginBps: Int { Int((gasMarginPercent * 100).rounded()) }
    }

    /// `[log]`.
    public struct Log: Sendable {
        /// `format`: `logfmt` (default) or `json`.
        public var format: LogFormat
        /// `level`: trace, debug, info (default), notice, warning, error, critical.
        public var level: Logger.Level
    }

    /// `[http]`.
    public struct HTTP: Sendable {
        /// `enabled` (default true).
        public var enabled: Bool
        /// `listen`: `host:port` (default `127.0.0.1:9464`; `[::1]:9464` for IPv6; port 0 = any free).
        public var host: String
        public var port: Int
    }

    /// One `[strategies.NAME]` table.
    public struct StrategyConfig: Sendable {
        public var name: String
        public var kind: String
        public var enabled: Bool
        public var observer: any Observer
        public var strategy: any Strategy
    }

    /// The strategies that run.
    public var enabledStrategies: [StrategyConfig] { strategies.filter(\.enabled) }

    /// The environment strategies are built with.
    public var environment: StrategyEnvironment {
        StrategyEnvironment(chainID: chainID, account: signer.account, contracts: contracts)
    }

    /// Custom errors declared by the configured contracts' ABIs, to decode reverts by name.
    public var customErrors: [ABICustomError] {
        var seen = Set<[UInt8]>()
        var out: [ABICustomError] = []
        for contract in contracts.byName.values.sorted(by: { $0.name < $1.name }) {
            for error in contract.abi?.errors ?? [] where seen.insert(error.selector).inserted { out.append(error) }
        }
        return out
    }
}

/// The strategy kinds a keeper can run, by their `kind` value.
public typealias StrategyRegistry = [String: any StrategyKind.Type]

extension StrategyRegistry {
    /// A registry of `kinds`, keyed by their `kind`.
    public static func of(_ kinds: [any StrategyKind.Type]) -> StrategyRegistry {
        Dictionary(kinds.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
