extension ABICodec {
    /// `abi.encodePacked(values...)`, Solidity's non-standard packed mode: value types take
    /// their own width (`uint16` 2 bytes, `address` 20, `bool` 1, `bytesN` N), `bytes` and
    /// `string` their raw bytes without length or padding, and array elements one padded
    /// 32-byte word each. Tuples, and arrays of dynamic types, are not allowed (as in Solidity).
    ///
    /// The result is ambiguous by design (`("a","bc")` and `("ab","c")` pack alike): use it
    /// only where a contract does, never to encode calldata.
    public static func encodePacked(_ types: [ABIType], _ values: [ABIValue]) throws(ABIError) -> [UInt8] {
        guard types.count == values.count else {
            throw .valueMismatch("expected \(types.count) value\(types.count == 1 ? "" : "s"), got \(values.count)")
        }
        var out: [UInt8] = []
        for (i, (type, value)) in zip(types, values).enumerated() {
            do throws(ABIError) {
                try packed(value, as: type, into: &out)
            } catch {
                throw error.under(.argument(i, name: ""))
            }
        }
        return out
    }

    private static func packed(_ value: ABIValue, as type: ABIType, into out: inout [UInt8]) throws(ABIError) {
        switch (type, value) {
        case (.array(let element), .array(let values)), (.fixedArray(let element, _), .array(let values)):
            if case .fixedArray(_, let count) = type, count != values.count {
                throw .valueMismatch("\(type.canonicalName) needs exactly \(count) elements, got \(values.count)")
            }
            guard !element.isDynamic, element.blockIsScalar else {
                throw .unsupported("encodePacked does not support \(type.canonicalName): array elements must be value types")
            }
            for (i, v) in values.enumerated() {
                do throws(ABIError) {
                    out += try encode(v, as: element)
                } catch {
                    throw error.under(.element(i))
                }
            }
        case (.tuple, _):
            throw .unsupported("encodePacked does not support tuples (Solidity does not pack structs)")
        default:
            let word = try encode(value, as: type)
            switch type {
            case .uint(let bits), .int(let bits): out += word[(32 - bits / 8)...]
            case .address: out += word[12...]
            case .bool: out.append(word[31])
            case .fixedBytes(let n): out += word[..<n]
            case .bytes, .string: out += word[64..<(64 + Int(word[56..<64].reduce(0) { $0 << 8 | UInt64($1) }))]
            default: break
            }
        }
    }
}

extension ABIType {
    /// Whether this is a value type (not an array or tuple).
    var blockIsScalar: Bool {
        switch self {
        case .uint, .int, .address, .bool, .fixedBytes: true
        default: false
        }
    }
}
