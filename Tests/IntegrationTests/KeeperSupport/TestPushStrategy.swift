import EVM
import Oracle
import Strategies
import TOML

/// TEST ONLY — the smallest strategy that exercises the whole runtime: push a price to
/// `PriceFeedSink` once per period, keyed `NAME/FEED/period-P`, until the TWAP push strategy is
/// on main. Config keys: `contract` (a `[contracts]` name), `feed` (ASCII, <= 32 bytes),
/// `period_seconds` (default: one period for all time, so exactly one push), `price` (default
/// 1000e18; `revert = true` pushes price 0, which the sink refuses), `copies` (default 1: more
/// pushes at once, to feeds `FEED#1`, `FEED#2`, ...).
enum TestPushKind: StrategyKind {
    static let kind = "test-push"

    static let latestRoundData = try! ABIFunction(parsing:
        "function latestRoundData(bytes32 feedId) view returns (uint256 roundId, uint256 price, uint256 observedAt, uint256 updatedAt)")
    static let pushPrice = try! ABIFunction(parsing: "function pushPrice(bytes32 feedId, uint256 price, uint256 observedAt)")

    struct Round: Sendable {
        var roundId: U256
        var observedAt: U256
    }

    struct Push: Observer, Strategy {
        let name: String
        let sink: ContractDirectory.Contract
        let feed: String
        let periodSeconds: UInt64
        let price: U256
        var copies = 1
        var strategy: String { name }

        var feedID: [UInt8] { Array(feed.utf8) + [UInt8](repeating: 0, count: 32 - feed.utf8.count) }

        func observe(at block: BlockHeader, context: ObservationContext) async throws -> any Sendable {
            let data = try TestPushKind.latestRoundData.encodeCall([.fixedBytes(feedID)])
            let answer = try await context.rpc.call(CallRequest(to: sink.address, data: data), at: .number(block.number))
            let values = try TestPushKind.latestRoundData.decodeOutput(answer)
            return Round(roundId: values[0].uintValue ?? .zero, observedAt: values[2].uintValue ?? .zero)
        }

        func decide(_ snapshot: Snapshot) -> StrategyDecision {
            guard let round = snapshot.section(name, as: Round.self) else { return StrategyDecision() }
            let now = snapshot.block.timestamp
            let period = now / periodSeconds
            let key = "\(name)/\(feed)/period-\(period)"
            let intent = Intent(
                strategy: name, idempotencyKey: key, subject: "\(name)/\(feed)", to: sink.address, toName: sink.name,
                function: TestPushKind.pushPrice, arguments: [.fixedBytes(feedID), .uint(price), .uint(U256(now))],
                reason: "round \(round.roundId.decimalString) observed at \(round.observedAt.decimalString) < block time \(now)")
            let more = (1..<max(1, copies)).map { i in
                let copy = "\(feed)#\(i)"
                return Intent(
                    strategy: name, idempotencyKey: "\(name)/\(copy)/period-\(period)", subject: "\(name)/\(copy)", to: sink.address,
                    toName: sink.name, function: TestPushKind.pushPrice,
                    arguments: [.fixedBytes(Array(copy.utf8) + [UInt8](repeating: 0, count: 32 - copy.utf8.count)), .uint(price), .uint(U256(now))],
                    reason: "copy \(i) of the push")
            }
            let due = !snapshot.history.keys.contains(key) && round.observedAt < U256(now)
            return StrategyDecision(intents: ((due ? [intent] : []) + more).filter { !snapshot.history.keys.contains($0.idempotencyKey) })
        }
    }

    static func make(name: String, table: TOML.Table, environment: StrategyEnvironment) throws -> (any Observer, any Strategy) {
        let sink = try environment.contracts.require(try table.string("contract"), for: "strategies.\(name).contract")
        let feed = try table.optionalString("feed") ?? "TEST/USD"
        guard feed.utf8.count <= 32 else { throw table.error(key: "feed", "at most 32 bytes") }
        let period = try table.optionalInt("period_seconds").map { UInt64($0) } ?? UInt64(Int64.max)
        let reverts = try table.optionalBool("revert") ?? false
        let price = reverts ? U256.zero : (try table.optionalString("price").flatMap { U256(decimal: $0) } ?? U256.pow10(21)!)
        var push = Push(name: name, sink: sink, feed: feed, periodSeconds: max(1, period), price: price)
        push.copies = try table.optionalInt("copies") ?? 1
        return (push, push)
    }
}
