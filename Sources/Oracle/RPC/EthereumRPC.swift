public import EVM

/// A block tag for reads: a number pins the read to one block, which is how a Snapshot stays
/// consistent across many calls.
public enum BlockTag: Sendable, Hashable, CustomStringConvertible {
    case latest, pending, safe, finalized, earliest
    case number(UInt64)

    public var json: JSONValue {
        switch self {
        case .number(let n): .string(U256(n).hexQuantity)
        default: .string(description)
        }
    }

    public var description: String {
        switch self {
        case .latest: "latest"
        case .pending: "pending"
        case .safe: "safe"
        case .finalized: "finalized"
        case .earliest: "earliest"
        case .number(let n): String(n)
        }
    }
}

/// A block header, with what the keeper reads of it.
public struct BlockHeader: Sendable, Hashable {
    public var number: UInt64
    public var hash: [UInt8]
    public var parentHash: [UInt8]
    public var timestamp: UInt64
    public var baseFeePerGas: U256?
    public var gasLimit: UInt64
    public var gasUsed: UInt64

    public init(
        number: UInt64, hash: [UInt8], parentHash: [UInt8], timestamp: UInt64, baseFeePerGas: U256?,
        gasLimit: UInt64, gasUsed: UInt64
    ) {
        self.number = number
        self.hash = hash
        self.parentHash = parentHash
        self.timestamp = timestamp
        self.baseFeePerGas = baseFeePerGas
        self.gasLimit = gasLimit
        self.gasUsed = gasUsed
    }
}

/// A receipt, with what transaction tracking reads of it.
public struct TransactionReceipt: Sendable, Hashable {
    public var transactionHash: [UInt8]
    public var blockNumber: UInt64
    public var blockHash: [UInt8]
    /// True when the transaction succeeded (status 1).
    public var succeeded: Bool
    public var gasUsed: UInt64
    public var effectiveGasPrice: U256?
    public var logs: [Log]
}

/// An event log.
public struct Log: Sendable, Hashable {
    public var address: Address
    public var topics: [[UInt8]]
    public var data: [UInt8]
    public var blockNumber: UInt64?
    public var transactionHash: [UInt8]?
    public var logIndex: UInt64?
}

/// `eth_feeHistory`'s answer.
public struct FeeHistory: Sendable, Hashable {
    public var oldestBlock: UInt64
    /// One more entry than blocks: the last is the next block's base fee.
    public var baseFeePerGas: [U256]
    public var gasUsedRatio: [Double]
    /// Per block, the tips at the requested percentiles.
    public var reward: [[U256]]

    public init(oldestBlock: UInt64, baseFeePerGas: [U256], gasUsedRatio: [Double], reward: [[U256]]) {
        self.oldestBlock = oldestBlock
        self.baseFeePerGas = baseFeePerGas
        self.gasUsedRatio = gasUsedRatio
        self.reward = reward
    }
}

/// A call to simulate or estimate.
public struct CallRequest: Sendable, Hashable {
    public var from: Address?
    public var to: Address?
    public var data: [UInt8]
    public var value: U256
    public var gas: UInt64?

    public init(from: Address? = nil, to: Address?, data: [UInt8], value: U256 = .zero, gas: UInt64? = nil) {
        self.from = from
        self.to = to
        self.data = data
        self.value = value
        self.gas = gas
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = ["data": .string(Hex.encode(data)), "value": .string(value.hexQuantity)]
        if let from { o["from"] = .string(from.lowercaseHex) }
        if let to { o["to"] = .string(to.lowercaseHex) }
        if let gas { o["gas"] = .string(U256(gas).hexQuantity) }
        return .object(o)
    }
}

/// The Ethereum JSON-RPC methods the keeper uses, typed, over a ``JSONRPCClient``.
public struct EthereumRPC: Sendable {
    public let client: JSONRPCClient

    public init(client: JSONRPCClient) { self.client = client }

    public func chainID() async throws(RPCError) -> UInt64 {
        try Self.uint64(try await client.call("eth_chainId"), "eth_chainId")
    }

    public func blockNumber() async throws(RPCError) -> UInt64 {
        try Self.uint64(try await client.call("eth_blockNumber"), "eth_blockNumber")
    }

    /// The header of a block, or nil when the node does not have it (yet).
    public func block(_ tag: BlockTag) async throws(RPCError) -> BlockHeader? {
        let result = try await client.call("eth_getBlockByNumber", [tag.json, false])
        if result.isNull { return nil }
        return try Self.header(result)
    }

    public func balance(of address: Address, at tag: BlockTag = .latest) async throws(RPCError) -> U256 {
        try Self.u256(try await client.call("eth_getBalance", [.string(address.lowercaseHex), tag.json]), "eth_getBalance")
    }

    public func transactionCount(of address: Address, at tag: BlockTag) async throws(RPCError) -> UInt64 {
        try Self.uint64(
            try await client.call("eth_getTransactionCount", [.string(address.lowercaseHex), tag.json]),
            "eth_getTransactionCount")
    }

    /// `eth_call`; a revert throws ``RPCError`` of kind `executionReverted` with the revert bytes.
    public func call(_ request: CallRequest, at tag: BlockTag) async throws(RPCError) -> [UInt8] {
        try Self.bytes(try await client.call("eth_call", [request.json, tag.json]), "eth_call")
    }

    /// `eth_estimateGas`; a revert throws like ``call(_:at:)``.
    public func estimateGas(_ request: CallRequest, at tag: BlockTag = .latest) async throws(RPCError) -> UInt64 {
        try Self.uint64(try await client.call("eth_estimateGas", [request.json, tag.json]), "eth_estimateGas")
    }

    /// Broadcasts a signed raw transaction; returns its hash. The node's refusal ("nonce too low",
    /// "replacement transaction underpriced", ...) is thrown at once, not retried elsewhere.
    public func sendRawTransaction(_ raw: [UInt8]) async throws(RPCError) -> [UInt8] {
        try Self.bytes(
            try await client.call("eth_sendRawTransaction", [.string(Hex.encode(raw))], errorEnvelopesAreAnswers: true),
            "eth_sendRawTransaction")
    }

    /// The receipt of a mined transaction, or nil while it is pending or unknown.
    public func receipt(_ hash: [UInt8]) async throws(RPCError) -> TransactionReceipt? {
        let result = try await client.call("eth_getTransactionReceipt", [.string(Hex.encode(hash))])
        if result.isNull { return nil }
        return try Self.receipt(result)
    }

    /// The receipts of `hashes` in one JSON-RPC batch, in the same order (nil: not mined, or
    /// unknown to the node). A failure of any one call throws it.
    public func receipts(_ hashes: [[UInt8]]) async throws(RPCError) -> [TransactionReceipt?] {
        guard !hashes.isEmpty else { return [] }
        let answers = try await client.batch(hashes.map { RPCCall("eth_getTransactionReceipt", [.string(Hex.encode($0))]) })
        var out: [TransactionReceipt?] = []
        out.reserveCapacity(answers.count)
        for answer in answers {
            let value = try answer.get()
            out.append(value.isNull ? nil : try Self.receipt(value))
        }
        return out
    }

    public func feeHistory(blocks: Int, newest: BlockTag = .latest, percentiles: [Double]) async throws(RPCError) -> FeeHistory {
        let result = try await client.call(
            "eth_feeHistory",
            [.string(U256(UInt64(blocks)).hexQuantity), newest.json, .array(percentiles.map { .number(String($0)) })])
        guard let o = result.objectValue else { throw Self.shape("eth_feeHistory", "an object") }
        let base = try (o["baseFeePerGas"]?.arrayValue ?? []).map { v throws(RPCError) in try Self.u256(v, "baseFeePerGas") }
        let ratios = (o["gasUsedRatio"]?.arrayValue ?? []).compactMap { v -> Double? in
            if case .number(let n) = v { Double(n) } else { nil }
        }
        var rewards: [[U256]] = []
        for row in o["reward"]?.arrayValue ?? [] {
            rewards.append(try (row.arrayValue ?? []).map { v throws(RPCError) in try Self.u256(v, "reward") })
        }
        return FeeHistory(
            oldestBlock: try Self.uint64(o["oldestBlock"] ?? .null, "oldestBlock"), baseFeePerGas: base,
            gasUsedRatio: ratios, reward: rewards)
    }

    public func logs(address: Address?, topics: [[UInt8]?], from: BlockTag, to: BlockTag) async throws(RPCError) -> [Log] {
        var filter: [String: JSONValue] = ["fromBlock": from.json, "toBlock": to.json]
        if let address { filter["address"] = .string(address.lowercaseHex) }
        filter["topics"] = .array(topics.map { $0.map { .string(Hex.encode($0)) } ?? .null })
        let result = try await client.call("eth_getLogs", [.object(filter)])
        guard let items = result.arrayValue else { throw Self.shape("eth_getLogs", "an array") }
        return try items.map { v throws(RPCError) in try Self.log(v) }
    }

    // MARK: - Decoding helpers (a wrong shape is the endpoint's fault: malformed, retryable)

    static func shape(_ what: String, _ expected: String) -> RPCError {
        RPCError(.malformed, endpoint: nil, message: "\(what): expected \(expected)")
    }

    static func u256(_ v: JSONValue, _ what: String) throws(RPCError) -> U256 {
        guard let s = v.stringValue, s.hasPrefix("0x"), let n = U256(hex: s) else { throw shape(what, "a hex quantity") }
        return n
    }

    static func uint64(_ v: JSONValue, _ what: String) throws(RPCError) -> UInt64 {
        guard let n = try u256(v, what).uint64 else { throw shape(what, "a quantity below 2^64") }
        return n
    }

    static func bytes(_ v: JSONValue, _ what: String) throws(RPCError) -> [UInt8] {
        guard let s = v.stringValue, let b = try? Hex.decode(s) else { throw shape(what, "hex data") }
        return b
    }

    static func header(_ v: JSONValue) throws(RPCError) -> BlockHeader {
        guard let o = v.objectValue else { throw shape("block", "an object") }
        return BlockHeader(
            number: try uint64(o["number"] ?? .null, "block.number"),
            hash: try bytes(o["hash"] ?? .null, "block.hash"),
            parentHash: try bytes(o["parentHash"] ?? .null, "block.parentHash"),
            timestamp: try uint64(o["timestamp"] ?? .null, "block.timestamp"),
            baseFeePerGas: try o["baseFeePerGas"].map { v throws(RPCError) in try u256(v, "block.baseFeePerGas") },
            gasLimit: try uint64(o["gasLimit"] ?? .null, "block.gasLimit"),
            gasUsed: try uint64(o["gasUsed"] ?? .null, "block.gasUsed"))
    }

    static func log(_ v: JSONValue) throws(RPCError) -> Log {
        guard let o = v.objectValue else { throw shape("log", "an object") }
        let addressBytes = try bytes(o["address"] ?? .null, "log.address")
        guard let address = Address(bytes: addressBytes) else { throw shape("log.address", "20 bytes") }
        return Log(
            address: address,
            topics: try (o["topics"]?.arrayValue ?? []).map { t throws(RPCError) in try bytes(t, "log.topics") },
            data: try bytes(o["data"] ?? .null, "log.data"),
            blockNumber: try o["blockNumber"].flatMap { $0.isNull ? nil : $0 }.map { n throws(RPCError) in try uint64(n, "log.blockNumber") },
            transactionHash: try o["transactionHash"].flatMap { $0.isNull ? nil : $0 }.map { h throws(RPCError) in try bytes(h, "log.transactionHash") },
            logIndex: try o["logIndex"].flatMap { $0.isNull ? nil : $0 }.map { n throws(RPCError) in try uint64(n, "log.logIndex") })
    }

    static func receipt(_ v: JSONValue) throws(RPCError) -> TransactionReceipt {
        guard let o = v.objectValue else { throw shape("receipt", "an object") }
        return TransactionReceipt(
            transactionHash: try bytes(o["transactionHash"] ?? .null, "receipt.transactionHash"),
            blockNumber: try uint64(o["blockNumber"] ?? .null, "receipt.blockNumber"),
            blockHash: try bytes(o["blockHash"] ?? .null, "receipt.blockHash"),
            succeeded: try uint64(o["status"] ?? .null, "receipt.status") == 1,
            gasUsed: try uint64(o["gasUsed"] ?? .null, "receipt.gasUsed"),
            effectiveGasPrice: try o["effectiveGasPrice"].map { p throws(RPCError) in try u256(p, "receipt.effectiveGasPrice") },
            logs: try (o["logs"]?.arrayValue ?? []).map { l throws(RPCError) in try log(l) })
    }
}
