public import EVM

/// The transaction the keeper asks the signer to sign: `params[0]` of `account_signTransaction`.
///
/// Wire shape (Clef/geth `SendTxArgs`, strict):
///
/// | field | required | shape |
/// |---|---|---|
/// | `from` | yes | address (EIP-55 checked when mixed case) |
/// | `to` | no | address; absent or null = contract creation |
/// | `gas` | yes | quantity, 64 bits |
/// | `gasPrice` | one fee model | quantity (legacy and access-list transactions) |
/// | `maxFeePerGas`, `maxPriorityFeePerGas` | one fee model | quantities, both (EIP-1559) |
/// | `value` | yes | quantity (`"0x0"` for none) |
/// | `data` / `input` | no | bytes; both given and different is an error, as in geth |
/// | `nonce` | yes | quantity, 64 bits; the caller supplies it |
/// | `chainId` | yes | quantity |
/// | `type` | no | `"0x0"`, `"0x1"` or `"0x2"`; inferred when absent |
/// | `accessList` | no | `[{address, storageKeys: [32-byte hex]}]`, not with type 0x0 |
///
/// Quantities are `0x` hex without leading zeros (`"0x0"`, `"0x5208"`), as go-ethereum's
/// `hexutil` requires; decimal, `"0x"` and `"0x01"` are invalid params. Any other field is
/// invalid params. When `type` is absent it is 0x2 with the EIP-1559 fees, 0x1 with `gasPrice`
/// and an access list, else 0x0.
public struct TransactionArgs: Sendable, Hashable {
    /// The EIP-2718 transaction type.
    public enum TxType: UInt8, Sendable, Hashable, CaseIterable {
        /// Legacy (EIP-155 when signed with a chain id).
        case legacy = 0
        /// EIP-2930.
        case accessList = 1
        /// EIP-1559.
        case dynamicFee = 2
    }

    /// The fee model: one or the other, never both.
    public enum Fees: Sendable, Hashable {
        case legacy(gasPrice: U256)
        case dynamic(maxFeePerGas: U256, maxPriorityFeePerGas: U256)
    }

    /// One access-list entry.
    public struct AccessTuple: Sendable, Hashable {
        public var address: Address
        /// 32-byte storage keys.
        public var storageKeys: [[UInt8]]

        public init(address: Address, storageKeys: [[UInt8]]) {
            self.address = address
            self.storageKeys = storageKeys
        }
    }

    public var from: Address
    /// nil for contract creation.
    public var to: Address?
    public var gas: UInt64
    public var fees: Fees
    public var value: U256
    /// The call data (`data` or `input` on the wire).
    public var data: [UInt8]
    public var nonce: UInt64
    public var chainId: U256
    /// The type, as given or inferred.
    public var type: TxType
    /// The access list (always empty for legacy transactions).
    public var accessList: [AccessTuple]

    /// Builds arguments, checking that type, fees and access list agree (see the table above).
    public init(
        from: Address, to: Address?, gas: UInt64, fees: Fees, value: U256, data: [UInt8] = [],
        nonce: UInt64, chainId: U256, type: TxType? = nil, accessList: [AccessTuple]? = nil
    ) throws(WireDecodingError) {
        try self.init(from: from, to: to, gas: gas, fees: fees, value: value, data: data, nonce: nonce,
                      chainId: chainId, type: type, accessList: accessList, path: WirePath("tx"))
    }

    init(
        from: Address, to: Address?, gas: UInt64, fees: Fees, value: U256, data: [UInt8],
        nonce: UInt64, chainId: U256, type: TxType?, accessList: [AccessTuple]?, path: WirePath
    ) throws(WireDecodingError) {
        let resolved: TxType
        switch (type, fees) {
        case (nil, .dynamic): resolved = .dynamicFee
        case (nil, .legacy): resolved = accessList == nil ? .legacy : .accessList
        case (.legacy?, .legacy), (.accessList?, .legacy): resolved = type ?? .legacy
        case (.dynamicFee?, .dynamic): resolved = .dynamicFee
        case (.dynamicFee?, .legacy):
            throw WireDecode.invalid(path.appending("type"), "type 0x2 needs maxFeePerGas and maxPriorityFeePerGas, not gasPrice")
        case (let t?, .dynamic):
            throw WireDecode.invalid(path.appending("type"), "type 0x\(t.rawValue) needs gasPrice, not maxFeePerGas/maxPriorityFeePerGas")
        }
        if resolved == .legacy, let accessList, !accessList.isEmpty {
            throw WireDecode.invalid(path.appending("accessList"), "a legacy (type 0x0) transaction cannot carry an access list; use type 0x1 or 0x2")
        }
        if case .dynamic(let maxFee, let tip) = fees, tip > maxFee {
            throw WireDecode.invalid(path.appending("maxPriorityFeePerGas"),
                                     "maxPriorityFeePerGas (\(tip.hexQuantity)) is above maxFeePerGas (\(maxFee.hexQuantity))")
        }
        self.from = from
        self.to = to
        self.gas = gas
        self.fees = fees
        self.value = value
        self.data = data
        self.nonce = nonce
        self.chainId = chainId
        self.type = resolved
        self.accessList = accessList ?? []
    }
}

extension TransactionArgs: WireCodable {
    static let fieldNames: Set<String> = [
        "from", "to", "gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "value", "data", "input",
        "nonce", "chainId", "type", "accessList",
    ]

    public init(json: WireJSON) throws(WireDecodingError) {
        var reader = try WireObjectReader(json, at: WirePath("tx"))
        try self.init(reader: &reader)
        try reader.finish()
    }

    /// Reads the fields from `reader`; the caller decides about the rest (`finish()`).
    init(reader: inout WireObjectReader) throws(WireDecodingError) {
        let path = reader.path
        let from = try reader.required("from", WireDecode.address)
        let to = try reader.optional("to", WireDecode.address)
        let gas = try reader.required("gas", WireDecode.quantity64)
        let gasPrice = try reader.optional("gasPrice", WireDecode.quantity)
        let maxFee = try reader.optional("maxFeePerGas", WireDecode.quantity)
        let tip = try reader.optional("maxPriorityFeePerGas", WireDecode.quantity)
        let value = try reader.required("value", WireDecode.quantity)
        let data = try reader.optional("data", WireDecode.bytes)
        let input = try reader.optional("input", WireDecode.bytes)
        let nonce = try reader.required("nonce", WireDecode.quantity64)
        let chainId = try reader.required("chainId", WireDecode.quantity)
        let typeCode = try reader.optional("type", WireDecode.quantity64)
        let accessList = try reader.optional("accessList", WireDecode.array(of: AccessTuple.decode))

        let fees: Fees
        switch (gasPrice, maxFee, tip) {
        case (let p?, nil, nil): fees = .legacy(gasPrice: p)
        case (nil, let f?, let t?): fees = .dynamic(maxFeePerGas: f, maxPriorityFeePerGas: t)
        case (nil, nil, nil):
            throw WireDecodingError(path: path.appending("gasPrice"),
                                    problem: .invalidValue("a fee is required: gasPrice, or maxFeePerGas and maxPriorityFeePerGas"))
        case (nil, nil, _?):
            throw WireDecodingError(path: path.appending("maxFeePerGas"), problem: .missing)
        case (nil, _?, nil):
            throw WireDecodingError(path: path.appending("maxPriorityFeePerGas"), problem: .missing)
        case (_?, _, _):
            throw WireDecodingError(path: path.appending("gasPrice"),
                                    problem: .invalidValue("both gasPrice and maxFeePerGas/maxPriorityFeePerGas are given; send one fee model"))
        }
        if let data, let input, data != input {
            throw WireDecodingError(path: path.appending("input"),
                                    problem: .invalidValue("both \"data\" and \"input\" are set and not equal; use \"input\" to pass the call data"))
        }
        var type: TxType?
        if let typeCode {
            guard let t = TxType(rawValue: UInt8(truncatingIfNeeded: typeCode)), typeCode <= 2 else {
                throw WireDecodingError(path: path.appending("type"),
                                        problem: .invalidValue("type \(U256(typeCode).hexQuantity) is not supported; use 0x0, 0x1 or 0x2"))
            }
            type = t
        }
        try self.init(from: from, to: to, gas: gas, fees: fees, value: value, data: input ?? data ?? [],
                      nonce: nonce, chainId: chainId, type: type, accessList: accessList, path: path)
    }

    /// The canonical form: every field, `type` resolved, call data as `input`, `to` null for a
    /// creation, `accessList` for types 0x1 and 0x2.
    public var jsonValue: WireJSON { .object(members) }

    var members: [WireJSONMember] {
        var m: [WireJSONMember] = []
        m.reserveCapacity(16)
        m.append(WireJSONMember("type", .string("0x\(type.rawValue)")))
        m.append(WireJSONMember("chainId", WireEncode.quantity(chainId)))
        m.append(WireJSONMember("nonce", WireEncode.quantity(nonce)))
        m.append(WireJSONMember("from", WireEncode.address(from)))
        m.append(WireJSONMember("to", to.map(WireEncode.address) ?? .null))
        m.append(WireJSONMember("gas", WireEncode.quantity(gas)))
        switch fees {
        case .legacy(let gasPrice):
            m.append(WireJSONMember("gasPrice", WireEncode.quantity(gasPrice)))
        case .dynamic(let maxFee, let tip):
            m.append(WireJSONMember("maxFeePerGas", WireEncode.quantity(maxFee)))
            m.append(WireJSONMember("maxPriorityFeePerGas", WireEncode.quantity(tip)))
        }
        m.append(WireJSONMember("value", WireEncode.quantity(value)))
        m.append(WireJSONMember("input", WireEncode.bytes(data)))
        if type != .legacy {
            m.append(WireJSONMember("accessList", .array(accessList.map(\.jsonValue))))
        }
        return m
    }
}

extension TransactionArgs.AccessTuple {
    static func decode(_ value: WireJSON, _ path: WirePath) throws(WireDecodingError) -> Self {
        var reader = try WireObjectReader(value, at: path)
        let address = try reader.required("address", WireDecode.address)
        let keys = try reader.required("storageKeys", WireDecode.array(of: WireDecode.bytes32))
        try reader.finish()
        return Self(address: address, storageKeys: keys)
    }

    var jsonValue: WireJSON {
        .object([
            WireJSONMember("address", WireEncode.address(address)),
            WireJSONMember("storageKeys", .array(storageKeys.map(WireEncode.bytes))),
        ])
    }
}

extension TransactionArgs: Codable {
    public init(from decoder: any Decoder) throws { try self.init(json: WireJSON(from: decoder)) }
    public func encode(to encoder: any Encoder) throws { try jsonValue.encode(to: encoder) }
}
