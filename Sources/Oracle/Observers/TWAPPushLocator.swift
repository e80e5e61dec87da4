public import EVM
import Synchronization

/// Finds on chain the block and transaction of the push that made a sink's latest round, so the
/// read API can name them for every push that actually mined (the keeper's own, another
/// pusher's, or one made before a restart).
///
/// The round's `updatedAt` is the timestamp of the block that mined it, so that block is found by
/// a search over block timestamps (they never decrease along the chain), and the sink's
/// `PricePushed(feedId, roundId, ...)` log in it gives the transaction. After the first round the
/// search starts above the block where the previous round was seen, so a round pushed since the
/// last tick costs a few header reads and one `eth_getLogs` over that block alone; a round
/// already located costs nothing. A round is located again when any of its fields changes (a
/// reorganisation that moved the push to another block changes `updatedAt`).
///
/// Shared by copies of the observer that owns it; safe to use from any task.
public final class TWAPPushLocator: Sendable {
    /// `PricePushed(bytes32 indexed feedId, uint256 indexed roundId, uint256 price, uint256 observedAt, address indexed pusher)`.
    public static let pricePushed: ABIEvent = {
        // A constant signature; a parse failure is a programming error any test catches.
        try! ABIEvent(parsing: "event PricePushed(bytes32 indexed feedId, uint256 indexed roundId, uint256 price, uint256 observedAt, address indexed pusher)")
    }()

    private struct Located: Sendable {
        var round: TWAPObservation.SinkRound
        /// nil: the round's block has no matching log (a sink without the event).
        var push: TWAPObservation.PushLocation?
    }

    private struct State: Sendable {
        var located: [[UInt8]: Located] = [:]
        /// Per feed, the last block the sink was read at and the round it had then.
        var seen: [[UInt8]: (block: UInt64, round: U256)] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Where the push that made `round` of `feedID` on `sink` was mined, looking no later than
    /// `pinned`; nil before the first push, or when the sink emits no `PricePushed` for it.
    public func locate(
        sink: Address, feedID: [UInt8], round: TWAPObservation.SinkRound, pinned: BlockHeader, rpc: EthereumRPC
    ) async throws(RPCError) -> TWAPObservation.PushLocation? {
        guard !round.isEmpty, round.updatedAt <= pinned.timestamp else { return nil }
        let (cached, seen) = state.withLock { ($0.located[feedID], $0.seen[feedID]) }
        if let cached, cached.round == round {
            state.withLock { $0.seen[feedID] = (pinned.number, round.roundID) }
            return cached.push
        }

        // The push happened after the block where an older round was last seen.
        var low: UInt64 = 0
        if let seen, seen.round < round.roundID, seen.block < pinned.number { low = seen.block + 1 }
        let first = try await Self.firstBlock(atOrAfter: round.updatedAt, from: low, to: pinned.number, at: pinned.timestamp) {
            (number: UInt64) async throws(RPCError) -> UInt64 in
            try await self.header(number, pinned: pinned, rpc: rpc).timestamp
        }
        var last = first
        // Timestamps strictly increase on Ethereum, so one block carries `updatedAt`; tolerate a
        // chain where they only do not decrease.
        while last < pinned.number, try await header(last + 1, pinned: pinned, rpc: rpc).timestamp == round.updatedAt {
            last += 1
        }
        let topics: [[UInt8]?] = [Self.pricePushed.topic0, feedID, round.roundID.bigEndianBytes]
        let logs = try await rpc.logs(address: sink, topics: topics, from: .number(first), to: .number(last))
        let push = logs.last.flatMap { log -> TWAPObservation.PushLocation? in
            guard let block = log.blockNumber, let hash = log.transactionHash else { return nil }
            return TWAPObservation.PushLocation(block: block, transactionHash: hash)
        }
        // Only a successful search moves the lower bound: after a failed one the next tick
        // searches the same blocks again.
        state.withLock {
            $0.located[feedID] = Located(round: round, push: push)
            $0.seen[feedID] = (pinned.number, round.roundID)
        }
        return push
    }

    /// The lowest block in `low...high` whose timestamp is at least `timestamp`. Interpolation
    /// on block timestamps alternates with bisection: on a chain with a steady block time the
    /// interpolated guess is within a block or two, so a cold start over millions of blocks costs
    /// a handful of header reads instead of ~25 (the observe timeout bounds the whole tick),
    /// while the bisection steps keep the worst case at twice log2 of the range.
    ///
    /// - Parameters:
    ///   - high: a block whose timestamp, `highTimestamp`, is at least `timestamp`.
    ///   - timestampAt: reads a block's timestamp (block timestamps must not decrease).
    static func firstBlock<E: Error>(
        atOrAfter timestamp: UInt64, from low: UInt64, to high: UInt64, at highTimestamp: UInt64,
        timestampAt: (UInt64) async throws(E) -> UInt64
    ) async throws(E) -> UInt64 {
        var low = min(low, high)
        var high = high
        var highTimestamp = highTimestamp
        /// The highest block read so far whose timestamp is below `timestamp` (it is below `low`).
        var below: (number: UInt64, timestamp: UInt64)?
        var interpolate = false
        while low < high {
            var middle = low + (high - low) / 2
            if interpolate, let below, highTimestamp > below.timestamp {
                let (scaled, overflow) = (timestamp - below.timestamp).multipliedReportingOverflow(by: high - below.number)
                if !overflow {
                    let guess = below.number + max(scaled / (highTimestamp - below.timestamp), 1)
                    middle = min(max(guess, low), high - 1)
                }
            }
            interpolate.toggle()
            let found = try await timestampAt(middle)
            if found >= timestamp {
                high = middle
                highTimestamp = found
            } else {
                low = middle + 1
                below = (middle, found)
            }
        }
        return low
    }

    private func header(_ number: UInt64, pinned: BlockHeader, rpc: EthereumRPC) async throws(RPCError) -> BlockHeader {
        if number == pinned.number { return pinned }
        guard let header = try await rpc.block(.number(number)) else {
            throw RPCError(.malformed, endpoint: nil, message: "the node has no block \(number) below the pinned block \(pinned.number)")
        }
        return header
    }
}
