/// A table under construction: a reference node, so the parser can keep a handle on the current
/// section while adding to it. Frozen into a `TOML.Table` when the document is complete.
final class ParsedTable {
    /// How a table came to exist, for the definition rules.
    enum Origin { case header, implicit, dotted }

    var path: [TOML.PathComponent]
    var position: TOML.Position
    var origin: Origin
    private(set) var keys: [String] = []
    private(set) var entries: [String: ParsedEntry] = [:]

    init(path: [TOML.PathComponent], position: TOML.Position, origin: Origin) {
        self.path = path
        self.position = position
        self.origin = origin
    }

    func insert(_ key: String, _ entry: ParsedEntry) {
        keys.append(key)
        entries[key] = entry
    }

    func freeze(file: String?) -> TOML.Table {
        var frozen: [TOML.Table.Entry] = []
        frozen.reserveCapacity(keys.count)
        for key in keys {
            guard let entry = entries[key] else { continue }
            let value: TOML.Value
            switch entry.content {
            case .value(let v):
                value = v
            case .table(let table):
                value = .table(table.freeze(file: file))
            case .arrayOfTables(let tables):
                value = .array(TOML.Array(
                    elements: tables.map { TOML.Element(value: .table($0.freeze(file: file)), position: $0.position) },
                    position: entry.keyPosition, file: file, path: path + [.key(key)]))
            }
            frozen.append(TOML.Table.Entry(
                key: key, value: value, keyPosition: entry.keyPosition, position: entry.valuePosition))
        }
        return TOML.Table(entries: frozen, position: position, file: file, path: path)
    }
}

/// One key of a table under construction.
final class ParsedEntry {
    enum Content {
        /// A finished value: scalars, static arrays and inline tables.
        case value(TOML.Value)
        /// A table made by a header or by dotted keys, still open for more keys.
        case table(ParsedTable)
        /// An array made by `[[header]]` sections.
        case arrayOfTables([ParsedTable])

        var typeDescription: String {
            switch self {
            case .value(let value): value.typeDescription
            case .table: "a table"
            case .arrayOfTables: "an array of tables"
            }
        }
    }

    var keyPosition: TOML.Position
    var valuePosition: TOML.Position
    var content: Content

    init(keyPosition: TOML.Position, valuePosition: TOML.Position, content: Content) {
        self.keyPosition = keyPosition
        self.valuePosition = valuePosition
        self.content = content
    }
}

/// Which key paths may still be defined, by header or by dotted keys (paths without array
/// indices, as in tomli).
struct DefinitionFlags {
    /// Tables defined by a `[header]`, `[[header]]`, or by dotted keys in an earlier section.
    private var explicit: [[String]: TOML.Position] = [:]
    /// Inline tables and static arrays: closed, with everything under them.
    private var frozen: [[String]: TOML.Position] = [:]
    /// Tables made by dotted keys in the current section; closed when the section ends.
    private var pending: [([String], TOML.Position)] = []

    func explicitPosition(_ path: [String]) -> TOML.Position? { explicit[path] }

    func frozenPosition(_ path: [String]) -> TOML.Position? {
        guard !path.isEmpty else { return nil }
        for length in 1...path.count {
            if let position = frozen[Array(path.prefix(length))] { return position }
        }
        return nil
    }

    mutating func setExplicit(_ path: [String], at position: TOML.Position) { explicit[path] = position }
    mutating func setFrozen(_ path: [String], at position: TOML.Position) { frozen[path] = position }
    mutating func addPending(_ path: [String], at position: TOML.Position) { pending.append((path, position)) }

    mutating func finalizePending() {
        for (path, position) in pending where explicit[path] == nil { explicit[path] = position }
        pending.removeAll()
    }

    /// A new `[[path]]` element: the tables under the previous element may be defined again.
    mutating func unsetAll(under path: [String]) {
        explicit = explicit.filter { !$0.key.starts(with: path) }
        frozen = frozen.filter { !$0.key.starts(with: path) }
    }
}
