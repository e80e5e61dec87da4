/// The params of `account_signTransaction`: `[TransactionArgs, methodSignature?]`.
///
/// `methodSignature` (optional, string or null) is the caller's human-readable name of the
/// called function, e.g. `"transfer(address,uint256)"`; the policy checks it against the
/// calldata's selector and never takes a selector from it.
public struct SignTransactionParams: Sendable, Hashable {
    public var transaction: TransactionArgs
    public var methodSignature: String?

    public init(transaction: TransactionArgs, methodSignature: String? = nil) {
        self.transaction = transaction
        self.methodSignature = methodSignature
    }

    /// Reads the params of a request; errors name the field (`params[0].gas`).
    public init(params: RPCRequest.Params) throws(WireDecodingError) {
        guard case .array(let items) = params else {
            throw WireDecodingError(path: "params", problem: .wrongType(
                expected: "an array [transaction, methodSignature?]",
                found: params == .none ? "no params" : "an object"))
        }
        guard (1...2).contains(items.count) else {
            throw WireDecodingError(path: "params", problem: .invalidValue(
                "expected [transaction, methodSignature?] (1 or 2 items), found \(items.count) items"))
        }
        var reader = try WireObjectReader(items[0], at: WirePath("params").appending(index: 0))
        transaction = try TransactionArgs(reader: &reader)
        try reader.finish()
        if items.count == 2, items[1] != .null {
            methodSignature = try WireDecode.string(items[1], WirePath("params").appending(index: 1))
        } else {
            methodSignature = nil
        }
    }

    /// The params array.
    public var params: RPCRequest.Params {
        var items = [transaction.jsonValue]
        if let methodSignature { items.append(.string(methodSignature)) }
        return .array(items)
    }
}
