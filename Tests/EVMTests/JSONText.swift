import Foundation

/// Any JSON value decoded from a vector file, kept so it can be written back as JSON text (the
/// keystore and typed-data APIs take documents, the vector files embed them as objects).
/// Integers keep their exact digits; object keys are written sorted.
indirect enum JSONText: Decodable, Sendable, Hashable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONText])
    case object([String: JSONText])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int64.self) {
            self = .number(String(i))
        } else if let u = try? container.decode(UInt64.self) {
            self = .number(String(u))
        } else if let d = try? container.decode(Double.self) {
            self = .number(String(d))
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([JSONText].self) {
            self = .array(a)
        } else {
            self = .object(try container.decode([String: JSONText].self))
        }
    }

    /// Compact JSON text.
    var text: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n
        case .string(let s): return JSONText.quote(s)
        case .array(let a): return "[" + a.map(\.text).joined(separator: ",") + "]"
        case .object(let o):
            return "{" + o.keys.sorted().map { JSONText.quote($0) + ":" + (o[$0]?.text ?? "null") }.joined(separator: ",") + "}"
        }
    }

    subscript(key: String) -> JSONText? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// A copy with `key` set (objects only).
    func setting(_ key: String, _ value: JSONText?) -> JSONText {
        guard case .object(var o) = self else { return self }
        o[key] = value
        return .object(o)
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
