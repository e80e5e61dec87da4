public import EVM
public import Oracle

/// Drift receipts (`kind = "drift-receipts"`): registers one drift receipt per (model, period).
///
/// For each monitoring snapshot of the observation (a period that has ended, within the
/// configured age):
/// - the registry already has a receipt for (model, periodEnd) at the snapshot's block: nothing
///   (the contract would revert a duplicate);
/// - otherwise `submitReceipt(modelId, periodEnd, driftBps, receiptHash)` with the receipt's
///   `driftBps` (PSI of the worst feature in basis points, half up from 6 decimals) and the
///   Keccak-256 of its canonical JSON, which the observer has archived so anyone can recompute it.
///
/// Snapshots that could not be read become warning notes naming the file and the problem.
public struct DriftReceipts: Strategy {
    public struct Config: Sendable, Hashable {
        /// The DriftReceiptRegistry as configured.
        public var registry: ContractDirectory.Contract

        public init(registry: ContractDirectory.Contract) {
            self.registry = registry
        }
    }

    public static let submitFunction = try! ABIFunction(parsing:
        "function submitReceipt(bytes32 modelId, uint256 periodEnd, uint256 driftBps, bytes32 receiptHash)")

    public let name: String
    public let config: Config

    public init(name: String, config: Config) {
        self.name = name
        self.config = config
    }

    public func decide(_ snapshot: Snapshot) -> StrategyDecision {
        guard let observation = snapshot.section(name, as: DriftObservation.self) else {
            return StrategyDecision(notes: [.init(.warning, "no drift observation this tick (its reads failed); no receipt submitted")])
        }
        return decide(observation, blockTime: snapshot.block.timestamp)
    }

    /// The idempotency key of the receipt for (model, periodEnd).
    public func key(model: String, periodEnd: UInt64) -> String { "\(name)/\(model)/\(periodEnd)" }

    public func decide(_ observation: DriftObservation, blockTime: UInt64) -> StrategyDecision {
        var decision = StrategyDecision()
        for problem in observation.problems {
            decision.notes.append(.init(.warning, "monitoring snapshot skipped: \(problem)"))
        }
        for entry in observation.entries {
            let snapshot = entry.snapshot
            let receipt = entry.receipt
            if entry.registered { continue }
            guard snapshot.periodEnd <= blockTime else { continue }  // the registry refuses future periods
            let features = receipt.featurePSIMicros.sorted { $0.key < $1.key }
                .map { "\($0.key) \(PopulationStabilityIndex.decimalString(micros: $0.value))" }
                .joined(separator: ", ")
            let reason = "\(snapshot.model) period ending \(MarketText.utc(snapshot.periodEnd)) has no receipt on chain: "
                + "drift \(receipt.driftBps) bps = max PSI \(PopulationStabilityIndex.decimalString(micros: receipt.psiMaxMicros)) "
                + "on '\(receipt.maxFeature)' (PSI \(features)); receipt \(Hex.encode(receipt.receiptHash)) is the Keccak-256 "
                + "of its canonical JSON (keeper receipts export)"
            let key = key(model: snapshot.model, periodEnd: snapshot.periodEnd)
            decision.intents.append(Intent(
                strategy: name, idempotencyKey: key, subject: "\(name)/\(snapshot.model)",
                to: config.registry.address, toName: config.registry.name, function: Self.submitFunction,
                arguments: [
                    .fixedBytes(snapshot.modelId), .uint(U256(snapshot.periodEnd)), .uint(U256(UInt64(receipt.driftBps))),
                    .fixedBytes(receipt.receiptHash),
                ],
                reason: reason))
        }
        return decision
    }
}
