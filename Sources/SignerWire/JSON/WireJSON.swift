/// A JSON value as it travels on the signer's wire.
///
/// Numbers keep their literal text, so an id such as `12345678901234567890` is echoed exactly
/// and no quantity ever passes through a `Double`. Objects keep their members in order (the
/// serializer writes them back in that order); the parser rejects duplicate member names,
/// because two parsers that disagree about which duplicate wins are how requests get smuggled.
public enum WireJSON: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number, as its validated JSON literal (for example `1`, `-0.5`, `1e3`).
    case number(String)
    case string(String)
    case array([WireJSON])
    case object([WireJSONMember])

    /// The value of member `name` if this is an object that has it.
    public subscript(name: String) -> WireJSON? {
        guard case .object(let members) = self else { return nil }
        for member in members where member.name == name { return member.value }
        return nil
    }

    /// A number from an integer.
    public static func integer(_ value: some BinaryInteger) -> WireJSON { .number(String(value)) }

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The integer, if this is a number literal that is an integer in `Int64`'s range.
    public var int64Value: Int64? {
        if case .number(let text) = self { return Int64(text) }
        return nil
    }

    /// A short name of the JSON type, for error messages ("a string", "an object", ...).
    public var typeDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// One member of a JSON object.
public struct WireJSONMember: Sendable, Hashable {
    public var name: String
    public var value: WireJSON

    public init(_ name: String, _ value: WireJSON) {
        self.name = name
        self.value = value
    }
}

extension WireJSON: Codable {
    /// Decodes any JSON from any `Decoder` (numbers become their shortest literal).
    public init(from decoder: any Decoder) throws {
        if var array = try? decoder.unkeyedContainer() {
            var values: [WireJSON] = []
            while !array.isAtEnd { values.append(try array.decode(WireJSON.self)) }
            self = .array(values)
            return
        }
        if let keyed = try? decoder.container(keyedBy: AnyCodingKey.self) {
            var members: [WireJSONMember] = []
            for key in keyed.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                members.append(WireJSONMember(key.stringValue, try keyed.decode(WireJSON.self, forKey: key)))
            }
            self = .object(members)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let b = try? single.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? single.decode(Int64.self) {
            self = .number(String(i))
        } else if let u = try? single.decode(UInt64.self) {
            self = .number(String(u))
        } else if let d = try? single.decode(Double.self), d.isFinite {
            self = .number("\(d)")
        } else {
            self = .string(try single.decode(String.self))
        }
    }

    /// Encodes into any `Encoder`; a number literal becomes an integer when it is one.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .number(let text):
            var c = encoder.singleValueContainer()
            if let i = Int64(text) {
                try c.encode(i)
            } else if let u = UInt64(text) {
                try c.encode(u)
            } else {
                try c.encode(Double(text) ?? 0)
            }
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .array(let values):
            var c = encoder.unkeyedContainer()
            for v in values { try c.encode(v) }
        case .object(let members):
            var c = encoder.container(keyedBy: AnyCodingKey.self)
            for m in members { try c.encode(m.value, forKey: AnyCodingKey(m.name)) }
        }
    }
}

/// A coding key for arbitrary member names.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}
