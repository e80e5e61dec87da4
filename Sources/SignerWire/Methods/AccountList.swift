public import EVM

/// The result of `account_list`: the addresses the signer holds keys for, EIP-55 spelled.
public struct AccountList: Sendable, Hashable {
    public var accounts: [Address]

    public init(accounts: [Address]) { self.accounts = accounts }
}

extension AccountList: WireCodable {
    public init(json: WireJSON) throws(WireDecodingError) {
        accounts = try WireDecode.array(of: WireDecode.address)(json, WirePath("result"))
    }

    public var jsonValue: WireJSON { .array(accounts.map(WireEncode.address)) }
}

extension AccountList: Codable {
    public init(from decoder: any Decoder) throws { try self.init(json: WireJSON(from: decoder)) }
    public func encode(to encoder: any Encoder) throws { try jsonValue.encode(to: encoder) }
}
