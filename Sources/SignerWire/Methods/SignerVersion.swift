/// The result of `signer_version`: `{"version": "0.1.0"}`.
public struct SignerVersion: Sendable, Hashable {
    public var version: String

    public init(version: String) { self.version = version }
}

extension SignerVersion: WireCodable {
    public init(json: WireJSON) throws(WireDecodingError) {
        var reader = try WireObjectReader(json, at: WirePath("result"), ignoringUnknownFields: true)
        version = try reader.required("version", WireDecode.string)
    }

    public var jsonValue: WireJSON { .object([WireJSONMember("version", .string(version))]) }
}

extension SignerVersion: Codable {
    public init(from decoder: any Decoder) throws { try self.init(json: WireJSON(from: decoder)) }
    public func encode(to encoder: any Encoder) throws { try jsonValue.encode(to: encoder) }
}
