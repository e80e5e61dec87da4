import Synchronization

extension TOML {
    /// A table: keys in document order, each with the position of the key and of its value.
    ///
    /// A table is also the reading API for loaders: every typed accessor (`string(_:)`,
    /// `int(_:)`, ...) records the key as known, present or not, and `rejectUnknownKeys()` then
    /// fails on the first key the loader never asked for. Copies of a table share that record,
    /// so a loader may pass the table around freely.
    public struct Table: Sendable, Equatable {
        /// One key of the table.
        public struct Entry: Sendable {
            /// The key itself (one segment; dotted keys become nested tables).
            public let key: String
            /// The value (tables made by headers or dotted keys are `.table`).
            public let value: Value
            /// Where the key was written (for `[[x]]`/`[x]` tables: the header).
            public let keyPosition: Position
            /// Where the value starts.
            public let position: Position
        }

        /// The entries in document order.
        public let entries: [Entry]
        /// Where the table was defined: its `[header]`, its `{`, its first dotted key, or 1:1 for
        /// the document itself.
        public let position: Position
        /// The file the document came from, if known.
        public let file: String?
        let path: [PathComponent]
        private let index: [String: Int]
        let usage: KeyUsage

        init(entries: [Entry], position: Position, file: String?, path: [PathComponent]) {
            self.entries = entries
            self.position = position
            self.file = file
            self.path = path
            var index: [String: Int] = [:]
            for (offset, entry) in entries.enumerated() { index[entry.key] = offset }
            self.index = index
            self.usage = KeyUsage()
        }

        /// An empty table, for tests and defaults.
        public init() {
            self.init(entries: [], position: Position(line: 1, column: 1), file: nil, path: [])
        }

        /// Dotted path of this table (`contracts.pool`, `rules[2]`); empty for the document.
        public var keyPath: String { PathComponent.render(path) }

        /// The keys in document order.
        public var keys: [String] { entries.map(\.key) }

        /// Whether `key` is present. Does not mark it as read.
        public func contains(_ key: String) -> Bool { index[key] != nil }

        /// The entry for `key` with its positions. Does not mark it as read.
        public func entry(_ key: String) -> Entry? { index[key].map { entries[$0] } }

        /// The value for `key`. Does not mark it as read; use the typed accessors in loaders.
        public subscript(key: String) -> Value? { entry(key)?.value }

        /// Compares keys and values in order, not positions.
        public static func == (a: Table, b: Table) -> Bool {
            a.entries.count == b.entries.count
                && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        }

        /// "in [contracts.pool]", or "at the top level" for the document itself.
        var placeDescription: String { path.isEmpty ? "at the top level" : "in [\(keyPath)]" }
    }

    /// The keys a loader asked for, shared by copies of one table.
    final class KeyUsage: Sendable {
        private let known = Mutex<Set<String>>([])

        func mark(_ key: String) { _ = known.withLock { $0.insert(key) } }
        func contains(_ key: String) -> Bool { known.withLock { $0.contains(key) } }
        var all: Set<String> { known.withLock { $0 } }
    }
}
