public import Logging

/// What an observer may read with: the chain (pinned reads), Multicall3, and the subgraphs by
/// their configured names.
public struct ObservationContext: Sendable {
    public var rpc: EthereumRPC
    public var multicall: Multicall3
    public var subgraphs: [String: GraphQLClient]
    public var logger: Logger

    public init(rpc: EthereumRPC, multicall: Multicall3, subgraphs: [String: GraphQLClient], logger: Logger) {
        self.rpc = rpc
        self.multicall = multicall
        self.subgraphs = subgraphs
        self.logger = logger
    }
}

/// Reads what one strategy needs, at the snapshot's block, into a plain value (its section of
/// the Snapshot). The only place a strategy's I/O happens; the strategy itself is pure.
///
/// Reads of chain state must use `.number(block.number)`: every section of a snapshot describes
/// the same block. Subgraph data is for discovery only (which users, which markets); the values
/// an action depends on are read from the chain.
public protocol Observer: Sendable {
    /// The strategy's configured name: the section key in the snapshot.
    var strategy: String { get }

    /// Reads this strategy's section at `block`. Throwing leaves the section out of this tick's
    /// snapshot (the strategy then decides nothing), and the error is logged.
    func observe(at block: BlockHeader, context: ObservationContext) async throws -> any Sendable
}
