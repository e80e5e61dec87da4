import EVM
import Foundation

/// A JSON value with one byte-exact serialisation, for hashing.
///
/// The form: no whitespace; object keys sorted by their UTF-8 bytes (which is Unicode code point
/// order), each key at most once; integers only (no fraction or exponent), written in decimal
/// without leading zeros, `-0` not allowed; strings escaped as RFC 8785 (JCS) does — `\"`, `\\`,
/// `\b \f \n \r \t`, other characters below U+0020 as `\u00xx` (lowercase hex), everything else
/// as raw UTF-8. Non-integer quantities are written by the caller as strings with a fixed number
/// of digits (see ``PopulationStabilityIndex/decimalString(micros:)``).
public indirect enum CanonicalJSON: Sendable, Hashable {
    case null
    case bool(Bool)
    /// An integer as its canonical decimal text (build it with ``integer(_:)``).
    case number(String)
    case string(String)
    case array([CanonicalJSON])
    case object([String: CanonicalJSON])

    /// An integer value.
    public static func integer(_ value: some BinaryInteger) -> CanonicalJSON { .number(String(value)) }

    /// The canonical bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        write(into: &out)
        return out
    }

    /// The canonical text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    private func write(into out: inout [UInt8]) {
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .number(let n): out += Array(n.utf8)
        case .string(let s): Self.writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            let keys = fields.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (i, key) in keys.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                fields[key]!.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x08: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x0c: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0x0a: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0d: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case ..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xf)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Parses JSON text into a canonical value. Throws ``DriftError/notCanonical(_:file:line:)``
    /// for a number that is not an integer in canonical form, and for text that is not JSON.
    /// The text itself need not be canonical: compare ``bytes`` with it to check that.
    public init(parsing bytes: [UInt8]) throws(DriftError) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw .notCanonical("not JSON: \(error)")
        }
        self = try Self.convert(value)
    }

    private static func convert(_ value: JSONValue) throws(DriftError) -> CanonicalJSON {
        switch value {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .string(let s): return .string(s)
        case .number(let n):
            guard isCanonicalInteger(n) else { throw .notCanonical("number '\(n)' is not a canonical integer") }
            return .number(n)
        case .array(let items):
            var out: [CanonicalJSON] = []
            for item in items { out.append(try convert(item)) }
            return .array(out)
        case .object(let fields):
            var out: [String: CanonicalJSON] = [:]
            for (k, v) in fields { out[k] = try convert(v) }
            return .object(out)
        }
    }

    private static func isCanonicalInteger(_ text: String) -> Bool {
        var digits = Substring(text).utf8[...]
        if digits.first == UInt8(ascii: "-") { digits = digits.dropFirst() }
        guard let first = digits.first, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return false }
        if first == UInt8(ascii: "0") { return digits.count == 1 && !text.hasPrefix("-") }
        return true
    }

    /// The fields, when this is an object.
    public var objectValue: [String: CanonicalJSON]? { if case .object(let o) = self { o } else { nil } }
    /// The string, when this is one.
    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    /// The integer text, when this is a number.
    public var numberText: String? { if case .number(let n) = self { n } else { nil } }
    /// The elements, when this is an array.
    public var arrayValue: [CanonicalJSON]? { if case .array(let a) = self { a } else { nil } }
}
