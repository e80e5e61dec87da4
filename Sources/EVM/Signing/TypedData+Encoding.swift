// EIP-712 encodeData and hashStruct over the JSON values.

extension TypedData {
    /// Deepest struct/array nesting of values accepted (the JSON reader bounds it too).
    static let maximumValueDepth = 64

    /// `encodeData(typeName, value)`: typeHash || each member encoded to 32 bytes.
    static func encodeData(
        _ typeName: String, _ value: JSONValue, path: String, types: [String: [Field]],
        parsed: [String: [(name: String, type: FieldType)]], depth: Int
    ) throws(TypedDataError) -> [UInt8] {
        guard depth <= maximumValueDepth else { throw .value(path, "nested deeper than \(maximumValueDepth) levels") }
        guard case .object(let object) = value else {
            throw .value(path, "expected an object of type \(typeName), found \(value.kindDescription)")
        }
        let members = parsed[typeName] ?? []
        for key in object.keys where !members.contains(where: { $0.name == key }) {
            throw .value(path, "field '\(key)' is not a member of \(typeName); remove it or declare it in the type")
        }
        var out = typeHash(typeName, types: types, parsed: parsed)
        out.reserveCapacity(32 * (members.count + 1))
        for member in members {
            let memberPath = "\(path).\(member.name)"
            guard let memberValue = object[member.name], memberValue != .null else {
                throw .value(memberPath, "missing (\(typeName) requires every member)")
            }
            out += try encodeField(member.type, memberValue, path: memberPath, types: types, parsed: parsed, depth: depth + 1)
        }
        return out
    }

    /// keccak256(encodeType(typeName)) from the definitions.
    static func typeHash(_ typeName: String, types: [String: [Field]], parsed: [String: [(name: String, type: FieldType)]]) -> [UInt8] {
        Keccak256.hash(Array(encodeType(typeName, types: types, parsed: parsed).utf8))
    }

    /// One member value as its 32-byte encoding.
    static func encodeField(
        _ type: FieldType, _ value: JSONValue, path: String, types: [String: [Field]],
        parsed: [String: [(name: String, type: FieldType)]], depth: Int
    ) throws(TypedDataError) -> [UInt8] {
        switch type {
        case .structure(let name):
            return Keccak256.hash(try encodeData(name, value, path: path, types: types, parsed: parsed, depth: depth))

        case .array(let element, let count):
            guard depth <= maximumValueDepth else { throw .value(path, "nested deeper than \(maximumValueDepth) levels") }
            guard case .array(let elements) = value else { throw .value(path, "expected an array, found \(value.kindDescription)") }
            if let count, elements.count != count {
                throw .value(path, "expected \(count) elements, found \(elements.count)")
            }
            var concatenated: [UInt8] = []
            concatenated.reserveCapacity(32 * elements.count)
            for (i, item) in elements.enumerated() {
                concatenated += try encodeField(element, item, path: "\(path)[\(i)]", types: types, parsed: parsed, depth: depth + 1)
            }
            return Keccak256.hash(concatenated)

        case .string:
            guard case .string(let text) = value else { throw .value(path, "expected a string, found \(value.kindDescription)") }
            return Keccak256.hash(Array(text.utf8))

        case .bytes:
            return Keccak256.hash(try hexBytes(value, path: path))

        case .fixedBytes(let n):
            let bytes = try hexBytes(value, path: path)
            guard bytes.count == n else { throw .value(path, "bytes\(n) needs exactly \(n) bytes, found \(bytes.count)") }
            return bytes + [UInt8](repeating: 0, count: 32 - n)

        case .address:
            guard case .string(let text) = value else {
                throw .value(path, "expected an address string, found \(value.kindDescription)")
            }
            do {
                return try Address(text).word.bigEndianBytes
            } catch {
                throw .value(path, "\(error)", cause: error)
            }

        case .bool:
            guard case .bool(let flag) = value else { throw .value(path, "expected true or false, found \(value.kindDescription)") }
            return U256(flag ? 1 : 0).bigEndianBytes

        case .uint(let bits):
            let (negative, magnitude) = try integer(value, path: path)
            guard !negative || magnitude.isZero else { throw .value(path, "uint\(bits) cannot be negative") }
            guard magnitude.bitLength <= bits else { throw .value(path, "does not fit in uint\(bits)") }
            return magnitude.bigEndianBytes

        case .int(let bits):
            let (negative, magnitude) = try integer(value, path: path)
            guard let signed = I256(negative: negative, magnitude: magnitude), signed.fits(bitWidth: bits) else {
                throw .value(path, "does not fit in int\(bits)")
            }
            return signed.bits.bigEndianBytes
        }
    }

    /// `0x`-prefixed hex text as bytes.
    static func hexBytes(_ value: JSONValue, path: String) throws(TypedDataError) -> [UInt8] {
        guard case .string(let text) = value else { throw .value(path, "expected 0x-hex bytes, found \(value.kindDescription)") }
        guard text.hasPrefix("0x") || text.hasPrefix("0X") else { throw .value(path, "expected 0x-hex bytes") }
        do {
            return try Hex.decode(text)
        } catch {
            throw .value(path, "\(error)", cause: error)
        }
    }

    /// An integer written as a JSON number, a decimal string or a `0x` hex string, optionally
    /// negative: its sign and magnitude.
    static func integer(_ value: JSONValue, path: String) throws(TypedDataError) -> (negative: Bool, magnitude: U256) {
        let text: String
        switch value {
        case .number(let n): text = n
        case .string(let s): text = s
        default: throw .value(path, "expected an integer (number, decimal string or 0x hex string), found \(value.kindDescription)")
        }
        var digits = Substring(text)
        let negative = digits.hasPrefix("-")
        if negative { digits = digits.dropFirst() }
        let magnitude: U256?
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            magnitude = digits.count > 2 ? U256(hex: digits) : nil
        } else {
            magnitude = U256(decimal: digits)
        }
        guard let magnitude else {
            let shown = text.count > 80 ? text.prefix(80) + "..." : Substring(text)
            if !digits.isEmpty, digits.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) }) || digits.hasPrefix("0x") {
                throw .value(path, "'\(shown)' is out of range (more than 256 bits)")
            }
            throw .value(path, "'\(shown)' is not an integer (write decimal digits or 0x hex, no fraction or exponent)")
        }
        return (negative, magnitude)
    }
}
