public import EVM

/// A feed's time-weighted price computed from one ``TWAPObservation/Feed``: per pool the mean
/// tick (``OracleLibrary/meanTick(tickCumulativeStart:tickCumulativeEnd:window:)``, rounded toward
/// negative infinity) and the price at it (``OracleLibrary/price(atTick:baseToken:baseDecimals:quoteToken:quoteDecimals:outputDecimals:)``,
/// token order from the addresses, rounded down), then the median across the usable pools.
/// Pure: the strategy and the read API compute the same thing from the same observation.
public struct TWAPFeedPrice: Sendable, Hashable {
    public var feed: String
    /// The median of the usable pools' prices, in ``outputDecimals``; nil when no pool is usable.
    public var price: U256?
    public var outputDecimals: Int
    public var window: UInt32
    public var pools: [PoolPrice]

    /// One pool's part: its mean tick and price, or why it was refused.
    public struct PoolPrice: Sendable, Hashable {
        public var name: String
        public var address: Address
        public var meanTick: Int32?
        public var price: U256?
        /// Why this pool was left out (nil when it is usable).
        public var refusal: String?

        public var isUsable: Bool { price != nil }

        public init(name: String, address: Address, meanTick: Int32?, price: U256?, refusal: String?) {
            self.name = name
            self.address = address
            self.meanTick = meanTick
            self.price = price
            self.refusal = refusal
        }
    }

    public init(feed: String, price: U256?, outputDecimals: Int, window: UInt32, pools: [PoolPrice]) {
        self.feed = feed
        self.price = price
        self.outputDecimals = outputDecimals
        self.window = window
        self.pools = pools
    }

    /// The pools that gave a price.
    public var usablePools: [PoolPrice] { pools.filter(\.isUsable) }

    /// Computes the feed's price from its readings.
    public static func compute(_ feed: TWAPObservation.Feed) -> TWAPFeedPrice {
        let spec = feed.spec
        var pools: [PoolPrice] = []
        for pool in feed.pools {
            pools.append(price(of: pool, feed: feed))
        }
        let prices = pools.compactMap(\.price)
        return TWAPFeedPrice(
            feed: spec.name, price: OracleLibrary.median(prices), outputDecimals: spec.outputDecimals,
            window: feed.pools.first?.window ?? spec.window, pools: pools)
    }

    private static func price(of pool: TWAPObservation.Pool, feed: TWAPObservation.Feed) -> PoolPrice {
        let spec = feed.spec
        func refused(_ reason: String, tick: Int32? = nil) -> PoolPrice {
            PoolPrice(name: pool.spec.name, address: pool.spec.address, meanTick: tick, price: nil, refusal: reason)
        }
        let (start, end): (Int64, Int64)
        switch pool.reading {
        case .cumulatives(let s, let e): (start, end) = (s, e)
        case .historyTooShort:
            return refused("its oldest observation is younger than the \(pool.window) s window (observe reverted with OLD)")
        case .failed(let why):
            return refused("observe failed: \(why)")
        }
        guard let token0 = pool.token0, let token1 = pool.token1 else {
            return refused("token0()/token1() could not be read")
        }
        let pair = Set([token0, token1])
        guard pair == Set([spec.base.address, spec.quote.address]) else {
            return refused("it trades \(token0.checksummed)/\(token1.checksummed), not \(spec.base.name)/\(spec.quote.name)")
        }
        guard let baseDecimals = feed.baseDecimals, let quoteDecimals = feed.quoteDecimals else {
            return refused("the decimals of \(feed.baseDecimals == nil ? spec.base.name : spec.quote.name) could not be read")
        }
        guard let tick = OracleLibrary.meanTick(tickCumulativeStart: start, tickCumulativeEnd: end, window: pool.window) else {
            return refused("the tick cumulatives \(start) -> \(end) over \(pool.window) s give no valid mean tick")
        }
        guard let price = OracleLibrary.price(
            atTick: tick, baseToken: spec.base.address, baseDecimals: baseDecimals, quoteToken: spec.quote.address,
            quoteDecimals: quoteDecimals, outputDecimals: spec.outputDecimals)
        else {
            return refused("the price at tick \(tick) overflows", tick: tick)
        }
        guard price != .zero else {
            return refused("the price at tick \(tick) rounds to zero at \(spec.outputDecimals) decimals", tick: tick)
        }
        return PoolPrice(name: pool.spec.name, address: pool.spec.address, meanTick: tick, price: price, refusal: nil)
    }
}

extension TWAPFeedPrice {
    /// `value` as a decimal with `decimals` fraction digits, trailing zeros dropped down to
    /// `minFraction` digits and digits beyond `maxFraction` cut (rounded down):
    /// `2012345000000000000000` with 18 decimals -> `2012.345`; with maxFraction 2 -> `2012.34`.
    public static func format(_ value: U256, decimals: Int, minFraction: Int = 0, maxFraction: Int? = nil) -> String {
        let digits = value.decimalString
        guard decimals > 0 else { return digits }
        let padded = String(repeating: "0", count: Swift.max(0, decimals + 1 - digits.count)) + digits
        let integer = padded.dropLast(decimals)
        var fraction = Substring(padded.suffix(decimals))
        if let maxFraction, fraction.count > maxFraction { fraction = fraction.prefix(maxFraction) }
        while fraction.count > minFraction, fraction.last == "0" { fraction = fraction.dropLast() }
        return fraction.isEmpty ? String(integer) : "\(integer).\(fraction)"
    }
}
