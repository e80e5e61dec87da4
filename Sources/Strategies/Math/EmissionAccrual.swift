public import EVM
public import Oracle

/// Emission minting for one credential: what each holder has accrued, who is due, and the
/// `mintEmissions(credentialId, holders, amounts, accruedUntil)` batches.
///
/// Accrual is integer wei over whole seconds: `rate * (until - accruedUntil)` with the chain's
/// per-holder `accruedUntil` and the credential's `ratePerSecond` (checked multiplication, never
/// rounded). A holder is due at block time `t` when the accrual is positive and either reaches
/// `minimumAmount` or `t - accruedUntil >= interval`. Due holders, in the order given, are cut
/// into batches of at most `maxBatchSize`, at most `maxBatches` of them; every batch mints up to
/// the same `accruedUntil = t`.
///
/// The carry is explicit. Minting `rate * (t - accruedUntil)` and moving `accruedUntil` to `t`
/// consumes exactly the accrual up to `t`, so a minted holder carries 0 at `t`; a holder not
/// minted (not due, or beyond the batch limit) carries its whole accrual, with its
/// `accruedUntil` unchanged. Accrual after `t` (while the transaction waits for a block) stays
/// on chain for the next mint because the contract's `accruedUntil` is `t`, not the inclusion
/// time. So for every holder, at every tick: minted so far + carried = `rate * (t - since)`:
/// nothing is lost, and nothing is minted twice, because each plan starts from the chain's
/// `accruedUntil` (which the contract requires to strictly increase).
public enum EmissionAccrual {
    /// A holder and the chain's `accruedUntil` for it: the observer's type.
    public typealias Holder = EmissionObservation.Holder

    /// When to mint and how to batch.
    public struct Policy: Sendable, Hashable {
        /// Mint a holder whose accrual reaches this many wei.
        public var minimumAmount: U256
        /// Or whose last mint is at least this many seconds old.
        public var interval: UInt64
        /// Holders per `mintEmissions` call (the contract's MAX_BATCH is 256).
        public var maxBatchSize: Int
        /// Calls per tick; due holders beyond them carry to the next tick.
        public var maxBatches: Int

        public init(minimumAmount: U256, interval: UInt64, maxBatchSize: Int, maxBatches: Int = .max) {
            self.minimumAmount = minimumAmount
            self.interval = interval
            self.maxBatchSize = maxBatchSize
            self.maxBatches = maxBatches
        }
    }

    /// One `mintEmissions` call.
    public struct Batch: Sendable, Hashable {
        public var holders: [Address]
        /// `rate * (accruedUntil - holder's accruedUntil)` each.
        public var amounts: [U256]
        /// The block time the batch mints up to.
        public var accruedUntil: UInt64
        /// The sum of `amounts`.
        public var total: U256
    }

    /// A holder's state after the plan, at the plan's block time.
    public struct Carry: Sendable, Hashable {
        public var address: Address
        /// The chain's `accruedUntil` once the plan's batches are mined.
        public var accruedUntil: UInt64
        /// Wei accrued up to the block time and not minted by this plan.
        public var carried: U256
        /// Wei this plan mints for the holder.
        public var minted: U256
    }

    /// Why a plan could not be made.
    public enum PlanError: Error, Hashable, Sendable {
        /// The batch size or count is not positive.
        case invalidPolicy
        /// `rate * seconds` does not fit in 256 bits for this holder.
        case accrualOverflow(Address)
        /// The same holder appears twice.
        case duplicateHolder(Address)
    }

    /// A tick's plan.
    public struct Plan: Sendable, Hashable {
        public var batches: [Batch]
        /// Every holder, in the order given.
        public var holders: [Carry]
        /// Total minted by the plan.
        public var total: U256
    }

    /// `rate * (until - accruedUntil)` in wei, 0 when `until <= accruedUntil`; nil on overflow.
    public static func accrued(rate: U256, accruedUntil: UInt64, until: UInt64) -> U256? {
        guard until > accruedUntil else { return .zero }
        let (v, o) = rate.multipliedReportingOverflow(by: U256(until - accruedUntil))
        return o ? nil : v
    }

    /// Plans the mints of one credential at block time `blockTime`.
    public static func plan(
        ratePerSecond rate: U256, holders: [Holder], blockTime: UInt64, policy: Policy
    ) throws(PlanError) -> Plan {
        guard policy.maxBatchSize > 0, policy.maxBatches > 0 else { throw .invalidPolicy }
        var seen = Set<Address>()
        var carries: [Carry] = []
        var batches: [Batch] = []
        var current = Batch(holders: [], amounts: [], accruedUntil: blockTime, total: .zero)
        var total = U256.zero
        for holder in holders {
            guard seen.insert(holder.address).inserted else { throw .duplicateHolder(holder.address) }
            guard let amount = accrued(rate: rate, accruedUntil: holder.accruedUntil, until: blockTime) else {
                throw .accrualOverflow(holder.address)
            }
            let age = blockTime > holder.accruedUntil ? blockTime - holder.accruedUntil : 0
            let due = !amount.isZero && (amount >= policy.minimumAmount || age >= policy.interval)
            let room = batches.count < policy.maxBatches
            if due && room {
                let (t, o) = total.addingReportingOverflow(amount)
                if o { throw .accrualOverflow(holder.address) }
                total = t
                current.holders.append(holder.address)
                current.amounts.append(amount)
                current.total = current.total &+ amount  // <= total, which did not overflow
                carries.append(Carry(address: holder.address, accruedUntil: blockTime, carried: .zero, minted: amount))
                if current.holders.count == policy.maxBatchSize {
                    batches.append(current)
                    current = Batch(holders: [], amounts: [], accruedUntil: blockTime, total: .zero)
                }
            } else {
                carries.append(Carry(address: holder.address, accruedUntil: holder.accruedUntil, carried: amount, minted: .zero))
            }
        }
        if !current.holders.isEmpty { batches.append(current) }
        return Plan(batches: batches, holders: carries, total: total)
    }
}
