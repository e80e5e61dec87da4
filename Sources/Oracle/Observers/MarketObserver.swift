public import EVM

/// What the market-resolution strategy knows at one block: the markets that may be due (found
/// through the subgraph, read from the chain) and the drift receipts registered for their models
/// (read from the registry).
public struct MarketObservation: Sendable, Hashable {
    /// A market as the chain has it at the snapshot's block.
    public struct Market: Sendable, Hashable {
        public var marketId: U256
        /// The model's `bytes32` id.
        public var modelId: [UInt8]
        public var driftThresholdBps: U256
        public var startTime: UInt64
        public var endTime: UInt64
        public var resolved: Bool
        public var outcome: Bool

        public init(
            marketId: U256, modelId: [UInt8], driftThresholdBps: U256, startTime: UInt64, endTime: UInt64,
            resolved: Bool, outcome: Bool
        ) {
            self.marketId = marketId
            self.modelId = modelId
            self.driftThresholdBps = driftThresholdBps
            self.startTime = startTime
            self.endTime = endTime
            self.resolved = resolved
            self.outcome = outcome
        }
    }

    /// A receipt in the registry.
    public struct Receipt: Sendable, Hashable {
        public var periodEnd: UInt64
        public var driftBps: U256
        public var receiptHash: [UInt8]

        public init(periodEnd: UInt64, driftBps: U256, receiptHash: [UInt8]) {
            self.periodEnd = periodEnd
            self.driftBps = driftBps
            self.receiptHash = receiptHash
        }
    }

    /// Markets the subgraph lists as unresolved and ended before the grace cut-off, with the
    /// chain's values (the chain may already say resolved).
    public var markets: [Market]
    /// Every registered receipt of each market's model, by `bytes32` model id, in period order.
    public var receipts: [[UInt8]: [Receipt]]
    /// The block the subgraph had indexed when asked (discovery may lag the chain).
    public var subgraphBlock: UInt64?

    public init(markets: [Market], receipts: [[UInt8]: [Receipt]], subgraphBlock: UInt64? = nil) {
        self.markets = markets
        self.receipts = receipts
        self.subgraphBlock = subgraphBlock
    }
}

/// Reads a ``MarketObservation``: discovery of candidate markets through the markets subgraph
/// (`resolved: false, endTime_lt: blockTime - grace + 1`, paged by `marketId`), then the truth at
/// the pinned block through Multicall3: `markets(id)` for each candidate, and for each model the
/// registry's `receiptCount`, `periodAt(i)` and `getReceipt(model, period)`.
public struct MarketObserver: Observer {
    public let strategy: String
    public let marketContract: Address
    public let registry: Address
    /// The subgraph's configured name in the observation context.
    public let subgraph: String
    public let graceSeconds: UInt64
    /// At most this many candidates per tick (the oldest first); the rest wait for the next tick.
    public let maxMarkets: Int

    /// Why an observation could not be made: what failed and what to check.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let message: String
        public let cause: (any Error)?

        init(_ message: String, cause: (any Error)? = nil) {
            self.message = message
            self.cause = cause
        }

        public var description: String { message + (cause.map { " (cause: \($0))" } ?? "") }
    }

    static let marketsFunction = try! ABIFunction(parsing: """
        function markets(uint256) view returns (bytes32 modelId, uint256 driftThresholdBps, uint256 startTime, \
        uint256 endTime, bool resolved, bool outcome, uint256 yesPool, uint256 noPool, uint256 resolvedAt)
        """)
    static let receiptCount = try! ABIFunction(parsing: "function receiptCount(bytes32 modelId) view returns (uint256)")
    static let periodAt = try! ABIFunction(parsing: "function periodAt(bytes32 modelId, uint256 i) view returns (uint256)")
    static let getReceipt = try! ABIFunction(parsing: """
        function getReceipt(bytes32 modelId, uint256 periodEnd) view returns (uint256 driftBps, bytes32 receiptHash, \
        uint256 submittedAt, address submitter, bool exists)
        """)

    public init(
        strategy: String, marketContract: Address, registry: Address, subgraph: String, graceSeconds: UInt64,
        maxMarkets: Int = 100
    ) {
        self.strategy = strategy
        self.marketContract = marketContract
        self.registry = registry
        self.subgraph = subgraph
        self.graceSeconds = graceSeconds
        self.maxMarkets = max(1, maxMarkets)
    }

    public func observe(at block: BlockHeader, context: ObservationContext) async throws -> any Sendable {
        guard let client = context.subgraphs[subgraph] else {
            throw Failure("no subgraph named '\(subgraph)' is configured; add it to [subgraphs] or set the strategy's 'subgraph' key")
        }
        let ids = try await discover(client, blockTime: block.timestamp)
        let subgraphBlock = try? await client.meta().blockNumber
        let tag = BlockTag.number(block.number)
        let rows = try await Self.read(
            context.multicall, ids.map { (marketContract, Self.marketsFunction, [.uint($0)]) }, at: tag)
        var markets: [MarketObservation.Market] = []
        for (id, row) in zip(ids, rows) {
            guard row.count == 9, let model = row[0].bytesValue, let threshold = row[1].uintValue,
                  let start = row[2].uintValue?.uint64, let end = row[3].uintValue?.uint64,
                  let resolved = row[4].boolValue, let outcome = row[5].boolValue
            else { throw Failure("markets(\(id)) at \(marketContract) did not decode as a PredictionMarket market") }
            markets.append(MarketObservation.Market(
                marketId: id, modelId: model, driftThresholdBps: threshold, startTime: start, endTime: end,
                resolved: resolved, outcome: outcome))
        }
        let models = Array(Set(markets.filter { !$0.resolved }.map(\.modelId))).sorted { $0.lexicographicallyPrecedes($1) }
        let receipts = try await readReceipts(models, context: context, at: tag)
        return MarketObservation(markets: markets, receipts: receipts, subgraphBlock: subgraphBlock)
    }

    /// Candidate market ids from the subgraph, oldest first.
    func discover(_ client: GraphQLClient, blockTime: UInt64) async throws -> [U256] {
        guard blockTime >= graceSeconds else { return [] }
        let cutoff = blockTime - graceSeconds + 1  // endTime + grace <= blockTime
        let query = """
            query due($after: BigInt!, $cutoff: BigInt!, $first: Int!) {
              markets(first: $first, orderBy: marketId, orderDirection: asc,
                      where: { resolved: false, endTime_lt: $cutoff, marketId_gt: $after }) { marketId }
            }
            """
        var ids: [U256] = []
        var after = "-1"
        while ids.count < maxMarkets {
            let page = min(GraphQLClient.maxPageSize, maxMarkets - ids.count)
            let data = try await client.query(query, variables: [
                "after": .string(after), "cutoff": .string(String(cutoff)), "first": .number(String(page)),
            ])
            guard let items = data["markets"]?.arrayValue else {
                throw Failure("subgraph '\(subgraph)' answered without a 'markets' list; is it the markets subgraph?")
            }
            for item in items {
                let text: String? = switch item["marketId"] {
                case .string(let s)?: s
                case .number(let n)?: n
                default: nil
                }
                guard let text, let id = U256(decimal: text) else {
                    throw Failure("subgraph '\(subgraph)' gave a market without a decimal marketId")
                }
                ids.append(id)
            }
            guard items.count == page, let last = ids.last else { break }
            after = last.decimalString
        }
        return ids
    }

    func readReceipts(_ models: [[UInt8]], context: ObservationContext, at tag: BlockTag) async throws
        -> [[UInt8]: [MarketObservation.Receipt]]
    {
        guard !models.isEmpty else { return [:] }
        let counts = try await Self.read(
            context.multicall, models.map { (registry, Self.receiptCount, [.fixedBytes($0)]) }, at: tag)
        var periodCalls: [(Address, ABIFunction, [ABIValue])] = []
        var owners: [[UInt8]] = []
        for (model, row) in zip(models, counts) {
            guard let n = row.first?.uintValue?.uint64, n <= 100_000 else {
                throw Failure("receiptCount(\(Hex.encode(model))) at \(registry) is not a small number")
            }
            for i in 0..<n {
                periodCalls.append((registry, Self.periodAt, [.fixedBytes(model), .uint(U256(i))]))
                owners.append(model)
            }
        }
        let periods = try await Self.read(context.multicall, periodCalls, at: tag)
        var receiptCalls: [(Address, ABIFunction, [ABIValue])] = []
        var keys: [([UInt8], UInt64)] = []
        for (model, row) in zip(owners, periods) {
            guard let period = row.first?.uintValue?.uint64 else {
                throw Failure("periodAt for \(Hex.encode(model)) at \(registry) did not decode")
            }
            receiptCalls.append((registry, Self.getReceipt, [.fixedBytes(model), .uint(U256(period))]))
            keys.append((model, period))
        }
        let rows = try await Self.read(context.multicall, receiptCalls, at: tag)
        var receipts: [[UInt8]: [MarketObservation.Receipt]] = Dictionary(uniqueKeysWithValues: models.map { ($0, []) })
        for ((model, period), row) in zip(keys, rows) {
            guard row.count == 5, let drift = row[0].uintValue, let hash = row[1].bytesValue, row[4].boolValue == true else {
                throw Failure("getReceipt(\(Hex.encode(model)), \(period)) at \(registry) did not decode as an existing receipt")
            }
            receipts[model, default: []].append(MarketObservation.Receipt(periodEnd: period, driftBps: drift, receiptHash: hash))
        }
        for key in receipts.keys { receipts[key]?.sort { $0.periodEnd < $1.periodEnd } }
        return receipts
    }

    /// Runs the calls through Multicall3 at `tag` and decodes each answer; any revert is an error.
    static func read(_ multicall: Multicall3, _ calls: [(Address, ABIFunction, [ABIValue])], at tag: BlockTag)
        async throws -> [[ABIValue]]
    {
        guard !calls.isEmpty else { return [] }
        var encoded: [Multicall3.Call] = []
        for (target, function, arguments) in calls {
            encoded.append(Multicall3.Call(target: target, callData: try function.encodeCall(arguments)))
        }
        let answers = try await multicall.read(encoded, at: tag)
        var out: [[ABIValue]] = []
        out.reserveCapacity(answers.count)
        for ((target, function, _), answer) in zip(calls, answers) {
            guard let answer else {
                throw Failure("\(function.signature) reverted at \(target) at block \(tag); check the contract address in [contracts]")
            }
            do {
                out.append(try function.decodeOutput(answer))
            } catch {
                throw Failure("\(function.signature) at \(target) answered data that does not decode", cause: error)
            }
        }
        return out
    }
}
