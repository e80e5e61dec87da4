/// A message part with strict JSON decoding and a canonical JSON encoding. Conforming types are
/// also `Codable` (through ``WireJSON``), with the same strictness.
public protocol WireCodable: Sendable {
    /// Decodes strictly; errors name the field (`tx.gas`, `policy.sha256`, ...).
    init(json: WireJSON) throws(WireDecodingError)
    /// The canonical JSON.
    var jsonValue: WireJSON { get }
}

extension WireCodable {
    /// Decodes from the bytes of one JSON text.
    public init(jsonBytes: some Collection<UInt8>) throws(WireDecodingError) {
        let json: WireJSON
        do {
            json = try WireJSON.parse(jsonBytes)
        } catch {
            throw WireDecodingError(path: "", problem: .invalidValue(error.description))
        }
        try self.init(json: json)
    }
}
