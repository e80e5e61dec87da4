public import EVM

/// The result of `account_signTransaction`:
/// `{"raw": "0x..", "tx": {<the canonical TransactionArgs>, "hash": "0x..", "v": .., "r": .., "s": ..}}`.
///
/// `raw` is the signed transaction ready for `eth_sendRawTransaction`; `hash` is its hash;
/// `v`, `r`, `s` are quantities (for typed transactions `v` is the y-parity, 0 or 1; for legacy
/// ones it is EIP-155's `chainId * 2 + 35 + parity`).
public struct SignedTransactionResult: Sendable, Hashable {
    public var raw: [UInt8]
    /// The transaction as signed (canonical form of the request's arguments).
    public var transaction: TransactionArgs
    /// The 32-byte transaction hash.
    public var hash: [UInt8]
    public var v: U256
    public var r: U256
    public var s: U256

    public init(raw: [UInt8], transaction: TransactionArgs, hash: [UInt8], v: U256, r: U256, s: U256) {
        self.raw = raw
        self.transaction = transaction
        self.hash = hash
        self.v = v
        self.r = r
        self.s = s
    }
}

extension SignedTransactionResult: WireCodable {
    /// Decodes a result. Unknown fields are ignored here (results may grow; params may not).
    public init(json: WireJSON) throws(WireDecodingError) {
        var reader = try WireObjectReader(json, at: WirePath("result"), ignoringUnknownFields: true)
        raw = try reader.required("raw", WireDecode.bytes)
        let txValue = try reader.required("tx") { (v: WireJSON, _: WirePath) -> WireJSON in v }
        var tx = try WireObjectReader(txValue, at: WirePath("result").appending("tx"), ignoringUnknownFields: true)
        transaction = try TransactionArgs(reader: &tx)
        hash = try tx.required("hash", WireDecode.bytes32)
        v = try tx.required("v", WireDecode.quantity)
        r = try tx.required("r", WireDecode.quantity)
        s = try tx.required("s", WireDecode.quantity)
    }

    public var jsonValue: WireJSON {
        var tx = transaction.members
        tx.append(WireJSONMember("hash", WireEncode.bytes(hash)))
        tx.append(WireJSONMember("v", WireEncode.quantity(v)))
        tx.append(WireJSONMember("r", WireEncode.quantity(r)))
        tx.append(WireJSONMember("s", WireEncode.quantity(s)))
        return .object([WireJSONMember("raw", WireEncode.bytes(raw)), WireJSONMember("tx", .object(tx))])
    }
}

extension SignedTransactionResult: Codable {
    public init(from decoder: any Decoder) throws { try self.init(json: WireJSON(from: decoder)) }
    public func encode(to encoder: any Encoder) throws { try jsonValue.encode(to: encoder) }
}
