public import EVM
import Logging
import Synchronization

/// Reads the Aave positions a protection strategy watches, at the snapshot's block.
///
/// 1. Discovery (optional): users with debt from the Aave subgraph, paged by `id_gt`; its `_meta`
///    block is logged as the indexing lag. The subgraph only says *who* to look at.
/// 2. Truth from the chain at the pinned block, all through Multicall3 (chunks of
///    ``Multicall3/chunkSize`` calls, sent as one JSON-RPC batch per round):
///    - round 1: `getReservesList()`, `FLASHLOAN_PREMIUM_TOTAL()`, the venue's `slippageBps()`;
///    - round 2, concurrently: per reserve `getReserveData`, the oracle's `getAssetPrice`,
///      `getReserveNormalizedIncome`, `getReserveNormalizedVariableDebt`, `symbol()`; per user
///      `getUserAccountData` and `getUserReserves` (scaled balances).
/// 3. Each position's current balances are scaled x normalized index, and its account data is
///    computed with ``AaveAccount`` and compared with the contract's `getUserAccountData`. The
///    strategy acts only on positions where the two agree in every field.
///
/// Per-user round trips: none. 10,000 users are 20,000 calls in 40 `aggregate3` chunks.
public struct AaveObserver: Observer {
    /// Where to read, as addresses (the strategy's config resolves the contract names).
    public struct Configuration: Sendable, Hashable {
        public var pool: Address
        /// The price oracle (Aave's `getAssetPrice`, base currency with 8 decimals).
        public var oracle: Address
        /// The swap venue whose `slippageBps()` is read, when there is one.
        public var swapVenue: Address?
        /// The wrapped native token whose oracle price converts gas cost to the base currency.
        public var gasPriceAsset: Address?
        /// Users watched whether or not the subgraph lists them (the config's).
        public var enrolledUsers: [Address]
        /// Whether users enrolled in the keeper's database are watched too (the keeper attaches
        /// the source with ``AaveObserver/enrolling(from:)``).
        public var databaseUsers: Bool
        /// The subgraph (by its configured name) to discover users with debt from; nil: no discovery.
        public var subgraph: String?
        /// Subgraph page size (at most 1000).
        public var pageSize: Int
        /// Read `getUserAccountData` only for positions whose off-chain health factor is below
        /// this (the ones a strategy could act on); nil: for every position.
        public var checkBelowHealthFactor: U256?
        /// Reuse the discovered users for this many seconds of block time before asking the
        /// subgraph again (0: every tick).
        public var rediscoverySeconds: UInt64

        public init(
            pool: Address, oracle: Address, swapVenue: Address? = nil, gasPriceAsset: Address? = nil,
            enrolledUsers: [Address] = [], databaseUsers: Bool = false, subgraph: String? = nil, pageSize: Int = 1000,
            checkBelowHealthFactor: U256? = nil, rediscoverySeconds: UInt64 = 0
        ) {
            self.databaseUsers = databaseUsers
            self.pool = pool
            self.oracle = oracle
            self.swapVenue = swapVenue
            self.gasPriceAsset = gasPriceAsset
            self.enrolledUsers = enrolledUsers
            self.subgraph = subgraph
            self.pageSize = pageSize
            self.checkBelowHealthFactor = checkBelowHealthFactor
            self.rediscoverySeconds = rediscoverySeconds
        }
    }

    public let strategy: String
    public let configuration: Configuration
    /// Users enrolled outside the config, read at every tick; nil: none.
    public let enrollmentSource: (any AaveEnrollmentSource)?
    /// The last discovery, shared by copies of this observer.
    private let cache = DiscoveryCache()

    public init(strategy: String, configuration: Configuration, enrollmentSource: (any AaveEnrollmentSource)? = nil) {
        self.strategy = strategy
        self.configuration = configuration
        self.enrollmentSource = enrollmentSource
    }

    /// This observer, also watching the users `source` has enrolled for its strategy.
    public func enrolling(from source: any AaveEnrollmentSource) -> AaveObserver {
        AaveObserver(strategy: strategy, configuration: configuration, enrollmentSource: source)
    }

    public func observe(at block: BlockHeader, context: ObservationContext) async throws -> any Sendable {
        try await read(at: block, context: context)
    }

    /// The observation at `block`.
    public func read(at block: BlockHeader, context: ObservationContext) async throws(AaveObserverError) -> AaveObservation {
        let tag = BlockTag.number(block.number)
        var problems: [String] = []
        let clock = ContinuousClock()
        let start = clock.now

        // Users enrolled in the database, read first (a small local table): discovery needs to
        // know whether anyone is enrolled. An unreadable database is reported, and the config's
        // and the subgraph's users are still watched.
        var enrollments: [AaveEnrollment] = []
        if let enrollmentSource {
            do {
                enrollments = try enrollmentSource.enrollments(strategy: strategy)
            } catch {
                problems.append("cannot read the users enrolled in the keeper's database (\(error)); this tick watches the config's and the subgraph's users only")
            }
        }
        let enrolled = configuration.enrolledUsers + enrollments.map(\.address)

        // Discovery and the pool's parameters do not depend on each other.
        async let discovered = Self.result { () async throws(AaveObserverError) in
            try await discover(at: block, context: context, enrolled: enrolled.count)
        }
        let parameters = try await readParameters(at: tag, multicall: context.multicall)
        let (discoveredUsers, discovery, discoveryProblem) = try await discovered.get()
        let discoveredAt = clock.now
        if let discoveryProblem { problems.append(discoveryProblem) }

        var seen = Set<Address>()
        var users: [Address] = []
        for user in enrolled + discoveredUsers where seen.insert(user).inserted { users.append(user) }

        // Reserves and every user's scaled balances, in parallel.
        async let reserveRead = Self.result { () async throws(AaveObserverError) in
            try await readReserves(parameters.assets, at: tag, timestamp: block.timestamp, multicall: context.multicall)
        }
        let rawPositions = try await readUserReserves(users, at: tag, multicall: context.multicall)
        let (reserves, gasAssetPrice, reserveProblems) = try await reserveRead.get()
        problems += reserveProblems

        var byAsset: [Address: Int] = [:]
        for (i, r) in reserves.enumerated() { byAsset[r.asset] = i }
        var positions: [AaveObservation.Position] = []
        positions.reserveCapacity(rawPositions.count)
        for raw in rawPositions {
            switch raw.flatMap({ Self.position(user: $0.0, entries: $0.1, reserves: reserves, byAsset: byAsset) }) {
            case .success(let position): positions.append(position)
            case .failure(let problem): problems.append(problem.message)
            }
        }

        // The contract's own account data for the positions that could be acted on (or all).
        // A database user's own trigger may be above every trigger the config knows.
        let checkBelow = configuration.checkBelowHealthFactor.map { bound in
            enrollments.compactMap(\.triggerHealthFactor).reduce(bound) { max($0, $1) }
        }
        var toCheck: [Int] = []
        for (i, p) in positions.enumerated() {
            if let bound = checkBelow, let hf = p.offChain?.healthFactor, hf >= bound { continue }
            toCheck.append(i)
        }
        let accountData = try await readAccountData(toCheck.map { positions[$0].user }, at: tag, multicall: context.multicall)
        var mismatches = 0
        for (k, i) in toCheck.enumerated() {
            switch accountData[k] {
            case .success(let data):
                positions[i].onChain = data
                if !positions[i].matches { mismatches += 1 }
            case .failure(let problem):
                problems.append(problem.message)
            }
        }
        let readAt = clock.now

        func ms(_ d: Duration) -> String { "\(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)" }
        context.logger.info("aave positions read", metadata: [
            "keeper.strategy": "\(strategy)", "aave.block": "\(block.number)", "aave.users": "\(users.count)",
            "aave.positions": "\(positions.count)", "aave.checked": "\(toCheck.count)", "aave.mismatches": "\(mismatches)",
            "aave.discovery_ms": "\(ms(discoveredAt - start))", "aave.chain_ms": "\(ms(readAt - discoveredAt))",
        ])
        return AaveObservation(
            blockNumber: block.number, timestamp: block.timestamp, reserves: reserves,
            flashLoanPremiumBps: parameters.premiumBps, swapSlippageBps: parameters.slippageBps,
            gasAssetPrice: gasAssetPrice, positions: positions, discovery: discovery, problems: problems,
            enrollments: enrollments)
    }

    /// Runs `body`, keeping its typed error (an `async let` of a throwing call would lose the type).
    private static func result<T>(_ body: () async throws(AaveObserverError) -> T) async -> Result<T, AaveObserverError> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    // MARK: Discovery

    /// Users with debt from the subgraph; `enrolled` users (config and database) are watched
    /// even when it fails.
    private func discover(at block: BlockHeader, context: ObservationContext, enrolled: Int)
        async throws(AaveObserverError) -> ([Address], AaveObservation.Discovery?, String?)
    {
        guard let name = configuration.subgraph else { return ([], nil, nil) }
        if configuration.rediscoverySeconds > 0, let last = cache.state.withLock({ $0 }),
           block.timestamp >= last.timestamp, block.timestamp - last.timestamp < configuration.rediscoverySeconds
        {
            return (last.users, last.discovery, nil)
        }
        guard let client = context.subgraphs[name] else {
            throw .discovery("the subgraph '\(name)' is not configured; add it to [subgraphs] or remove the strategy's 'subgraph' key")
        }
        do {
            async let meta = client.meta()
            let items = try await client.all(
                "users", fields: "", filter: "borrowedReservesCount_gt: 0", pageSize: configuration.pageSize)
            let m = try await meta
            var users: [Address] = []
            users.reserveCapacity(items.count)
            for item in items {
                guard let id = item["id"]?.stringValue, let address = try? Address(id) else {
                    throw GraphQLError(kind: .malformed, subgraph: name, message: "a user id is not an address", cause: nil)
                }
                users.append(address)
            }
            let lag = block.number > m.blockNumber ? block.number - m.blockNumber : 0
            context.logger.info("aave subgraph discovery", metadata: [
                "keeper.strategy": "\(strategy)", "aave.subgraph": "\(name)", "aave.subgraph.block": "\(m.blockNumber)",
                "aave.subgraph.lag": "\(lag)", "aave.users": "\(users.count)",
            ])
            if m.hasIndexingErrors {
                context.logger.warning("aave subgraph reports indexing errors", metadata: ["aave.subgraph": "\(name)"])
            }
            let discovery = AaveObservation.Discovery(
                indexedBlock: m.blockNumber, lag: lag, users: users.count, hasIndexingErrors: m.hasIndexingErrors)
            cache.state.withLock { $0 = DiscoveryCache.Entry(timestamp: block.timestamp, users: users, discovery: discovery) }
            return (users, discovery, nil)
        } catch {
            // Enrolled users are still watched; without any, there is nothing to observe.
            guard enrolled > 0 else {
                throw .discovery("subgraph '\(name)' failed and no users are enrolled; check the subgraph URL", cause: error)
            }
            context.logger.warning("aave subgraph discovery failed; watching enrolled users only", metadata: [
                "keeper.strategy": "\(strategy)", "aave.subgraph": "\(name)", "error": "\(error)",
            ])
            return ([], nil, "subgraph '\(name)' discovery failed (\(error)); only the \(enrolled) enrolled users were read")
        }
    }

    // MARK: Pool parameters

    private struct Parameters {
        var assets: [Address]
        var premiumBps: UInt16?
        var slippageBps: UInt16?
    }

    private func readParameters(at tag: BlockTag, multicall: Multicall3) async throws(AaveObserverError) -> Parameters {
        var calls = [
            Multicall3.Call(target: configuration.pool, callData: AaveABI.getReservesList.selector),
            Multicall3.Call(target: configuration.pool, callData: AaveABI.flashLoanPremiumTotal.selector),
        ]
        if let venue = configuration.swapVenue {
            calls.append(Multicall3.Call(target: venue, callData: AaveABI.slippageBps.selector))
        }
        let results: [Multicall3.Result]
        do {
            results = try await multicall.read(calls, at: tag)
        } catch {
            throw .reserves("cannot read the pool at \(configuration.pool) (getReservesList); check the 'pool' contract and the RPC endpoint", cause: error)
        }
        guard let listData = results[0], let list = try? AaveABI.getReservesList.decodeOutput(listData).first?.elements
        else {
            throw .reserves("the pool at \(configuration.pool) does not answer getReservesList(); is it an Aave V3 pool?")
        }
        let assets = list.compactMap(\.addressValue)
        func bps(_ result: Multicall3.Result) -> UInt16? {
            guard let data = result, data.count >= 32, let word = U256(bigEndian: data[0..<32]), word <= U256(10_000)
            else { return nil }
            return UInt16(word.uint64!)
        }
        return Parameters(
            assets: assets, premiumBps: bps(results[1]),
            slippageBps: configuration.swapVenue == nil ? nil : bps(results[2]))
    }

    // MARK: Reserves

    private func readReserves(_ assets: [Address], at tag: BlockTag, timestamp: UInt64, multicall: Multicall3)
        async throws(AaveObserverError) -> ([AaveObservation.ReserveState], U256?, [String])
    {
        let pool = configuration.pool, oracle = configuration.oracle
        var calls: [Multicall3.Call] = []
        for asset in assets {
            let arg = AaveABI.addressWord(asset)
            calls.append(Multicall3.Call(target: pool, callData: AaveABI.getReserveData.selector + arg))
            calls.append(Multicall3.Call(target: oracle, callData: AaveABI.getAssetPrice.selector + arg))
            calls.append(Multicall3.Call(target: pool, callData: AaveABI.normalizedIncome.selector + arg))
            calls.append(Multicall3.Call(target: pool, callData: AaveABI.normalizedDebt.selector + arg))
            calls.append(Multicall3.Call(target: asset, callData: AaveABI.symbol.selector))
        }
        if let gasAsset = configuration.gasPriceAsset {
            calls.append(Multicall3.Call(target: oracle, callData: AaveABI.getAssetPrice.selector + AaveABI.addressWord(gasAsset)))
        }
        let results: [Multicall3.Result]
        do {
            results = try await multicall.read(calls, at: tag)
        } catch {
            throw .reserves("cannot read the reserves of the pool at \(pool)", cause: error)
        }
        var reserves: [AaveObservation.ReserveState] = []
        var problems: [String] = []
        for (i, asset) in assets.enumerated() {
            let r = Array(results[(5 * i)..<(5 * i + 5)])
            guard let data = r[0], let words = AaveABI.words(data, count: 15) else {
                throw .reserves("getReserveData(\(asset)) failed on the pool at \(pool)")
            }
            guard let priceData = r[1], let price = AaveABI.words(priceData, count: 1)?[0] else {
                throw .reserves("the oracle at \(oracle) has no price for \(asset) (getAssetPrice reverted); check the 'oracle' contract")
            }
            let configuration = words[0]
            let ltv = UInt16(truncatingIfNeeded: configuration.w0 & 0xffff)
            let lt = UInt16(truncatingIfNeeded: (configuration.w0 >> 16) & 0xffff)
            let decimals = Int((configuration.w0 >> 48) & 0xff)
            let indexes = AaveReserveIndexes(
                liquidityIndex: words[1], variableBorrowIndex: words[3], currentLiquidityRate: words[2],
                currentVariableBorrowRate: words[4], lastUpdateTimestamp: words[6].uint64 ?? .max)
            guard let income = indexes.normalizedIncome(at: timestamp), let debt = indexes.normalizedVariableDebt(at: timestamp)
            else {
                throw .reserves("the indexes of \(asset) cannot be brought to the block's time \(timestamp) (last update \(indexes.lastUpdateTimestamp))")
            }
            // The contract's own view of the indexes, where it has one, must agree with ours.
            if let d = r[2], let chainIncome = AaveABI.words(d, count: 1)?[0], chainIncome != income {
                problems.append("normalized income of \(asset): computed \(income) != chain \(chainIncome)")
            }
            if let d = r[3], let chainDebt = AaveABI.words(d, count: 1)?[0], chainDebt != debt {
                problems.append("normalized variable debt of \(asset): computed \(debt) != chain \(chainDebt)")
            }
            let symbol = r[4].flatMap { try? AaveABI.symbol.decodeOutput($0).first?.stringValue } ?? String(asset.checksummed.prefix(10))
            reserves.append(AaveObservation.ReserveState(
                asset: asset, symbol: symbol, decimals: decimals, ltv: ltv, liquidationThreshold: lt, price: price,
                indexes: indexes, normalizedIncome: income, normalizedDebt: debt))
        }
        var gasAssetPrice: U256?
        if let gasAsset = configuration.gasPriceAsset {
            gasAssetPrice = results.last!.flatMap { AaveABI.words($0, count: 1)?[0] }
            if gasAssetPrice == nil { problems.append("the oracle has no price for the gas asset \(gasAsset)") }
        }
        return (reserves, gasAssetPrice, problems)
    }

    // MARK: Users

    private typealias UserEntry = (asset: Address, scaledCollateral: U256, scaledDebt: U256, collateral: Bool)
    /// Every user's `getUserReserves` (scaled balances and collateral flags).
    private func readUserReserves(_ users: [Address], at tag: BlockTag, multicall: Multicall3)
        async throws(AaveObserverError) -> [Swift.Result<(Address, [UserEntry]), Problem>]
    {
        let pool = configuration.pool
        let calls = users.map { Multicall3.Call(target: pool, callData: AaveABI.getUserReserves.selector + AaveABI.addressWord($0)) }
        // Each answer is decoded as its batch arrives: the raw return data of 10,000 users is
        // never held at once (it is the tick's largest allocation).
        var decoded: [Swift.Result<(Address, [UserEntry]), Problem>] = []
        decoded.reserveCapacity(users.count)
        do {
            try await multicall.read(calls, at: tag) { i, result in
                let user = users[i]
                guard let data = result, let entries = AaveABI.userReserves(data) else {
                    decoded.append(.failure(Problem("getUserReserves(\(user)) failed or did not decode; the user is skipped this tick")))
                    return
                }
                decoded.append(.success((user, entries)))
            }
        } catch {
            throw .users("cannot read \(users.count) users' reserves from the pool at \(pool)", cause: error)
        }
        return decoded
    }

    /// `getUserAccountData` of each user.
    private func readAccountData(_ users: [Address], at tag: BlockTag, multicall: Multicall3)
        async throws(AaveObserverError) -> [Swift.Result<AaveAccount.UserAccountData, Problem>]
    {
        let pool = configuration.pool
        let calls = users.map { Multicall3.Call(target: pool, callData: AaveABI.getUserAccountData.selector + AaveABI.addressWord($0)) }
        let results: [Multicall3.Result]
        do {
            results = try await multicall.read(calls, at: tag)
        } catch {
            throw .users("cannot read \(users.count) users' account data from the pool at \(pool)", cause: error)
        }
        return zip(users, results).map { user, result in
            guard let data = result, let w = AaveABI.words(data, count: 6) else {
                return .failure(Problem("getUserAccountData(\(user)) failed; the user is not acted on this tick"))
            }
            return .success(AaveAccount.UserAccountData(
                totalCollateralBase: w[0], totalDebtBase: w[1], availableBorrowsBase: w[2],
                currentLiquidationThreshold: w[3], ltv: w[4], healthFactor: w[5], hasZeroLtvCollateral: false))
        }
    }

    /// A note about one user or reserve that does not stop the tick.
    struct Problem: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// Builds a position from its scaled balances and computes its account data.
    private static func position(
        user: Address, entries: [UserEntry],
        reserves: [AaveObservation.ReserveState], byAsset: [Address: Int]
    ) -> Swift.Result<AaveObservation.Position, Problem> {
        var accountReserves: [AaveAccount.Reserve] = []
        var scaled: [AaveObservation.ScaledBalance] = []
        var indexes: [Int] = []
        accountReserves.reserveCapacity(entries.count)
        for e in entries {
            guard let k = byAsset[e.asset] else {
                return .failure(Problem("user \(user) holds \(e.asset), which is not in the pool's reserves list"))
            }
            let r = reserves[k]
            guard let reserve = AaveAccount.Reserve(
                asset: r.asset, decimals: r.decimals, price: r.price, liquidationThreshold: r.liquidationThreshold,
                ltv: r.ltv, usageAsCollateralEnabled: e.collateral, scaledCollateral: e.scaledCollateral,
                normalizedIncome: r.normalizedIncome, scaledDebt: e.scaledDebt, normalizedDebt: r.normalizedDebt)
            else {
                return .failure(Problem("user \(user): the balances in \(r.symbol) overflow"))
            }
            accountReserves.append(reserve)
            scaled.append(AaveObservation.ScaledBalance(scaledCollateral: e.scaledCollateral, scaledDebt: e.scaledDebt))
            indexes.append(k)
        }
        let offChain = AaveAccount.accountData(accountReserves)
        return .success(AaveObservation.Position(
            user: user, reserves: accountReserves, scaled: scaled, reserveIndexes: indexes, onChain: nil,
            offChain: offChain))
    }
}

/// The users the subgraph listed last, and when (block time).
private final class DiscoveryCache: Sendable {
    struct Entry: Sendable {
        var timestamp: UInt64
        var users: [Address]
        var discovery: AaveObservation.Discovery
    }

    let state = Mutex<Entry?>(nil)
}

/// The few Aave calls the observer makes, encoded and decoded by hand for speed (10,000 users
/// per tick): static words and one array of static tuples.
enum AaveABI {
    static let getReservesList = function("getReservesList() returns (address[])")
    static let flashLoanPremiumTotal = function("FLASHLOAN_PREMIUM_TOTAL() returns (uint128)")
    static let slippageBps = function("slippageBps() returns (uint256)")
    static let getReserveData = function("getReserveData(address asset) returns (uint256,uint128,uint128,uint128,uint128,uint128,uint40,uint16,address,address,address,address,uint128,uint128,uint128)")
    static let getAssetPrice = function("getAssetPrice(address asset) returns (uint256)")
    static let normalizedIncome = function("getReserveNormalizedIncome(address asset) returns (uint256)")
    static let normalizedDebt = function("getReserveNormalizedVariableDebt(address asset) returns (uint256)")
    static let symbol = function("symbol() returns (string)")
    static let getUserAccountData = function("getUserAccountData(address user) returns (uint256,uint256,uint256,uint256,uint256,uint256)")
    static let getUserReserves = function("getUserReserves(address user) returns ((address,uint256,uint256,bool)[])")

    private static func function(_ text: String) -> ABIFunction {
        // The texts above are constants; a parse failure is a programming error caught by any test.
        try! ABIFunction(parsing: text)
    }

    /// An address as one ABI word.
    static func addressWord(_ address: Address) -> [UInt8] {
        [UInt8](repeating: 0, count: 12) + address.bytes
    }

    /// The first `count` 32-byte words; nil when the data is shorter.
    static func words(_ data: [UInt8], count: Int) -> [U256]? {
        guard data.count >= 32 * count else { return nil }
        var out: [U256] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            guard let w = U256(bigEndian: data[(32 * i)..<(32 * i + 32)]) else { return nil }
            out.append(w)
        }
        return out
    }

    /// `(address asset, uint256 scaledATokenBalance, uint256 scaledVariableDebt, bool usageAsCollateralEnabledOnUser)[]`,
    /// strictly: offset 32, at most 128 entries, clean address and bool words.
    static func userReserves(_ data: [UInt8]) -> [(asset: Address, scaledCollateral: U256, scaledDebt: U256, collateral: Bool)]? {
        guard let head = words(data, count: 2), head[0] == U256(32), let n = head[1].uint64, n <= 128 else { return nil }
        let count = Int(n)
        guard data.count == 64 + 128 * count else { return nil }
        var out: [(asset: Address, scaledCollateral: U256, scaledDebt: U256, collateral: Bool)] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            let base = 64 + 128 * i
            guard let a = U256(bigEndian: data[base..<(base + 32)]), a >> 160 == .zero,
                  let s = U256(bigEndian: data[(base + 32)..<(base + 64)]),
                  let d = U256(bigEndian: data[(base + 64)..<(base + 96)]),
                  let b = U256(bigEndian: data[(base + 96)..<(base + 128)]), b <= .one
            else { return nil }
            out.append((Address(word: a), s, d, b == .one))
        }
        return out
    }
}
