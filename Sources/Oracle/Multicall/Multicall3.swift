public import EVM

/// Batched reads through Multicall3's `aggregate3`, every call pinned to one block.
///
/// Multicall3 lives at the same address on nearly every EVM chain (and on the devnet). One
/// `eth_call` carries up to ``chunkSize`` calls; larger reads are split into chunks, all at the
/// same block, so the answers stay consistent with each other. Up to ``chunksPerBatch`` chunks go
/// in one JSON-RPC batch (one HTTP request), and a batch's answers are decoded before the next
/// batch is sent: the memory a read holds at once is bounded by one batch's answers, not by all
/// of them (an Aave tick over 10,000 users reads megabytes of return data).
public struct Multicall3: Sendable {
    /// Multicall3's canonical address.
    public static let canonicalAddress = try! Address("0xcA11bde05977b3631167028862bE2a173976CA11")

    static let aggregate3 = try! ABIFunction(parsing:
        "function aggregate3((address target, bool allowFailure, bytes callData)[] calls) returns ((bool success, bytes returnData)[] returnData)")

    /// One read.
    public struct Call: Sendable, Hashable {
        public var target: Address
        public var callData: [UInt8]
        /// When false, one failing call reverts the whole chunk.
        public var allowFailure: Bool

        public init(target: Address, callData: [UInt8], allowFailure: Bool = true) {
            self.target = target
            self.callData = callData
            self.allowFailure = allowFailure
        }
    }

    /// One read's answer: its return data, or nil when it reverted (and failure was allowed).
    public typealias Result = [UInt8]?

    public let rpc: EthereumRPC
    public let address: Address
    /// Calls per `eth_call`: bounded by the node's gas cap for `eth_call` (geth: 50M by default);
    /// 500 `getUserAccountData` reads cost about 11M gas.
    public let chunkSize: Int
    /// Chunks per JSON-RPC batch.
    public let chunksPerBatch: Int

    public init(rpc: EthereumRPC, address: Address = Multicall3.canonicalAddress, chunkSize: Int = 500, chunksPerBatch: Int = 2) {
        self.rpc = rpc
        self.address = address
        self.chunkSize = max(1, chunkSize)
        self.chunksPerBatch = max(1, chunksPerBatch)
    }

    /// Runs `calls` at `block`; the answers are in the same order.
    public func read(_ calls: [Call], at block: BlockTag) async throws(MulticallError) -> [Result] {
        var results: [Result] = []
        results.reserveCapacity(calls.count)
        try await read(calls, at: block) { _, result in results.append(result) }
        return results
    }

    /// Runs `calls` at `block` and hands each answer, with its call's index, to `body` in order,
    /// as soon as its batch is decoded: nothing is kept, so a caller that turns answers into
    /// something smaller never holds all the raw answers at once.
    public func read(_ calls: [Call], at block: BlockTag, each body: (Int, Result) -> Void) async throws(MulticallError) {
        var start = 0
        while start < calls.count {
            let end = min(start + chunkSize * chunksPerBatch, calls.count)
            try await readBatch(calls[start..<end], at: block, each: body)
            start = end
        }
    }

    /// Reads `calls` in one JSON-RPC batch of chunks and hands the answers to `body`.
    private func readBatch(_ calls: ArraySlice<Call>, at block: BlockTag, each body: (Int, Result) -> Void) async throws(MulticallError) {
        var requests: [RPCCall] = []
        var chunks: [ArraySlice<Call>] = []
        var start = calls.startIndex
        while start < calls.endIndex {
            let chunk = calls[start..<min(start + chunkSize, calls.endIndex)]
            chunks.append(chunk)
            let encoded: [UInt8]
            do {
                encoded = try Self.aggregate3.encodeCall([.array(chunk.map {
                    .tuple([.address($0.target), .bool($0.allowFailure), .bytes($0.callData)])
                })])
            } catch {
                throw MulticallError(message: "cannot encode aggregate3: \(error)", cause: error)
            }
            requests.append(RPCCall("eth_call", [CallRequest(to: address, data: encoded).json, block.json]))
            start += chunkSize
        }
        let answers: [Swift.Result<JSONValue, RPCError>]
        do {
            answers = try await rpc.client.batch(requests)
        } catch {
            throw MulticallError(message: "aggregate3 batch failed", cause: error)
        }
        var index = calls.startIndex
        for (answer, chunk) in zip(answers, chunks) {
            let data: [UInt8]
            do {
                data = try EthereumRPC.bytes(try answer.get(), "aggregate3")
            } catch {
                throw MulticallError(message: "aggregate3 of \(chunk.count) calls failed", cause: error)
            }
            let decoded: [ABIValue]
            do {
                decoded = try Self.aggregate3.decodeOutput(data)
            } catch {
                throw MulticallError(message: "aggregate3 answer does not decode", cause: error)
            }
            guard case .array(let items)? = decoded.first, items.count == chunk.count else {
                throw MulticallError(message: "aggregate3 answered \(decoded.count) results for \(chunk.count) calls", cause: nil)
            }
            for item in items {
                guard case .tuple(let fields) = item, fields.count == 2, case .bool(let ok) = fields[0],
                    case .bytes(let bytes) = fields[1]
                else {
                    throw MulticallError(message: "aggregate3 result has the wrong shape", cause: nil)
                }
                body(index, ok ? bytes : nil)
                index += 1
            }
        }
    }
}

/// A Multicall3 read that failed as a whole (a single call's revert is a nil result instead).
public struct MulticallError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let cause: (any Error)?
    public var description: String { "multicall: \(message)" + (cause.map { " (cause: \($0))" } ?? "") }
}
