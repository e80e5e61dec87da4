import EVM
import Oracle
public import Strategies

/// The oracle's read API on the keeper's local HTTP port:
///
/// - `GET /api/prices/{feed}`: the price the last tick computed (with its block, time and pools)
///   and the last push the sink holds (round, price, observed and updated times, and the push's
///   block and transaction when the keeper saw its receipt). Answered from the ``PriceBook`` on
///   the connection thread.
/// - `GET /api/twap/{feed}/{window}`: the TWAP over `window` seconds computed now, at the latest
///   block, through the observer's reads.
///
/// A feed name with a `/` is written with `%2F` in the path: `/api/prices/WETH%2FUSDC`. Unknown
/// feeds get 404, a window that is not a whole number of seconds from 1 to 777,600 gets 400, a
/// window no pool has enough history for gets 422, a failed chain read 502; every error is
/// `{"error": "..."}`.
public struct OracleAPI: Sendable {
    public let priceBook: PriceBook
    public let quoter: TWAPQuoter?

    public init(priceBook: PriceBook, quoter: TWAPQuoter?) {
        self.priceBook = priceBook
        self.quoter = quoter
    }

    /// Serves the feeds of the `twap-push` strategies among `strategies` from now on (a config
    /// reload): new feeds answer at once (`lastComputed` null until the next tick), removed ones
    /// are 404, and feeds that stay keep their figures.
    public func configure(strategies: [any Strategy]) {
        priceBook.configure(strategies: strategies)
        quoter?.configure(strategies: strategies)
    }

    /// Mounts the routes on `router`.
    public func register(on router: inout HTTPRouter) throws(HTTPServerError) {
        let api = self
        try router.addSynchronous(.get, "/api/prices/{feed}") { request in
            api.prices(feed: request[parameter: "feed"] ?? "")
        }
        try router.add(.get, "/api/twap/{feed}/{window}") { request in
            await api.twap(feed: request[parameter: "feed"] ?? "", window: request[parameter: "window"] ?? "")
        }
    }

    /// `GET /api/prices/{feed}`.
    public func prices(feed: String) -> HTTPResponse {
        guard let entry = priceBook.entry(feed) else {
            return .error(.notFound, "unknown feed '\(feed)'; known feeds: \(Self.list(priceBook.feeds)) (write '/' in a feed name as %2F)")
        }
        let decimals = entry.outputDecimals
        var body: [String: JSONValue] = [
            "feed": .string(entry.feed),
            "feedId": .string(Hex.encode(entry.feedID)),
            "decimals": Self.number(decimals),
            "lastComputed": .null,
            "lastPushed": .null,
        ]
        if let computed = entry.lastComputed {
            var object = Self.json(computed.price)
            object["block"] = Self.number(computed.block)
            object["timestamp"] = Self.number(computed.timestamp)
            body["lastComputed"] = .object(object)
        }
        if let pushed = entry.lastPushed {
            body["lastPushed"] = .object([
                "roundId": .string(pushed.round.roundID.decimalString),
                "price": .string(pushed.round.price.decimalString),
                "priceDecimal": .string(TWAPFeedPrice.format(pushed.round.price, decimals: decimals)),
                "observedAt": Self.number(pushed.round.observedAt),
                "updatedAt": Self.number(pushed.round.updatedAt),
                "readAtBlock": Self.number(pushed.readAtBlock),
                "block": pushed.block.map(Self.number) ?? .null,
                "transactionHash": pushed.transactionHash.map { .string(Hex.encode($0)) } ?? .null,
            ])
        }
        return .json(.object(body))
    }

    /// `GET /api/twap/{feed}/{window}`.
    public func twap(feed: String, window text: String) async -> HTTPResponse {
        guard let quoter, quoter.knows(feed) else {
            return .error(.notFound, "unknown feed '\(feed)'; known feeds: \(Self.list(quoter?.feeds ?? [])) (write '/' in a feed name as %2F)")
        }
        guard let window = Self.window(text) else {
            return .error(.badRequest, "window '\(text)' is not a whole number of seconds from 1 to \(TWAPFeedSpec.maxWindowSeconds)")
        }
        let quote: TWAPQuoter.Quote
        do {
            guard let found = try await quoter.quote(feed: feed, window: window) else {
                return .error(.notFound, "unknown feed '\(feed)'")
            }
            quote = found
        } catch {
            return .error(Self.badGateway, "reading the chain failed: \(error)")
        }
        var object = Self.json(quote.price)
        object["block"] = Self.number(quote.block)
        object["timestamp"] = Self.number(quote.timestamp)
        guard quote.price.price != nil else {
            let reasons = quote.price.pools.compactMap { pool in pool.refusal.map { "\(pool.name): \($0)" } }
            object["error"] = .string("no pool of \(feed) gives a price over \(window) s: \(reasons.joined(separator: "; "))")
            return .json(.object(object), status: Self.unprocessable)
        }
        return .json(.object(object))
    }

    static let badGateway = HTTPResponse.Status(code: 502, reason: "Bad Gateway")
    static let unprocessable = HTTPResponse.Status(code: 422, reason: "Unprocessable Content")

    /// A window in seconds: decimal digits only, 1 ... ``TWAPFeedSpec/maxWindowSeconds``.
    static func window(_ text: String) -> UInt32? {
        guard !text.isEmpty, text.count <= 10, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let value = UInt64(text), value >= 1, value <= UInt64(TWAPFeedSpec.maxWindowSeconds)
        else { return nil }
        return UInt32(value)
    }

    /// A computed price as JSON fields: `price` (integer string in `decimals`), `priceDecimal`,
    /// `window`, `usablePools` and each pool's mean tick, price or refusal.
    static func json(_ price: TWAPFeedPrice) -> [String: JSONValue] {
        [
            "feed": .string(price.feed),
            "window": number(price.window),
            "decimals": number(price.outputDecimals),
            "price": price.price.map { .string($0.decimalString) } ?? .null,
            "priceDecimal": price.price.map { .string(TWAPFeedPrice.format($0, decimals: price.outputDecimals)) } ?? .null,
            "usablePools": number(price.usablePools.count),
            "pools": .array(price.pools.map { pool in
                .object([
                    "name": .string(pool.name),
                    "address": .string(pool.address.checksummed),
                    "meanTick": pool.meanTick.map { number($0) } ?? .null,
                    "price": pool.price.map { .string($0.decimalString) } ?? .null,
                    "refusal": pool.refusal.map { .string($0) } ?? .null,
                ])
            }),
        ]
    }

    static func number(_ value: some BinaryInteger) -> JSONValue { .number(String(value)) }

    static func list(_ feeds: [String]) -> String { feeds.isEmpty ? "none" : feeds.joined(separator: ", ") }
}
