/// A JSON-RPC request id: a number, a string or null, echoed in the response unchanged.
public enum RPCID: Sendable, Hashable, CustomStringConvertible {
    /// A number, as its JSON literal (echoed exactly, never rounded).
    case number(String)
    case string(String)
    case null

    /// An integer id.
    public init(_ value: Int) { self = .number(String(value)) }

    /// The id as JSON.
    public var jsonValue: WireJSON {
        switch self {
        case .number(let n): .number(n)
        case .string(let s): .string(s)
        case .null: .null
        }
    }

    /// The id carried by `json`, or nil if `json` cannot be an id (a boolean, array or object).
    public init?(json: WireJSON) {
        switch json {
        case .number(let n): self = .number(n)
        case .string(let s): self = .string(s)
        case .null: self = .null
        default: return nil
        }
    }

    public var description: String { String(decoding: jsonValue.serialized, as: UTF8.self) }
}
