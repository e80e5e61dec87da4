public import EVM
public import Oracle

/// Pushes each feed's TWAP to the `PriceFeedSink` when it moved at least `deviation_bps` from
/// the last pushed price, or when `heartbeat_seconds` have passed since the last push
/// (Chainlink's rule), and never from fewer than `min_pools` usable pools.
///
/// Pure: reads only its ``TWAPObservation`` section and the snapshot's intent history.
///
/// Idempotency: the key is `<name>/<feed>/round-<N+1>`, where N is the sink's latest round at
/// the pinned block. Until that push is mined the sink stays at round N, so every later tick —
/// after a restart too — plans the same key, and the keeper acts on it once. If the sink still
/// has not moved `retry_after_seconds` after the last planned push (it failed, or is stuck),
/// the push is planned again as `<name>/<feed>/round-<N+1>/retry-<period>`, at most once per
/// period of `retry_after_seconds`.
public struct TWAPPushStrategy: Strategy {
    public let name: String
    public let config: TWAPPushConfig

    public init(name: String, config: TWAPPushConfig) {
        self.name = name
        self.config = config
    }

    /// `PriceFeedSink.pushPrice`.
    public static let pushPrice = try! ABIFunction(parsing: "function pushPrice(bytes32 feedId, uint256 price, uint256 observedAt)")

    public func decide(_ snapshot: Snapshot) -> StrategyDecision {
        guard let observation = snapshot.section(name, as: TWAPObservation.self) else {
            return StrategyDecision(notes: [.init(.warning, "no TWAP observation at block \(snapshot.block.number) (the observer failed; see its error): no push")])
        }
        var decision = StrategyDecision()
        for feed in config.feeds {
            guard let observed = observation.feed(feed.spec.name) else {
                decision.notes.append(.init(.warning, "\(feed.spec.name): not in the observation: no push"))
                continue
            }
            let result = decide(feed: feed, observed: observed, observation: observation, history: snapshot.history)
            decision.intents += result.intents
            decision.notes += result.notes
        }
        return decision
    }

    /// Why a push is due.
    public enum Trigger: Sendable, Hashable {
        /// The sink has no round for this feed yet.
        case firstPush
        /// The price moved at least the threshold; `changeBps` rounded down.
        case deviation(changeBps: U256)
        /// The heartbeat passed (`age` seconds since `updatedAt`).
        case heartbeat(age: UInt64)
    }

    /// The decision for one feed.
    func decide(feed: TWAPPushConfig.Feed, observed: TWAPObservation.Feed, observation: TWAPObservation, history: IntentHistory) -> StrategyDecision {
        let spec = feed.spec
        let label = spec.name
        var notes: [StrategyDecision.Note] = []
        let computed = TWAPFeedPrice.compute(observed)
        for pool in computed.pools {
            guard let refusal = pool.refusal else { continue }
            let level: StrategyDecision.Note.Level = if case .historyTooShort = observed.pools.first(where: { $0.spec.address == pool.address })?.reading { .info } else { .warning }
            notes.append(.init(level, "\(label): pool \(pool.name) refused: \(refusal)"))
        }
        let usable = computed.usablePools.count
        guard usable >= feed.minPools, let price = computed.price else {
            notes.append(.init(.warning, "\(label): no push: \(usable) usable pool\(usable == 1 ? "" : "s") of \(spec.pools.count) (at least \(feed.minPools) needed) at block \(observation.block)"))
            return StrategyDecision(notes: notes)
        }
        let shown = Self.display(price, decimals: spec.outputDecimals)
        guard let round = observed.lastRound else {
            notes.append(.init(.warning, "\(label) \(shown): no push: latestRoundData could not be read from the sink \(observation.sink.checksummed)"))
            return StrategyDecision(notes: notes)
        }
        let now = observation.timestamp
        let source = "median of \(usable) pool\(usable == 1 ? "" : "s") over \(spec.window) s at block \(observation.block)"

        let lastShown = Self.display(round.price, decimals: spec.outputDecimals)
        let age = now >= round.updatedAt ? now - round.updatedAt : 0
        let change = Self.changeBps(from: round.price, to: price)
        let moved = "\(Self.signedPercent(change.bps, up: change.up))"
        var trigger: Trigger?
        if round.isEmpty || round.price == .zero {
            trigger = .firstPush
        } else if Self.deviates(from: round.price, to: price, thresholdBps: feed.deviationBps) {
            trigger = .deviation(changeBps: change.bps)
        } else if age >= feed.heartbeatSeconds {
            trigger = .heartbeat(age: age)
        }
        guard let trigger else {
            notes.append(.init(.info, "\(label) \(shown): no push: moved \(moved) (< \(Self.percent(U256(feed.deviationBps)))) and \(age) s since the last push \(lastShown) (< \(feed.heartbeatSeconds) s heartbeat); \(source)"))
            return StrategyDecision(notes: notes)
        }
        guard round.observedAt < now else {
            notes.append(.init(.info, "\(label) \(shown): no push: the sink already has an observation at \(round.observedAt), not older than this block's time \(now)"))
            return StrategyDecision(notes: notes)
        }

        let nextRound = round.roundID &+ .one
        let subject = "\(name)/\(label)"
        let firstKey = "\(subject)/round-\(nextRound.decimalString)"
        var key = firstKey
        if history.keys.contains(firstKey) {
            if let last = history.lastActionTime[subject], last >= round.updatedAt, now < last + feed.retryAfterSeconds {
                notes.append(.init(.info, "\(label) \(shown): the push for round \(nextRound.decimalString) was planned at time \(last); waiting for it (retry after \(feed.retryAfterSeconds) s)"))
                return StrategyDecision(notes: notes)
            }
            key = "\(firstKey)/retry-\(now / feed.retryAfterSeconds)"
            guard !history.keys.contains(key) else {
                notes.append(.init(.info, "\(label) \(shown): the push for round \(nextRound.decimalString) was already retried in this \(feed.retryAfterSeconds) s period"))
                return StrategyDecision(notes: notes)
            }
        }

        let why: String = switch trigger {
        case .firstPush:
            "\(label) \(shown): first push (the sink has no round for this feed); \(source)"
        case .deviation:
            "\(label) \(shown) moved \(moved) (>= \(Self.percent(U256(feed.deviationBps)))) since the last push \(lastShown) (round \(round.roundID.decimalString), \(age) s ago); \(source)"
        case .heartbeat(let age):
            "\(label) \(shown): heartbeat: \(age) s since the last push (>= \(feed.heartbeatSeconds) s); moved \(moved) since \(lastShown) (round \(round.roundID.decimalString)); \(source)"
        }
        let intent = Intent(
            strategy: name, idempotencyKey: key, subject: subject, to: config.sink, toName: config.sinkName,
            function: Self.pushPrice, arguments: [.fixedBytes(spec.feedID), .uint(price), .uint(U256(now))], reason: why)
        return StrategyDecision(intents: [intent], notes: notes)
    }

    // MARK: Figures

    /// Whether `|new - last| / last >= thresholdBps / 10,000`, exactly: `|new - last| * 10,000 >=
    /// thresholdBps * last` in 512-bit arithmetic.
    public static func deviates(from last: U256, to new: U256, thresholdBps: Int) -> Bool {
        let diff = new >= last ? new - last : last - new
        let lhs = diff.multipliedFullWidth(by: U256(10_000))
        let rhs = last.multipliedFullWidth(by: U256(thresholdBps))
        return lhs.high != rhs.high ? lhs.high > rhs.high : lhs.low >= rhs.low
    }

    /// The change from `last` to `new` in basis points, rounded down, and its direction.
    static func changeBps(from last: U256, to new: U256) -> (bps: U256, up: Bool) {
        guard last != .zero else { return (.zero, true) }
        let up = new >= last
        let diff = up ? new - last : last - new
        return (U256.mulDiv(diff, U256(10_000), last) ?? U256.max, up)
    }

    /// `bps` as a percentage with two decimals: 120 -> "1.20%".
    static func percent(_ bps: U256) -> String {
        TWAPFeedPrice.format(bps, decimals: 2, minFraction: 2) + "%"
    }

    static func signedPercent(_ bps: U256, up: Bool) -> String {
        (bps == .zero ? "" : up ? "+" : "-") + percent(bps)
    }

    /// A price for people: two decimals when it is at least 1, else four significant digits.
    public static func display(_ price: U256, decimals: Int) -> String {
        let full = TWAPFeedPrice.format(price, decimals: decimals, minFraction: 2)
        guard full.hasPrefix("0."), decimals > 2 else {
            return TWAPFeedPrice.format(price, decimals: decimals, minFraction: min(2, decimals), maxFraction: 2)
        }
        let zeros = full.dropFirst(2).prefix { $0 == "0" }.count
        return TWAPFeedPrice.format(price, decimals: decimals, minFraction: 2, maxFraction: min(decimals, zeros + 4))
    }
}
