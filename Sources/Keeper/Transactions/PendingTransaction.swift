public import EVM

/// One broadcast of a transaction for a nonce; replacements add attempts with higher fees.
public struct Attempt: Sendable, Hashable {
    public var hash: [UInt8]
    public var raw: [UInt8]
    public var fees: Fees
    /// The head when it was broadcast; bumps count blocks from here.
    public var sentAtBlock: UInt64

    public init(hash: [UInt8], raw: [UInt8], fees: Fees, sentAtBlock: UInt64) {
        self.hash = hash
        self.raw = raw
        self.fees = fees
        self.sentAtBlock = sentAtBlock
    }
}

/// The life of one nonce's transaction after it was first broadcast: waiting, replaced when
/// stuck, mined, confirmed, or put back to waiting when its block leaves the canonical chain.
///
/// A value type with no I/O (NIO's state-machine style): the keeper feeds it events (new heads,
/// receipts, replacements sent) and carries out the action each event returns.
public struct PendingTransaction: Sendable, Hashable {
    public enum State: Sendable, Hashable {
        /// Broadcast, not yet mined.
        case waiting
        /// Waiting, and the fee cap leaves no room for another replacement.
        case stuckAtCap
        /// Mined in `block`; waiting for confirmations.
        case mined(hash: [UInt8], block: UInt64, blockHash: [UInt8], succeeded: Bool)
        /// Enough confirmations: final as far as the keeper is concerned.
        case confirmed(hash: [UInt8], block: UInt64, succeeded: Bool)
        /// The nonce was used and none of our attempts has a receipt.
        case dropped
    }

    /// What the keeper should do after an event.
    public enum Action: Sendable, Hashable {
        case none
        /// Sign and broadcast a replacement with these fees (same nonce, same call).
        case replace(Fees)
        /// No room left under the fee cap: tell the operator (once).
        case alertAtCap
        /// The transaction reached its confirmations.
        case confirmed(succeeded: Bool)
        /// Its block left the canonical chain: broadcast the latest attempt again.
        case rebroadcast([UInt8])
        /// The nonce went to a transaction we never saw: tell the operator.
        case dropped
    }

    public let account: Address
    public let nonce: UInt64
    public private(set) var attempts: [Attempt]
    public private(set) var state: State = .waiting

    public init(account: Address, nonce: UInt64, first: Attempt) {
        self.account = account
        self.nonce = nonce
        self.attempts = [first]
    }

    /// Rebuilds a tracked transaction from storage (after a restart).
    public init(account: Address, nonce: UInt64, attempts: [Attempt], state: State) {
        precondition(!attempts.isEmpty, "a pending transaction has at least one attempt")
        self.account = account
        self.nonce = nonce
        self.attempts = attempts
        self.state = state
    }

    /// The hashes whose receipts to look for.
    public var hashes: [[UInt8]] { attempts.map(\.hash) }

    public var isFinal: Bool {
        switch state {
        case .confirmed, .dropped: true
        default: false
        }
    }

    /// A new head. `confirmations` counts the mined block itself (1 = mined is enough).
    public mutating func head(_ number: UInt64, baseFee: U256?, policy: FeePolicy, confirmations: UInt64) -> Action {
        switch state {
        case .waiting:
            guard let last = attempts.last, number >= last.sentAtBlock + policy.bumpAfterBlocks else { return .none }
            switch policy.bumped(last.fees, currentBaseFee: baseFee) {
            case .replace(let fees): return .replace(fees)
            case .atCap:
                state = .stuckAtCap
                return .alertAtCap
            }
        case .mined(let hash, let block, _, let succeeded):
            guard number + 1 >= block + max(1, confirmations) else { return .none }
            state = .confirmed(hash: hash, block: block, succeeded: succeeded)
            return .confirmed(succeeded: succeeded)
        case .stuckAtCap, .confirmed, .dropped:
            return .none
        }
    }

    /// A replacement was signed and broadcast.
    public mutating func replaced(with attempt: Attempt) {
        attempts.append(attempt)
        if state == .stuckAtCap { state = .waiting }
    }

    /// A receipt for one of our attempts.
    public mutating func receipt(hash: [UInt8], block: UInt64, blockHash: [UInt8], succeeded: Bool) -> Action {
        guard hashes.contains(hash) else { return .none }
        switch state {
        case .waiting, .stuckAtCap, .dropped:
            state = .mined(hash: hash, block: block, blockHash: blockHash, succeeded: succeeded)
        case .mined(let h, let b, let bh, _) where h != hash || b != block || bh != blockHash:
            state = .mined(hash: hash, block: block, blockHash: blockHash, succeeded: succeeded)
        case .mined, .confirmed:
            break
        }
        return .none
    }

    /// The block holding our mined transaction is no longer canonical (or its receipt vanished).
    public mutating func reorganisedOut() -> Action {
        guard case .mined = state, let last = attempts.last else { return .none }
        state = .waiting
        return .rebroadcast(last.raw)
    }

    /// The chain's nonce for the account passed ours while none of our attempts has a receipt.
    public mutating func nonceConsumedWithoutReceipt() -> Action {
        switch state {
        case .waiting, .stuckAtCap:
            state = .dropped
            return .dropped
        default:
            return .none
        }
    }
}
