public import EVM

/// One price feed a TWAP observer reads: the pools that price it, its tokens and its window.
///
/// The feed's price is "quote tokens per one whole base token" (for `WETH/USDC`: USDC per WETH),
/// scaled to ``outputDecimals``.
public struct TWAPFeedSpec: Sendable, Hashable {
    /// The feed's name, such as `WETH/USDC` (also the key of the read API).
    public var name: String
    /// The sink's `bytes32` feed id (see ``TWAPFeedSpec/feedID(ascii:)``).
    public var feedID: [UInt8]
    public var base: TWAPToken
    public var quote: TWAPToken
    /// Uniswap V3 pools trading base against quote, in config order.
    public var pools: [TWAPPoolSpec]
    /// The averaging window in seconds: `observe([window, 0])`.
    public var window: UInt32
    /// Decimals of the computed (and pushed) price.
    public var outputDecimals: Int

    public init(
        name: String, feedID: [UInt8], base: TWAPToken, quote: TWAPToken, pools: [TWAPPoolSpec], window: UInt32,
        outputDecimals: Int
    ) {
        self.name = name
        self.feedID = feedID
        self.base = base
        self.quote = quote
        self.pools = pools
        self.window = window
        self.outputDecimals = outputDecimals
    }

    /// The longest window accepted (9 days): about what a pool with the largest observation
    /// cardinality (65,535) covers at one observation per 12-second block.
    public static let maxWindowSeconds: UInt32 = 9 * 86_400

    /// The feed id as `PriceFeedSink` names feeds: the ASCII name left-aligned in 32 bytes and
    /// zero-padded (ethers' `formatBytes32String`; `WETH/USDC` -> `0x574554482f55534443000...`).
    /// Nil for a name that is empty, not ASCII, or longer than 31 bytes (the last byte stays zero
    /// so the id reads back as a C string, as ethers requires).
    public static func feedID(ascii name: String) -> [UInt8]? {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 31, bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else { return nil }
        return bytes + [UInt8](repeating: 0, count: 32 - bytes.count)
    }
}

/// A token of a feed. `decimals` nil means "read `decimals()` on chain at the pinned block".
public struct TWAPToken: Sendable, Hashable {
    /// Its name in the keeper's `[contracts]`, or its address as written when given as one.
    public var name: String
    public var address: Address
    /// Decimals from config; nil to read them on chain.
    public var decimals: Int?

    public init(name: String, address: Address, decimals: Int? = nil) {
        self.name = name
        self.address = address
        self.decimals = decimals
    }
}

/// A Uniswap V3 pool of a feed.
public struct TWAPPoolSpec: Sendable, Hashable {
    /// Its name in `[contracts]`, or its address as written.
    public var name: String
    public var address: Address

    public init(name: String, address: Address) {
        self.name = name
        self.address = address
    }
}
