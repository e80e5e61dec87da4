extension TOML.Table {
    // MARK: Typed accessors

    /// The string at `key`; an error naming the line if it is missing or not a string.
    public func string(_ key: String) throws(TOMLError) -> String {
        try required(key, "a string") { $0.stringValue }
    }

    /// The string at `key`, or `nil` when absent; an error if present but not a string.
    public func optionalString(_ key: String) throws(TOMLError) -> String? {
        try optional(key, "a string") { $0.stringValue }
    }

    /// The integer at `key`; an error if it is missing or not an integer.
    public func int(_ key: String) throws(TOMLError) -> Int {
        try required(key, "an integer") { $0.integerValue.map { Int($0) } }
    }

    /// The integer at `key`, or `nil` when absent.
    public func optionalInt(_ key: String) throws(TOMLError) -> Int? {
        try optional(key, "an integer") { $0.integerValue.map { Int($0) } }
    }

    /// The boolean at `key`; an error if it is missing or not a boolean.
    public func bool(_ key: String) throws(TOMLError) -> Bool {
        try required(key, "a boolean") { $0.boolValue }
    }

    /// The boolean at `key`, or `nil` when absent.
    public func optionalBool(_ key: String) throws(TOMLError) -> Bool? {
        try optional(key, "a boolean") { $0.boolValue }
    }

    /// The number at `key` as a `Double`; integers are accepted (`12` reads as `12.0`).
    public func double(_ key: String) throws(TOMLError) -> Double {
        try required(key, "a number") { $0.doubleValue }
    }

    /// The number at `key` as a `Double`, or `nil` when absent.
    public func optionalDouble(_ key: String) throws(TOMLError) -> Double? {
        try optional(key, "a number") { $0.doubleValue }
    }

    /// The date or time at `key`.
    public func dateTime(_ key: String) throws(TOMLError) -> TOML.DateTime {
        try required(key, "a date or time") { if case .dateTime(let d) = $0 { d } else { nil } }
    }

    /// The date or time at `key`, or `nil` when absent.
    public func optionalDateTime(_ key: String) throws(TOMLError) -> TOML.DateTime? {
        try optional(key, "a date or time") { if case .dateTime(let d) = $0 { d } else { nil } }
    }

    /// The array at `key` (static or of tables); read its items with `strings()`, `tables()`, ...
    public func array(_ key: String) throws(TOMLError) -> TOML.Array {
        try required(key, "an array") { $0.arrayValue }
    }

    /// The array at `key`, or `nil` when absent.
    public func optionalArray(_ key: String) throws(TOMLError) -> TOML.Array? {
        try optional(key, "an array") { $0.arrayValue }
    }

    /// The table at `key` (a `[section]`, a dotted-key table or an inline table).
    public func table(_ key: String) throws(TOMLError) -> TOML.Table {
        try required(key, "a table") { $0.tableValue }
    }

    /// The table at `key`, or `nil` when absent.
    public func optionalTable(_ key: String) throws(TOMLError) -> TOML.Table? {
        try optional(key, "a table") { $0.tableValue }
    }

    /// The tables of the array at `key` (`[[key]]` sections, or a static array of inline tables).
    public func arrayOfTables(_ key: String) throws(TOMLError) -> [TOML.Table] {
        try array(key).tables()
    }

    /// The tables of the array at `key`, or an empty array when absent.
    public func optionalArrayOfTables(_ key: String) throws(TOMLError) -> [TOML.Table] {
        try optionalArray(key)?.tables() ?? []
    }

    /// The value at `key` whatever its type, marking it as read; `nil` when absent.
    public func value(_ key: String) -> TOML.Value? {
        usage.mark(key)
        return self[key]
    }

    // MARK: Unknown keys

    /// Declares keys as known without reading them (for keys a loader deliberately ignores).
    public func markRead(_ keys: String...) {
        for key in keys { usage.mark(key) }
    }

    /// The keys present that no accessor has asked for, in document order.
    public var unreadKeys: [String] {
        let known = usage.all
        return keys.filter { !known.contains($0) }
    }

    /// Fails on the first key of this table that the loader never asked for, naming it, its line
    /// and the keys that are known. Call it after reading every key you support: an unknown key
    /// is usually a typo, and a policy must not silently ignore one.
    public func rejectUnknownKeys() throws(TOMLError) {
        let known = usage.all
        guard let unknown = entries.first(where: { !known.contains($0.key) }) else { return }
        let expected = known.sorted().map(TOML.PathComponent.quotedIfNeeded).joined(separator: ", ")
        let hint = known.isEmpty
            ? "this table takes no keys; remove it"
            : "expected one of: \(expected); remove it or fix its spelling"
        throw TOMLError(
            .unknownKey, file: file, line: unknown.keyPosition.line, column: unknown.keyPosition.column,
            keyPath: TOML.PathComponent.render(path + [.key(unknown.key)]),
            message: "unknown key '\(TOML.PathComponent.quotedIfNeeded(unknown.key))' \(placeDescription); \(hint)")
    }

    // MARK: Errors for loaders

    /// An error about the value at `key`, at its line (or the table's line when absent):
    /// `file:line: key 'path.key': message`. For checks beyond the type, for example
    /// `throw table.error(key: "to", "expected a 0x-prefixed address of 40 hex digits")`.
    public func error(key: String, _ message: String) -> TOMLError {
        let position = entry(key)?.position ?? self.position
        return TOMLError(
            .invalidValue, file: file, line: position.line, column: position.column,
            keyPath: TOML.PathComponent.render(path + [.key(key)]), message: message)
    }

    // MARK: Helpers

    private func required<T>(_ key: String, _ expected: String, _ extract: (TOML.Value) -> T?) throws(TOMLError) -> T {
        guard let value = try optional(key, expected, extract) else {
            throw TOMLError(
                .missingKey, file: file, line: position.line, column: position.column,
                keyPath: TOML.PathComponent.render(path + [.key(key)]),
                message: "missing required key '\(TOML.PathComponent.quotedIfNeeded(key))' \(placeDescription); add it as \(expected)")
        }
        return value
    }

    private func optional<T>(_ key: String, _ expected: String, _ extract: (TOML.Value) -> T?) throws(TOMLError) -> T? {
        usage.mark(key)
        guard let entry = entry(key) else { return nil }
        guard let value = extract(entry.value) else {
            throw TOMLError(
                .typeMismatch, file: file, line: entry.position.line, column: entry.position.column,
                keyPath: TOML.PathComponent.render(path + [.key(key)]),
                message: "expected \(expected), found \(entry.value.typeDescription)")
        }
        return value
    }
}
