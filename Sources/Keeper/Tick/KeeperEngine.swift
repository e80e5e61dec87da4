public import EVM
import Foundation
public import Logging
public import Oracle
public import Strategies

/// The keeper's tick: Observe -> Decide -> Simulate -> Plan -> Sign -> Send -> Track.
///
/// One actor owns the head tracker, the nonce tracker, the transactions in flight and the intent
/// store; ``tick()`` runs one pass. In dry-run (no store, no signer) a tick stops after planning
/// and changes nothing anywhere.
///
/// Exactly one effect per idempotency key: an intent is stored (key = primary key) before its
/// transaction gets a nonce, its transaction fields before the signer is asked, the signed bytes
/// before they are broadcast; after a restart ``tick()`` first resumes every unfinished intent
/// from where it stood.
public actor KeeperEngine {
    /// What the engine needs to know; rebuilt from the config on SIGHUP.
    public struct Settings: Sendable {
        public var chainID: UInt64
        public var account: Address
        public var feePolicy: FeePolicy
        public var gasMarginBps: Int
        public var confirmations: UInt64
        public var maxInFlight: Int
        public var observeTimeout: Duration
        public var stallAfter: Duration
        /// How often the tick service ticks.
        public var pollInterval: Duration
        public var customErrors: [ABICustomError]

        public init(
            chainID: UInt64, account: Address, feePolicy: FeePolicy, gasMarginBps: Int = 2_000, confirmations: UInt64 = 2,
            maxInFlight: Int = 4, observeTimeout: Duration = .seconds(10), stallAfter: Duration = .seconds(120),
            pollInterval: Duration = .seconds(1), customErrors: [ABICustomError] = []
        ) {
            self.chainID = chainID
            self.account = account
            self.feePolicy = feePolicy
            self.gasMarginBps = gasMarginBps
            self.confirmations = confirmations
            self.maxInFlight = maxInFlight
            self.observeTimeout = observeTimeout
            self.stallAfter = stallAfter
            self.pollInterval = pollInterval
            self.customErrors = customErrors
        }

        public init(config: KeeperConfig) {
            self.init(
                chainID: config.chainID, account: config.signer.account, feePolicy: config.fees.policy,
                gasMarginBps: config.fees.gasMarginBps, confirmations: config.head.confirmations,
                maxInFlight: config.fees.maxInFlight, observeTimeout: config.head.observeTimeout,
                stallAfter: config.head.stallAfter, pollInterval: config.head.pollInterval, customErrors: config.customErrors)
        }
    }

    /// A strategy with its observer.
    public struct StrategyPair: Sendable {
        public var observer: any Observer
        public var strategy: any Strategy

        public init(observer: any Observer, strategy: any Strategy) {
            self.observer = observer
            self.strategy = strategy
        }
    }

    /// A transaction the keeper signed and tracks until it is final.
    struct Tracked {
        var key: String
        /// The call as signed; `fees` is the latest attempt's.
        var request: SigningRequest
        var pending: PendingTransaction
        /// Whether a node accepted the latest attempt (state `sent`); false: rebroadcast.
        var broadcast: Bool
        /// Set when the fee cap or the signer stopped replacements: alert once, stop trying.
        var bumpsStopped = false
        var lastMined: StoredIntent.Mined?

        var isInFlight: Bool {
            switch pending.state {
            case .waiting, .stuckAtCap: true
            default: false
            }
        }
    }

    public private(set) var settings: Settings
    let rpc: EthereumRPC
    let context: ObservationContext
    var strategies: [StrategyPair]
    let signer: (any TransactionSigner)?
    let store: IntentStore?
    let metrics: KeeperMetrics?
    let logger: Logger
    let now: @Sendable () -> ContinuousClock.Instant

    var head: HeadTracker
    var nonces = NonceTracker()
    var tracked: [String: Tracked] = [:]
    /// Intents with a nonce that the signer has not signed yet (it was unreachable): retried first.
    var unsigned: [String: SigningRequest] = [:]
    var resumed = false
    let startedAt: ContinuousClock.Instant
    /// Called with every tick's snapshot before the strategies decide (the oracle's PriceBook).
    var snapshotObservers: [@Sendable (Snapshot) -> Void] = []

    /// Whether this engine acts (false: dry-run).
    public var isLive: Bool { store != nil && signer != nil }

    /// - Parameters:
    ///   - store: the intent store; nil with `signer` nil for dry-run.
    ///   - now: the clock the head-stall rule reads.
    public init(
        settings: Settings, rpc: EthereumRPC, context: ObservationContext, strategies: [StrategyPair],
        signer: (any TransactionSigner)?, store: sending IntentStore?, metrics: KeeperMetrics?, logger: Logger,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.settings = settings
        self.rpc = rpc
        self.context = context
        self.strategies = strategies
        self.signer = signer
        self.store = store
        self.metrics = metrics
        self.logger = logger
        self.now = now
        self.head = HeadTracker(stallAfter: settings.stallAfter)
        self.startedAt = now()
    }

    /// Swaps in new settings and strategies (SIGHUP). The head (and how long it has not moved),
    /// nonces and tracked transactions stay; the new fee policy applies to the next bump.
    public func reconfigure(settings: Settings, strategies: [StrategyPair]) {
        var settings = settings
        // The account and chain of transactions in flight cannot change under them.
        if settings.account != self.settings.account || settings.chainID != self.settings.chainID {
            logger.error("a reload cannot change the chain id or the account; restart the keeper for that", metadata: [
                "keeper.account": "\(self.settings.account.checksummed)"
            ])
            settings.account = self.settings.account
            settings.chainID = self.settings.chainID
        }
        self.settings = settings
        self.strategies = strategies
        // The tracker stays: a fresh one would date the head from the reload, so that a SIGHUP
        // now and then would hide a stalled head for ever, and it would forget the blocks that
        // reorg detection compares with.
        head.stallAfter = settings.stallAfter
    }

    /// Whether the head has not moved for `stallAfter` (or no head was read for that long since
    /// the start).
    public func isHeadStalled() -> Bool {
        let now = now()
        if head.head == nil { return now - startedAt >= settings.stallAfter }
        return head.isStalled(at: now)
    }

    /// How long the head has been unchanged.
    public func headAge() -> Duration? { head.headAge(at: now()) }

    /// Transactions in flight (not yet mined) for the account.
    public var inFlightCount: Int { tracked.values.filter(\.isInFlight).count }

    /// Registers `observer` to see every tick's snapshot (for read models such as the oracle's
    /// ``PriceBook``); it runs on the tick and must be quick.
    public func addSnapshotObserver(_ observer: @escaping @Sendable (Snapshot) -> Void) {
        snapshotObservers.append(observer)
    }

    // MARK: The tick

    /// One pass. Throws only when the head cannot be read (nothing else can be done then); every
    /// other failure is logged, reported in the result and retried by a later tick.
    public func tick() async throws(RPCError) -> TickReport {
        let header = try await latestHeader()
        // A head several blocks on: our head's height on the chain now tells an advance from a
        // reorg below our head (unreadable: taken for an advance; receipts are checked anyway).
        var canonical: BlockHeader?
        if let height = head.heightToCheck(before: header) { canonical = try? await rpc.block(.number(height)) }
        let event = head.observe(header, at: now(), canonicalAtCurrentHeight: canonical)
        var report: TickReport
        switch event {
        case .first: report = TickReport(block: header, head: .first)
        case .advanced: report = TickReport(block: header, head: .advanced)
        case .reorganised(_, let ancestor):
            report = TickReport(block: header, head: .reorganised)
            logger.warning("chain reorganisation", metadata: [
                "keeper.block": "\(header.number)", "keeper.common_ancestor": "\(ancestor.map(String.init) ?? "unknown")",
            ])
        case .unchanged: report = TickReport(block: header, head: .unchanged)
        }
        if event != .unchanged { metrics?.headMoved() }

        if isLive {
            if !resumed {
                try await resume()
                resumed = true
            }
            await retryUnsigned(&report)
            if event != .unchanged { await track(&report) }
        }
        if event != .unchanged {
            await decideAndAct(&report)
        }
        report.inFlight = inFlightCount
        if isLive {
            report.nextNonce = nonces.peek(settings.account)
            if let counts = try? store?.countsByState() { metrics?.setIntentCounts(counts) }
        }
        return report
    }

    func latestHeader() async throws(RPCError) -> BlockHeader {
        guard let header = try await rpc.block(.latest) else {
            throw RPCError(.malformed, endpoint: nil, message: "the node has no latest block")
        }
        return header
    }

    // MARK: Observe, decide, simulate, plan

    func decideAndAct(_ report: inout TickReport) async {
        let block = report.block
        let (sections, failures) = await observe(at: block)
        report.observerFailures = failures
        var history = IntentHistory()
        if let store {
            let since = block.timestamp > Self.historyWindow ? block.timestamp - Self.historyWindow : 0
            do {
                history = IntentHistory(keys: try store.keys(since: since), lastActionTime: try store.lastActionTimes(since: since))
            } catch {
                logger.error("cannot read intent history; deciding nothing this tick", metadata: ["error.message": "\(error)"])
                report.problems.append("intent store: \(error)")
                return
            }
        }
        let snapshot = Snapshot(chainID: settings.chainID, block: block, sections: sections, history: history)
        for observer in snapshotObservers { observer(snapshot) }

        var intents: [Intent] = []
        var seen = Set<String>()
        for pair in strategies where sections[pair.strategy.name] != nil {
            let decision = pair.strategy.decide(snapshot)
            for note in decision.notes {
                let level: Logger.Level = note.level == .warning ? .warning : .info
                logger.log(level: level, "\(note.message)", metadata: ["keeper.strategy": "\(pair.strategy.name)"])
            }
            for intent in decision.intents {
                guard seen.insert(intent.idempotencyKey).inserted else { continue }
                if history.keys.contains(intent.idempotencyKey) || ((try? store?.contains(key: intent.idempotencyKey)) ?? false) {
                    report.alreadyKnown.append(intent.idempotencyKey)
                    continue
                }
                intents.append(intent)
            }
        }
        guard !intents.isEmpty else { return }

        let feeHistory: FeeHistory?
        do {
            feeHistory = try await rpc.feeHistory(blocks: 5, newest: .number(block.number), percentiles: [settings.feePolicy.tipPercentile])
        } catch {
            logger.warning("cannot read fee history; nothing is actionable this tick", metadata: ["error.message": "\(error)"])
            feeHistory = nil
        }
        let planner = Planner(rpc: rpc, feePolicy: settings.feePolicy, gasMarginBps: settings.gasMarginBps, customErrors: settings.customErrors)
        guard isLive else {
            // Dry-run shows every intent, simulated.
            report.plans = await planner.plan(intents, from: settings.account, block: block, feeHistory: feeHistory)
            report.nextNonce = try? await rpc.transactionCount(of: settings.account, at: .pending)
            for plan in report.plans { _ = usableSimulation(plan, block: block, report: &report) }
            return
        }
        // Live: an intent is simulated only while the account may still send this tick. Past the
        // bound of transactions in flight the rest are held unsimulated (the next tick decides
        // again): with 1,600 Aave positions due and four slots, simulating all of them would
        // cost the tick seconds for transactions it cannot send.
        for intent in intents {
            if inFlightCount >= settings.maxInFlight {
                report.held.append(intent.idempotencyKey)
                continue
            }
            guard let plan = await planner.plan([intent], from: settings.account, block: block, feeHistory: feeHistory).first else { continue }
            report.plans.append(plan)
            guard usableSimulation(plan, block: block, report: &report) else { continue }
            guard plan.isActionable, let gasLimit = plan.gasLimit, let fees = plan.fees else {
                report.problems.append("\(plan.intent.idempotencyKey): no fees")
                logger.warning("intent not priced (fee history unavailable, or the base fee is above max_fee_per_gas)",
                               metadata: Self.metadata(plan.intent, block: block))
                continue
            }
            await act(on: plan, gasLimit: gasLimit, fees: fees, block: block, report: &report)
        }
        if !report.held.isEmpty {
            logger.notice("intent held: the account is at its bound of transactions in flight", metadata: [
                "keeper.block": "\(block.number)", "keeper.in_flight": "\(inFlightCount)", "keeper.held": "\(report.held.count)",
                "keeper.intent": "\(report.held[0])",
            ])
        }
    }

    /// Whether a plan's simulation succeeded; a revert drops the intent and an unavailable
    /// simulation leaves it to the next tick (both logged and reported).
    private func usableSimulation(_ plan: PlannedTransaction, block: BlockHeader, report: inout TickReport) -> Bool {
        let meta = Self.metadata(plan.intent, block: block)
        switch plan.simulation {
        case .reverted(let reason, _):
            report.reverted.append(plan.intent.idempotencyKey)
            logger.warning("intent dropped: its simulation reverts", metadata: meta.merging(["keeper.revert": "\(reason)"]) { $1 })
            return false
        case .unavailable(let why):
            report.problems.append("\(plan.intent.idempotencyKey): not simulated")
            logger.warning("intent not simulated; the next tick decides again", metadata: meta.merging(["keeper.reason": "\(why)"]) { $1 })
            return false
        case .ok:
            return true
        }
    }

    /// The log metadata naming an intent at a block.
    private static func metadata(_ intent: Intent, block: BlockHeader) -> Logger.Metadata {
        ["keeper.strategy": "\(intent.strategy)", "keeper.intent": "\(intent.idempotencyKey)", "keeper.block": "\(block.number)"]
    }

    /// How far back (seconds of block time) the strategies' history reaches.
    static let historyWindow: UInt64 = 30 * 86_400

    /// Runs every strategy's observer at `block` concurrently, within the observe timeout. A
    /// failing or late observer leaves its section out.
    func observe(at block: BlockHeader) async -> ([String: any Sendable], [String: String]) {
        let observers = strategies.map(\.observer)
        let context = self.context
        let timeout = settings.observeTimeout
        let logger = self.logger
        return await withTaskGroup(of: (String, Result<any Sendable, any Error>)?.self) { group in
            for observer in observers {
                group.addTask {
                    do {
                        return (observer.strategy, .success(try await observer.observe(at: block, context: context)))
                    } catch {
                        return (observer.strategy, .failure(error))
                    }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            var sections: [String: any Sendable] = [:]
            var failures: [String: String] = [:]
            var remaining = Set(observers.map(\.strategy))
            while !remaining.isEmpty, let next = await group.next() {
                guard let (name, result) = next else { break }  // the deadline
                remaining.remove(name)
                switch result {
                case .success(let section): sections[name] = section
                case .failure(let error):
                    failures[name] = "\(error)"
                    logger.error("observer failed; the strategy decides nothing this tick", metadata: [
                        "keeper.strategy": "\(name)", "keeper.block": "\(block.number)", "error.message": "\(error)",
                    ])
                }
            }
            for name in remaining {
                failures[name] = "timed out after \(timeout)"
                logger.error("observer timed out; the strategy decides nothing this tick", metadata: [
                    "keeper.strategy": "\(name)", "keeper.block": "\(block.number)",
                ])
            }
            group.cancelAll()
            return (sections, failures)
        }
    }

    // MARK: Sign and send

    /// Persist planned -> assign nonce, gas, fees -> sign -> record signed -> broadcast -> sent.
    func act(on plan: PlannedTransaction, gasLimit: UInt64, fees: Fees, block: BlockHeader, report: inout TickReport) async {
        guard let store else { return }
        let key = plan.intent.idempotencyKey
        let account = settings.account
        do {
            guard try store.insertPlanned(plan.intent, calldata: plan.calldata, blockTime: block.timestamp) else {
                report.alreadyKnown.append(key)
                return
            }
            guard let nonce = nonces.reserve(account) else {
                report.problems.append("\(key): nonce not synced")
                return
            }
            try store.assignTransaction(key: key, account: account, nonce: nonce, gasLimit: gasLimit, fees: fees)
            let request = SigningRequest(
                chainID: settings.chainID, from: account, to: plan.intent.to, nonce: nonce, gasLimit: gasLimit, fees: fees,
                value: plan.intent.value, data: plan.calldata, methodSignature: plan.intent.function.signature)
            logger.info("intent planned", metadata: [
                "keeper.strategy": "\(plan.intent.strategy)", "keeper.intent": "\(key)", "keeper.nonce": "\(nonce)",
                "keeper.reason": "\(plan.intent.reason)",
            ])
            await signAndSend(key: key, request: request, block: block.number, report: &report)
        } catch {
            report.problems.append("\(key): store: \(error)")
            logger.error("intent store write failed", metadata: ["keeper.intent": "\(key)", "error.message": "\(error)"])
        }
    }

    /// Signs the first transaction of an intent whose nonce is assigned, records it and sends it.
    func signAndSend(key: String, request: SigningRequest, block: UInt64, report: inout TickReport) async {
        guard let store, let signer else { return }
        let meta: Logger.Metadata = ["keeper.intent": "\(key)", "keeper.nonce": "\(request.nonce)"]
        let signed: SignedRawTransaction
        do {
            signed = try await signer.sign(request)
        } catch {
            unsigned[key] = nil
            switch error.kind {
            case .refused(let rule):
                report.refused[key] = rule
                metrics?.signerRefused(rule: rule)
                logger.error("the signer refused; intent failed", metadata: meta.merging([
                    "keeper.signer.rule": "\(rule)", "keeper.signer.reason": "\(error.message)",
                ]) { $1 })
                try? store.setState(key: key, .failed, failureRule: rule, failureReason: error.message)
                giveBack(nonce: request.nonce)
            case .unavailable, .failed:
                unsigned[key] = request
                report.problems.append("\(key): \(error)")
                logger.error("signing failed; retrying the identical transaction next tick", metadata: meta.merging([
                    "error.message": "\(error)"
                ]) { $1 })
            }
            return
        }
        unsigned[key] = nil
        let attempt = Attempt(hash: signed.hash, raw: signed.raw, fees: request.fees, sentAtBlock: block)
        do {
            try store.recordSigned(key: key, attempt: attempt)
        } catch {
            // Not recorded: do not broadcast what the store does not know. The next tick asks again.
            unsigned[key] = request
            report.problems.append("\(key): store: \(error)")
            logger.error("cannot record the signed transaction; not sending it", metadata: meta.merging(["error.message": "\(error)"]) { $1 })
            return
        }
        var entry = Tracked(
            key: key, request: request, pending: PendingTransaction(account: request.from, nonce: request.nonce, first: attempt),
            broadcast: false)
        let outcome = await broadcast(signed.raw, hash: signed.hash, meta: meta)
        apply(outcome, to: &entry, first: true, report: &report)
    }

    /// A node's answer to `eth_sendRawTransaction`, sorted.
    enum BroadcastOutcome {
        case accepted
        /// The nonce is used. `mined`: by this very transaction (it has a receipt).
        case nonceTooLow(mined: Bool, message: String)
        case underpriced(String)
        case refused(String)
        case unreachable(String)
    }

    func broadcast(_ raw: [UInt8], hash: [UInt8], meta: Logger.Metadata) async -> BroadcastOutcome {
        do {
            _ = try await rpc.sendRawTransaction(raw)
            metrics?.transactionSent()
            logger.info("transaction sent", metadata: meta.merging(["keeper.tx": "\(Hex.encode(hash))"]) { $1 })
            return .accepted
        } catch {
            let message = error.message.lowercased()
            if error.kind == .rpc || error.kind == .executionReverted {
                if message.contains("already known") || message.contains("known transaction") || message.contains("already imported") {
                    return .accepted
                }
                if message.contains("nonce too low") || message.contains("nonce has already been used") {
                    let mined = ((try? await rpc.receipt(hash)) ?? nil) != nil
                    return .nonceTooLow(mined: mined, message: error.message)
                }
                if message.contains("underpriced") { return .underpriced(error.message) }
                // Refusals that say the transaction can never be accepted as it is: the intent
                // fails and its nonce is given back. Anything else may have been accepted
                // (a proxy's error page, an overloaded node): rebroadcast the same bytes later,
                // which is harmless, rather than reuse a nonce that may be taken.
                if Self.permanentRefusals.contains(where: { message.contains($0) }) { return .refused(error.message) }
                return .unreachable(error.description)
            }
            return .unreachable(error.description)
        }
    }

    /// Node messages (geth's) that refuse a transaction for good.
    static let permanentRefusals = [
        "insufficient funds", "intrinsic gas too low", "exceeds block gas limit", "invalid chain id",
        "max fee per gas less than block base fee", "fee cap less than block base fee", "tx fee", "exceeds the configured cap",
        "invalid sender", "sender not an eoa", "gas limit reached", "max priority fee per gas higher than max fee per gas",
        "oversized data",
    ]

    /// Carries out a broadcast outcome on a tracked transaction.
    func apply(_ outcome: BroadcastOutcome, to entry: inout Tracked, first: Bool, report: inout TickReport) {
        let key = entry.key
        let meta: Logger.Metadata = ["keeper.intent": "\(key)", "keeper.nonce": "\(entry.request.nonce)"]
        switch outcome {
        case .accepted, .nonceTooLow(mined: true, _):
            if !entry.broadcast {
                try? store?.setState(key: key, .sent)
                entry.broadcast = true
                if first { report.sent.append(key) }
            }
            tracked[key] = entry
        case .nonceTooLow(mined: false, let message):
            if entry.pending.attempts.count > 1 || entry.broadcast {
                // An earlier attempt may be the one mined; tracking finds its receipt or the drop.
                tracked[key] = entry
                return
            }
            report.dropped.append(key)
            metrics?.transactionFailed()
            logger.error("nonce already used by another transaction; intent dropped (is another process using this key?)", metadata: meta.merging([
                "keeper.node": "\(message)"
            ]) { $1 })
            try? store?.setState(key: key, .dropped, failureReason: "nonce \(entry.request.nonce) already used: \(message)")
            tracked[key] = nil
            needsNonceResync = true
        case .underpriced(let message):
            logger.warning("the node refused the replacement as underpriced; retrying at the next bump", metadata: meta.merging([
                "keeper.node": "\(message)"
            ]) { $1 })
            tracked[key] = entry
        case .refused(let message):
            if entry.broadcast || entry.pending.attempts.count > 1 {
                logger.error("the node refused a replacement", metadata: meta.merging(["keeper.node": "\(message)"]) { $1 })
                tracked[key] = entry
                return
            }
            report.failed.append(key)
            metrics?.transactionFailed()
            logger.error("the node refused the transaction; intent failed", metadata: meta.merging(["keeper.node": "\(message)"]) { $1 })
            try? store?.setState(key: key, .failed, failureReason: "node refused: \(message)")
            tracked[key] = nil
            giveBack(nonce: entry.request.nonce)
        case .unreachable(let message):
            report.problems.append("\(key): broadcast: \(message)")
            logger.warning("broadcast failed; retrying next tick", metadata: meta.merging(["error.message": "\(message)"]) { $1 })
            tracked[key] = entry
        }
    }

    var needsNonceResync = false

    /// Gives a nonce back after a refusal, so the next transaction does not leave a gap.
    func giveBack(nonce: UInt64) {
        let account = settings.account
        if nonces.release(account, nonce: nonce) {
            try? store?.setNextNonce(account, nonce)
        } else {
            logger.error("a refused transaction leaves a nonce gap; resyncing with the chain", metadata: ["keeper.nonce": "\(nonce)"])
            needsNonceResync = true
        }
    }

    func retryUnsigned(_ report: inout TickReport) async {
        for (key, request) in unsigned.sorted(by: { $0.value.nonce < $1.value.nonce }) {
            await signAndSend(key: key, request: request, block: report.block.number, report: &report)
            if unsigned[key] != nil { break }  // the signer is still unavailable
        }
        for key in tracked.keys.sorted() {
            guard var entry = tracked[key], !entry.broadcast, let last = entry.pending.attempts.last else { continue }
            let outcome = await broadcast(last.raw, hash: last.hash, meta: ["keeper.intent": "\(key)"])
            apply(outcome, to: &entry, first: false, report: &report)
        }
    }

    // MARK: Track

    /// Receipts (batched), confirmations, bumps, reorgs and drops of the transactions in flight.
    func track(_ report: inout TickReport) async {
        if needsNonceResync {
            await resyncNonce()
        }
        let keys = tracked.keys.sorted { (tracked[$0]?.request.nonce ?? 0) < (tracked[$1]?.request.nonce ?? 0) }
        guard !keys.isEmpty else { return }
        let block = report.block
        var hashes: [[UInt8]] = []
        for key in keys { hashes += tracked[key]?.pending.hashes ?? [] }
        let receipts: [TransactionReceipt?]
        do {
            receipts = try await rpc.receipts(hashes)
        } catch {
            report.problems.append("receipts: \(error)")
            logger.warning("cannot read receipts; tracking resumes next tick", metadata: ["error.message": "\(error)"])
            return
        }
        var byHash: [[UInt8]: TransactionReceipt] = [:]
        for case let receipt? in receipts { byHash[receipt.transactionHash] = receipt }
        var chainNonce: UInt64?

        for key in keys {
            guard var entry = tracked[key] else { continue }
            let meta: Logger.Metadata = ["keeper.intent": "\(key)", "keeper.nonce": "\(entry.request.nonce)"]
            if let receipt = entry.pending.hashes.lazy.compactMap({ byHash[$0] }).first {
                _ = entry.pending.receipt(
                    hash: receipt.transactionHash, block: receipt.blockNumber, blockHash: receipt.blockHash, succeeded: receipt.succeeded)
                let mined = StoredIntent.Mined(
                    hash: receipt.transactionHash, block: receipt.blockNumber, blockHash: receipt.blockHash, succeeded: receipt.succeeded)
                if entry.lastMined != mined {
                    try? store?.setMined(key: key, mined)
                    entry.lastMined = mined
                    logger.info("transaction mined", metadata: meta.merging([
                        "keeper.tx": "\(Hex.encode(receipt.transactionHash))", "keeper.block": "\(receipt.blockNumber)",
                        "keeper.succeeded": "\(receipt.succeeded)",
                    ]) { $1 })
                }
            } else if case .mined = entry.pending.state {
                if case .rebroadcast(let raw) = entry.pending.reorganisedOut() {
                    logger.warning("the block of a mined transaction left the chain; rebroadcasting", metadata: meta)
                    try? store?.setMined(key: key, nil)
                    entry.lastMined = nil
                    _ = try? await rpc.sendRawTransaction(raw)
                }
            } else if entry.isInFlight {
                if chainNonce == nil {
                    chainNonce = try? await rpc.transactionCount(of: entry.request.from, at: .number(block.number))
                }
                if let chainNonce, chainNonce > entry.request.nonce, case .dropped = entry.pending.nonceConsumedWithoutReceipt() {
                    report.dropped.append(key)
                    metrics?.transactionFailed()
                    logger.error("the nonce was used by a transaction the keeper did not send; intent dropped", metadata: meta)
                    try? store?.setState(key: key, .dropped, failureReason: "nonce \(entry.request.nonce) used by another transaction")
                    tracked[key] = nil
                    continue
                }
            }

            switch entry.pending.head(block.number, baseFee: block.baseFeePerGas, policy: settings.feePolicy, confirmations: settings.confirmations) {
            case .none, .rebroadcast, .dropped:
                tracked[key] = entry
            case .confirmed(let succeeded):
                tracked[key] = nil
                report.confirmed.append(key)
                if succeeded {
                    metrics?.transactionConfirmed()
                    try? store?.setState(key: key, .confirmed)
                    logger.info("transaction confirmed", metadata: meta)
                } else {
                    metrics?.transactionFailed()
                    report.failed.append(key)
                    try? store?.setState(key: key, .failed, failureReason: "reverted on chain")
                    logger.error("transaction reverted on chain", metadata: meta)
                }
            case .alertAtCap:
                if !entry.bumpsStopped {
                    logger.critical("transaction stuck at the fee cap (max_fee_per_gas); it will not be bumped further", metadata: meta.merging([
                        "keeper.max_fee_per_gas": "\(entry.request.fees.maxFeePerGas)"
                    ]) { $1 })
                }
                entry.bumpsStopped = true
                tracked[key] = entry
            case .replace(let fees):
                guard !entry.bumpsStopped else {
                    tracked[key] = entry
                    continue
                }
                await replace(&entry, fees: fees, block: block.number, report: &report)
                tracked[key] = entry
            }
        }
    }

    /// Signs and broadcasts a replacement: same nonce and call, higher fees.
    func replace(_ entry: inout Tracked, fees: Fees, block: UInt64, report: inout TickReport) async {
        guard let signer, let store else { return }
        var request = entry.request
        request.fees = fees
        let meta: Logger.Metadata = ["keeper.intent": "\(entry.key)", "keeper.nonce": "\(request.nonce)"]
        let signed: SignedRawTransaction
        do {
            signed = try await signer.sign(request)
        } catch {
            if let rule = error.rule {
                metrics?.signerRefused(rule: rule)
                entry.bumpsStopped = true
                logger.critical("the signer refused a replacement; the transaction stays as it is", metadata: meta.merging([
                    "keeper.signer.rule": "\(rule)", "keeper.signer.reason": "\(error.message)",
                ]) { $1 })
            } else {
                logger.error("signing a replacement failed; retrying at the next head", metadata: meta.merging(["error.message": "\(error)"]) { $1 })
            }
            return
        }
        let attempt = Attempt(hash: signed.hash, raw: signed.raw, fees: fees, sentAtBlock: block)
        do {
            try store.recordSigned(key: entry.key, attempt: attempt)
        } catch {
            logger.error("cannot record the replacement; not sending it", metadata: meta.merging(["error.message": "\(error)"]) { $1 })
            return
        }
        entry.pending.replaced(with: attempt)
        entry.request = request
        let outcome = await broadcast(signed.raw, hash: signed.hash, meta: meta)
        if case .accepted = outcome {
            metrics?.transactionReplaced()
            report.replaced.append(entry.key)
            logger.notice("stuck transaction replaced with higher fees", metadata: meta.merging([
                "keeper.max_fee_per_gas": "\(fees.maxFeePerGas)", "keeper.max_priority_fee_per_gas": "\(fees.maxPriorityFeePerGas)",
            ]) { $1 })
        }
        let key = entry.key
        apply(outcome, to: &entry, first: false, report: &report)
        if let updated = tracked[key] { entry = updated }
    }

    // MARK: Resume

    /// After a start: syncs the nonce with the chain and picks up every unfinished intent.
    func resume() async throws(RPCError) {
        guard let store else { return }
        let account = settings.account
        let unfinished: [StoredIntent]
        do {
            unfinished = try store.unfinished()
        } catch {
            logger.critical("cannot read unfinished intents from the store", metadata: ["error.message": "\(error)"])
            throw RPCError(.exhausted, endpoint: nil, message: "intent store unreadable: \(error)")
        }
        try await syncNonce()
        for s in unfinished {
            let meta: Logger.Metadata = ["keeper.intent": "\(s.key)", "keeper.state": "\(s.state.rawValue)"]
            let signature = (try? ABIFunction(parsing: s.function))?.signature
            switch s.state {
            case .planned:
                guard let nonce = s.nonce, let gasLimit = s.gasLimit, let fees = s.fees else {
                    // Stored but never given a transaction: nothing left the process. The
                    // strategy's decision stands; give it a transaction now.
                    await resumeUnassigned(s, signature: signature)
                    continue
                }
                unsigned[s.key] = SigningRequest(
                    chainID: settings.chainID, from: s.account ?? account, to: s.to, nonce: nonce, gasLimit: gasLimit, fees: fees,
                    value: s.value, data: s.calldata, methodSignature: signature)
                logger.notice("resuming: asking the signer for the identical transaction again", metadata: meta)
            case .signed, .sent:
                guard let nonce = s.nonce, let gasLimit = s.gasLimit, let fees = s.fees, !s.attempts.isEmpty else {
                    try? store.setState(key: s.key, .failed, failureReason: "stored without its transaction fields")
                    continue
                }
                let state: PendingTransaction.State = s.mined.map {
                    .mined(hash: $0.hash, block: $0.block, blockHash: $0.blockHash, succeeded: $0.succeeded)
                } ?? .waiting
                let request = SigningRequest(
                    chainID: settings.chainID, from: s.account ?? account, to: s.to, nonce: nonce, gasLimit: gasLimit,
                    fees: s.attempts.last?.fees ?? fees, value: s.value, data: s.calldata, methodSignature: signature)
                tracked[s.key] = Tracked(
                    key: s.key, request: request,
                    pending: PendingTransaction(account: request.from, nonce: nonce, attempts: s.attempts, state: state),
                    broadcast: s.state == .sent, lastMined: s.mined)
                logger.notice("resuming: tracking the transaction", metadata: meta)
            case .confirmed, .failed, .dropped:
                continue
            }
        }
    }

    /// Gives a transaction to an intent stored before the crash without one.
    func resumeUnassigned(_ s: StoredIntent, signature: String?) async {
        guard let store else { return }
        let account = settings.account
        let request = CallRequest(from: account, to: s.to, data: s.calldata, value: s.value)
        do {
            let estimate = try await rpc.estimateGas(request, at: .latest)
            let history = try await rpc.feeHistory(blocks: 5, percentiles: [settings.feePolicy.tipPercentile])
            guard let fees = settings.feePolicy.initialFees(from: history), let nonce = nonces.reserve(account) else {
                logger.warning("resuming: no fees or nonce for an interrupted intent; it stays planned", metadata: ["keeper.intent": "\(s.key)"])
                return
            }
            let gasLimit = estimate + estimate * UInt64(settings.gasMarginBps) / 10_000
            try store.assignTransaction(key: s.key, account: account, nonce: nonce, gasLimit: gasLimit, fees: fees)
            unsigned[s.key] = SigningRequest(
                chainID: settings.chainID, from: account, to: s.to, nonce: nonce, gasLimit: gasLimit, fees: fees, value: s.value,
                data: s.calldata, methodSignature: signature)
        } catch let error as RPCError where error.kind == .executionReverted {
            try? store.setState(key: s.key, .failed, failureReason: "reverts on resume: \(error.message)")
        } catch {
            logger.warning("resuming an interrupted intent failed; retrying at the next start", metadata: [
                "keeper.intent": "\(s.key)", "error.message": "\(error)",
            ])
        }
    }

    /// next = max(stored, chain pending); a divergence is logged.
    func syncNonce() async throws(RPCError) {
        let account = settings.account
        let chain = try await rpc.transactionCount(of: account, at: .pending)
        let local = try? store?.nextNonce(account)
        let divergence = nonces.sync(account, local: local ?? nil, chainPending: chain)
        switch divergence {
        case .chainAhead(let l, let c):
            logger.error("the chain's nonce is ahead of the keeper's: another process signs with this account", metadata: [
                "keeper.account": "\(account.checksummed)", "keeper.nonce.local": "\(l)", "keeper.nonce.chain": "\(c)",
            ])
        case .localAhead(let l, let c):
            logger.warning("the keeper's nonce is ahead of the chain's pending count (unsent or dropped transactions)", metadata: [
                "keeper.account": "\(account.checksummed)", "keeper.nonce.local": "\(l)", "keeper.nonce.chain": "\(c)",
            ])
        case nil: break
        }
        if let next = nonces.peek(account) { try? store?.setNextNonce(account, next) }
    }

    func resyncNonce() async {
        needsNonceResync = false
        let account = settings.account
        guard let chain = try? await rpc.transactionCount(of: account, at: .pending) else {
            needsNonceResync = true
            return
        }
        // Ours in flight come after the chain's count; never go below them.
        let ours = tracked.values.filter(\.isInFlight).map { $0.request.nonce + 1 }.max() ?? 0
        let next = max(chain, ours)
        var fresh = NonceTracker()
        _ = fresh.sync(account, local: nil, chainPending: next)
        nonces = fresh
        try? store?.setNextNonce(account, next)
        logger.notice("nonce resynced with the chain", metadata: ["keeper.nonce": "\(next)"])
    }
}
