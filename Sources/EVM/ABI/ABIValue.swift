/// A value of an ``ABIType``.
///
/// Values do not carry their width: `.uint(5)` is a valid `uint8` and a valid `uint256`; the
/// encoder checks that each value fits the type it is encoded as.
public enum ABIValue: Hashable, Sendable {
    /// A `uintN`.
    case uint(U256)
    /// An `intN`.
    case int(I256)
    /// An `address`.
    case address(Address)
    /// A `bool`.
    case bool(Bool)
    /// A `bytesN`: exactly N bytes.
    case fixedBytes([UInt8])
    /// A `bytes`.
    case bytes([UInt8])
    /// A `string`.
    case string(String)
    /// A `T[]` or `T[k]`.
    case array([ABIValue])
    /// A tuple, one value per component.
    case tuple([ABIValue])
}

extension ABIValue {
    /// The number when this is a `uint`.
    public var uintValue: U256? { if case .uint(let v) = self { v } else { nil } }
    /// The number when this is an `int`.
    public var intValue: I256? { if case .int(let v) = self { v } else { nil } }
    /// The address when this is an `address`.
    public var addressValue: Address? { if case .address(let v) = self { v } else { nil } }
    /// The flag when this is a `bool`.
    public var boolValue: Bool? { if case .bool(let v) = self { v } else { nil } }
    /// The bytes when this is `bytes` or `bytesN`.
    public var bytesValue: [UInt8]? {
        switch self {
        case .bytes(let v), .fixedBytes(let v): v
        default: nil
        }
    }
    /// The text when this is a `string`.
    public var stringValue: String? { if case .string(let v) = self { v } else { nil } }
    /// The elements when this is an array or a tuple.
    public var elements: [ABIValue]? {
        switch self {
        case .array(let v), .tuple(let v): v
        default: nil
        }
    }
}

extension ABIValue: CustomStringConvertible {
    /// Cast-style text that ``ABIValue/parse(_:as:)`` reads back: decimal numbers, checksummed
    /// addresses, `0x` hex bytes, `true`/`false`, strings in double quotes (with `\"` and `\\`
    /// escaped), `[a, b]` arrays and `(a, b)` tuples.
    public var description: String {
        var out = ""
        write(into: &out)
        return out
    }

    func write(into out: inout String) {
        switch self {
        case .uint(let v): out += v.decimalString
        case .int(let v): out += v.description
        case .address(let a): out += a.checksummed
        case .bool(let b): out += b ? "true" : "false"
        case .fixedBytes(let b), .bytes(let b): out += Hex.encode(b)
        case .string(let s): ABIValue.writeQuoted(s, into: &out)
        case .array(let elements):
            out += "["
            for (i, e) in elements.enumerated() {
                if i > 0 { out += ", " }
                e.write(into: &out)
            }
            out += "]"
        case .tuple(let elements):
            out += "("
            for (i, e) in elements.enumerated() {
                if i > 0 { out += ", " }
                e.write(into: &out)
            }
            out += ")"
        }
    }

    static func writeQuoted(_ s: String, into out: inout String) {
        out += "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(c)
            }
        }
        out += "\""
    }

    /// JSON text: numbers as decimal strings (they exceed JSON's safe integers), addresses
    /// checksummed, bytes as `0x` hex, arrays and tuples as JSON arrays.
    public var jsonText: String {
        var out = ""
        writeJSON(into: &out)
        return out
    }

    func writeJSON(into out: inout String) {
        switch self {
        case .uint(let v): out += "\"\(v.decimalString)\""
        case .int(let v): out += "\"\(v.description)\""
        case .address(let a): out += "\"\(a.checksummed)\""
        case .bool(let b): out += b ? "true" : "false"
        case .fixedBytes(let b), .bytes(let b): out += "\"\(Hex.encode(b))\""
        case .string(let s): ABIValue.writeJSONString(s, into: &out)
        case .array(let elements), .tuple(let elements):
            out += "["
            for (i, e) in elements.enumerated() {
                if i > 0 { out += "," }
                e.writeJSON(into: &out)
            }
            out += "]"
        }
    }

    /// Writes `s` as a JSON string literal.
    public static func writeJSONString(_ s: String, into out: inout String) {
        out += "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(c)
            }
        }
        out += "\""
    }
}
