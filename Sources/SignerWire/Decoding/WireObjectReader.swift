/// Reads the members of one JSON object strictly: each field is taken at most once, a missing
/// required field and a field of the wrong type are different errors, and ``finish()`` reports
/// any member nobody took (unless unknown fields are ignored, as they are in results).
struct WireObjectReader {
    let path: WirePath
    private let members: [WireJSONMember]
    private var used: [Bool]
    private let ignoringUnknownFields: Bool

    init(_ value: WireJSON, at path: WirePath, ignoringUnknownFields: Bool = false) throws(WireDecodingError) {
        guard case .object(let members) = value else {
            throw WireDecodingError(path: path, problem: .wrongType(expected: "an object", found: value.typeDescription))
        }
        self.path = path
        self.members = members
        self.used = Array(repeating: false, count: members.count)
        self.ignoringUnknownFields = ignoringUnknownFields
    }

    /// The raw value of `name`, marking it used; nil when absent.
    mutating func raw(_ name: String) -> WireJSON? {
        for i in members.indices where members[i].name == name {
            used[i] = true
            return members[i].value
        }
        return nil
    }

    /// Whether `name` is present (null counts as present).
    func has(_ name: String) -> Bool { members.contains { $0.name == name } }

    mutating func rawOptional(_ name: String) -> WireJSON? { raw(name) }

    /// A required field: absent is `.missing`; anything else goes to `decode`.
    mutating func required<T>(
        _ name: String, _ decode: (WireJSON, WirePath) throws(WireDecodingError) -> T
    ) throws(WireDecodingError) -> T {
        guard let value = raw(name) else { throw WireDecodingError(path: path.appending(name), problem: .missing) }
        return try decode(value, path.appending(name))
    }

    /// An optional field: absent or null is nil.
    mutating func optional<T>(
        _ name: String, _ decode: (WireJSON, WirePath) throws(WireDecodingError) -> T
    ) throws(WireDecodingError) -> T? {
        guard let value = raw(name), value != .null else { return nil }
        return try decode(value, path.appending(name))
    }

    /// Fails on the first member that no call took.
    func finish() throws(WireDecodingError) {
        guard !ignoringUnknownFields else { return }
        for i in members.indices where !used[i] {
            // Bounded: the name is the peer's, and it is echoed in the error.
            throw WireDecodingError(path: path.appending(String(members[i].name.prefix(64))), problem: .unknownField)
        }
    }
}
