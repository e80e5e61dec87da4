public import EVM
public import Oracle

/// Emission minting (`kind = "emission-minting"`): mints each credential holder's accrued
/// emissions with `mintEmissions(credentialId, holders, amounts, accruedUntil)`.
///
/// Per credential, from the chain's rate and each holder's `accruedUntil` at the snapshot's block,
/// ``EmissionAccrual/plan(ratePerSecond:holders:blockTime:policy:)``: accrual in integer wei over
/// whole seconds up to the block time; a holder is due when the accrual reaches `minimumAmount`
/// or its last mint is `interval` seconds old; due holders in batches of at most `maxBatchSize`,
/// at most `maxBatches` calls per credential per tick. Every batch mints up to the block time
/// `t`, so the idempotency key carries `t`; the contract requires `accruedUntil` to move forward,
/// so after a restart the chain's `accruedUntil` (read afresh every tick) is the guard: a batch
/// already mined cannot be minted again, and a holder not minted keeps its whole accrual.
///
/// `cooldownSeconds`: after an intent for a credential, the next one waits this long (block
/// time), so a batch still in flight is not planned a second time from the same `accruedUntil`
/// (the contract would refuse it, at the cost of a reverted transaction).
public struct EmissionMinting: Strategy {
    public struct Config: Sendable, Hashable {
        /// The CredentialToken as configured.
        public var token: ContractDirectory.Contract
        public var policy: EmissionAccrual.Policy
        public var cooldownSeconds: UInt64

        public init(token: ContractDirectory.Contract, policy: EmissionAccrual.Policy, cooldownSeconds: UInt64) {
            self.token = token
            self.policy = policy
            self.cooldownSeconds = cooldownSeconds
        }
    }

    public static let mintFunction = try! ABIFunction(parsing:
        "function mintEmissions(uint256 credentialId, address[] holders, uint256[] amounts, uint256 accruedUntil)")

    /// The contract's bound on holders per call.
    public static let contractMaxBatch = 256

    public let name: String
    public let config: Config

    public init(name: String, config: Config) {
        self.name = name
        self.config = config
    }

    /// The subject of a credential's intents (for the cooldown).
    public func subject(credentialId: U256) -> String { "\(name)/credential-\(credentialId)" }

    public func decide(_ snapshot: Snapshot) -> StrategyDecision {
        guard let observation = snapshot.section(name, as: EmissionObservation.self) else {
            return StrategyDecision(notes: [.init(.warning, "no emission observation this tick (its reads failed); nothing minted")])
        }
        return decide(observation, blockTime: snapshot.block.timestamp, history: snapshot.history)
    }

    public func decide(_ observation: EmissionObservation, blockTime: UInt64, history: IntentHistory = IntentHistory()) -> StrategyDecision {
        var decision = StrategyDecision()
        for credential in observation.credentials {
            let label = "\(credential.name) (credential \(credential.credentialId))"
            let subject = subject(credentialId: credential.credentialId)
            if let last = history.lastActionTime[subject], blockTime < last &+ config.cooldownSeconds {
                decision.notes.append(.init(.info, "\(label): last mint planned \(MarketText.duration(blockTime - min(last, blockTime))) ago, within the cooldown of \(MarketText.duration(config.cooldownSeconds)); waiting"))
                continue
            }
            let plan: EmissionAccrual.Plan
            do {
                plan = try EmissionAccrual.plan(
                    ratePerSecond: credential.ratePerSecond,
                    holders: credential.holders.map { EmissionAccrual.Holder(address: $0.address, accruedUntil: $0.accruedUntil) },
                    blockTime: blockTime, policy: config.policy)
            } catch {
                decision.notes.append(.init(.warning, "\(label): cannot plan the mint (\(error)); nothing minted for it"))
                continue
            }
            let carried = plan.holders.filter { $0.minted.isZero && !$0.carried.isZero }
            var carriedTotal = U256.zero
            for c in carried { carriedTotal = carriedTotal &+ c.carried }
            let accruedUntil = Dictionary(credential.holders.map { ($0.address, $0.accruedUntil) }, uniquingKeysWith: min)
            for (k, batch) in plan.batches.enumerated() {
                let oldest = batch.holders.compactMap { accruedUntil[$0] }.min() ?? blockTime
                var reason = "\(label): mint \(MarketText.tokens(batch.total)) to \(batch.holders.count) holder\(batch.holders.count == 1 ? "" : "s") "
                    + "accrued up to \(MarketText.utc(blockTime)) at \(MarketText.tokens(credential.ratePerSecond))/s each "
                    + "(oldest accrual from \(MarketText.utc(oldest)), \(MarketText.duration(blockTime - min(oldest, blockTime))); "
                    + "due at >= \(MarketText.tokens(config.policy.minimumAmount)) or after \(MarketText.duration(config.policy.interval)))"
                if plan.batches.count > 1 { reason += "; batch \(k + 1) of \(plan.batches.count)" }
                if k == plan.batches.count - 1, !carried.isEmpty {
                    reason += "; \(carried.count) holder\(carried.count == 1 ? "" : "s") not due keep \(MarketText.tokens(carriedTotal)) accrued for a later mint"
                }
                decision.intents.append(Intent(
                    strategy: name, idempotencyKey: "\(subject)/until-\(blockTime)/batch-\(k)", subject: subject,
                    to: config.token.address, toName: config.token.name, function: Self.mintFunction,
                    arguments: [
                        .uint(credential.credentialId), .array(batch.holders.map { .address($0) }),
                        .array(batch.amounts.map { .uint($0) }), .uint(U256(batch.accruedUntil)),
                    ],
                    reason: reason))
            }
            if plan.batches.isEmpty, !credential.holders.isEmpty {
                decision.notes.append(.init(.info, "\(label): no holder due (\(MarketText.tokens(carriedTotal)) accrued across \(credential.holders.count) holders)"))
            }
        }
        if observation.removedHolders > 0 {
            decision.notes.append(.init(.info, "\(observation.removedHolders) holder\(observation.removedHolders == 1 ? "" : "s") listed by the subgraph are no longer holders on chain; skipped"))
        }
        return decision
    }
}
