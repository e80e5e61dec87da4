public import EVM
public import Oracle

/// Market resolution (`kind = "market-resolution"`): resolves drift prediction markets once their
/// end time plus a grace period has passed.
///
/// For each market of the snapshot (discovered through the subgraph, values from the chain):
/// - resolved on chain already: nothing (an info note);
/// - `endTime + graceSeconds > blockTime`: nothing yet (the subgraph may list it early);
/// - the outcome from the registry's receipts for the market's model with `periodEnd` in
///   `[startTime, endTime]` (``DriftMarketOutcome``): YES when one has `driftBps >= threshold`,
///   NO when there are receipts and none reaches it; no receipt in the window: no intent and a
///   warning, because resolving without data would be a guess;
/// - otherwise the intent `resolve(marketId, outcome)`, its reason naming the receipts used.
public struct MarketResolution: Strategy {
    public struct Config: Sendable, Hashable {
        /// The PredictionMarket contract as configured.
        public var market: ContractDirectory.Contract
        public var graceSeconds: UInt64

        public init(market: ContractDirectory.Contract, graceSeconds: UInt64) {
            self.market = market
            self.graceSeconds = graceSeconds
        }
    }

    public static let resolveFunction = try! ABIFunction(parsing: "function resolve(uint256 marketId, bool outcome)")

    public let name: String
    public let config: Config

    public init(name: String, config: Config) {
        self.name = name
        self.config = config
    }

    public func decide(_ snapshot: Snapshot) -> StrategyDecision {
        guard let observation = snapshot.section(name, as: MarketObservation.self) else {
            return StrategyDecision(notes: [.init(.warning, "no market observation this tick (its reads failed); nothing resolved")])
        }
        return decide(observation, blockTime: snapshot.block.timestamp)
    }

    /// The decision for one observation at `blockTime`.
    public func decide(_ observation: MarketObservation, blockTime: UInt64) -> StrategyDecision {
        var decision = StrategyDecision()
        for market in observation.markets.sorted(by: { $0.marketId < $1.marketId }) {
            let model = MarketText.model(market.modelId)
            let label = "market \(market.marketId) (\(model), threshold \(market.driftThresholdBps) bps)"
            if market.resolved {
                decision.notes.append(.init(.info, "\(label) is already resolved on chain (\(market.outcome ? "YES" : "NO")); nothing to do"))
                continue
            }
            let (due, overflow) = market.endTime.addingReportingOverflow(config.graceSeconds)
            guard !overflow, due <= blockTime else { continue }
            let receipts = (observation.receipts[market.modelId] ?? [])
                .filter { $0.periodEnd >= market.startTime && $0.periodEnd <= market.endTime }
            let window = "[\(MarketText.utc(market.startTime)), \(MarketText.utc(market.endTime))]"
            guard let outcome = DriftMarketOutcome.outcome(
                receipts: receipts.map { DriftMarketOutcome.Receipt(periodEnd: $0.periodEnd, driftBps: $0.driftBps) },
                startTime: market.startTime, endTime: market.endTime, driftThresholdBps: market.driftThresholdBps)
            else {
                decision.notes.append(.init(.warning, "\(label): no drift receipt for \(model) with a period ending in \(window); not resolving. Submit the missing receipt (drift-receipts) or resolve it by hand"))
                continue
            }
            let used = receipts.map { r in
                "period \(MarketText.utc(r.periodEnd)): \(r.driftBps) bps\(r.driftBps >= market.driftThresholdBps ? " >=" : " <") \(market.driftThresholdBps) (receipt \(Hex.encode(r.receiptHash.prefix(6)))…)"
            }.joined(separator: "; ")
            let why = outcome
                ? "a receipt reaches the threshold"
                : "\(receipts.count) receipt\(receipts.count == 1 ? "" : "s") in the window, none reaches the threshold"
            let reason = "\(label) ended \(MarketText.duration(blockTime - market.endTime)) ago (grace \(MarketText.duration(config.graceSeconds))): "
                + "\(outcome ? "YES" : "NO") because \(why) in \(window) — \(used)"
            decision.intents.append(Intent(
                strategy: name, idempotencyKey: "\(name)/market-\(market.marketId)", subject: "\(name)/market-\(market.marketId)",
                to: config.market.address, toName: config.market.name, function: Self.resolveFunction,
                arguments: [.uint(market.marketId), .bool(outcome)], reason: reason))
        }
        return decision
    }
}
