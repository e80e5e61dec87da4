// EIP-712 type strings: parsing field types and building encodeType. Self-contained on purpose
// (it does not use the ABI module's type parser): EIP-712 has no tuples and its own rules.

extension TypedData {
    /// One member of a struct type: `{"name": "wallet", "type": "address"}`.
    public struct Field: Hashable, Sendable {
        /// The member name.
        public let name: String
        /// The type as written (`uint256`, `Person[]`, `bytes32[2]`).
        public let type: String

        public init(name: String, type: String) {
            self.name = name
            self.type = type
        }
    }

    /// A parsed member type.
    indirect enum FieldType: Hashable, Sendable {
        /// `uintN` (N bits).
        case uint(Int)
        /// `intN` (N bits).
        case int(Int)
        case address
        case bool
        /// `bytesN` (N bytes, 1...32).
        case fixedBytes(Int)
        /// `bytes` (hashed).
        case bytes
        /// `string` (hashed).
        case string
        /// A struct type defined in `types`.
        case structure(String)
        /// `T[]` (count nil) or `T[k]`.
        case array(FieldType, count: Int?)

        /// The struct name inside any array layers, if this is a struct type.
        var structName: String? {
            switch self {
            case .structure(let name): name
            case .array(let element, _): element.structName
            default: nil
            }
        }
    }

    /// The atomic and dynamic type for `name`, or nil when it is none (then it may be a struct).
    static func elementaryType(_ name: Substring) -> FieldType? {
        switch name {
        case "address": return .address
        case "bool": return .bool
        case "bytes": return .bytes
        case "string": return .string
        default: break
        }
        func width(after prefix: String) -> Int?? {
            guard name.hasPrefix(prefix) else { return nil }
            let digits = name.dropFirst(prefix.count)
            if digits.isEmpty { return .some(nil) }
            guard digits.first != "0", digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), digits.count <= 3 else {
                return .some(.some(-1))
            }
            return .some(Int(digits))
        }
        if let bits = width(after: "uint") {
            let n = bits ?? 256
            return n >= 8 && n <= 256 && n % 8 == 0 ? .uint(n) : nil
        }
        if let bits = width(after: "int") {
            let n = bits ?? 256
            return n >= 8 && n <= 256 && n % 8 == 0 ? .int(n) : nil
        }
        if let bytes = width(after: "bytes"), let n = bytes {
            return n >= 1 && n <= 32 ? .fixedBytes(n) : nil
        }
        return nil
    }

    /// Whether `name` looks like an elementary type name (so it may not name a struct).
    static func isReservedTypeName(_ name: String) -> Bool {
        if elementaryType(Substring(name)) != nil { return true }
        return ["uint", "int", "bytes"].contains { name.hasPrefix($0) && name.dropFirst($0.count).allSatisfy(\.isNumber) }
    }

    /// Parses a member type string against the defined struct names.
    static func parseFieldType(_ text: String, structs: Set<String>, context: String) throws(TypedDataError) -> FieldType {
        var base = Substring(text)
        var counts: [Int?] = []
        while base.hasSuffix("]") {
            guard let open = base.lastIndex(of: "[") else {
                throw .types("\(context): type '\(text)' has an unmatched ']'")
            }
            let inside = base[base.index(after: open)..<base.index(before: base.endIndex)]
            if inside.isEmpty {
                counts.append(nil)
            } else {
                guard inside.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), inside.first != "0" || inside.count == 1,
                    inside.count <= 9, let k = Int(inside)
                else { throw .types("\(context): type '\(text)' has an invalid array length '\(inside)'") }
                counts.append(k)
            }
            base = base[..<open]
        }
        var type: FieldType
        if structs.contains(String(base)) {
            type = .structure(String(base))
        } else if let elementary = elementaryType(base) {
            type = elementary
        } else {
            throw .types(
                "\(context): unknown type '\(text)'; use uint8...uint256, int8...int256, address, bool, bytes1...bytes32, bytes, string, a struct defined in 'types', or arrays of these"
            )
        }
        // The last suffix is the outermost array: T[2][3] is three T[2].
        for count in counts.reversed() {
            type = .array(type, count: count)
        }
        return type
    }

    /// Validates a struct or member name: it is written into encodeType, so it must not contain
    /// the characters that delimit it.
    static func checkIdentifier(_ name: String, what: String) throws(TypedDataError) {
        guard !name.isEmpty else { throw .types("\(what) is empty") }
        for scalar in name.unicodeScalars {
            let v = scalar.value
            let ok =
                (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x5F || v == 0x24
            guard ok else {
                throw .types("\(what) '\(name)' may contain only letters, digits, '_' and '$'")
            }
        }
    }

    /// `typeName`'s signature followed by those of every struct type it references, directly or
    /// not, sorted by name: `Name(type1 name1,type2 name2)Dependency(...)`.
    static func encodeType(_ typeName: String, types: [String: [Field]], parsed: [String: [(name: String, type: FieldType)]]) -> String {
        var seen: Set<String> = [typeName]
        var stack = [typeName]
        var dependencies: [String] = []
        while let current = stack.popLast() {
            for member in parsed[current] ?? [] {
                if let s = member.type.structName, seen.insert(s).inserted {
                    dependencies.append(s)
                    stack.append(s)
                }
            }
        }
        return ([typeName] + dependencies.sorted(by: utf8Precedes)).map { name in
            name + "(" + (types[name] ?? []).map { "\($0.type) \($0.name)" }.joined(separator: ",") + ")"
        }.joined()
    }
}

/// Byte-wise (UTF-8) ordering, as encodeType sorts the referenced types.
func utf8Precedes(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}
