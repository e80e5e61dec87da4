extension TOML {
    /// Parses a duration as config files write it: a non-negative number and a unit, no space
    /// (`"100ms"`, `"5s"`, `"1.5s"`, `"2m"`, `"1h"`). Units: `ms`, `s`, `m`, `h`. Nil when the
    /// text is not such a duration.
    public static func parseDuration(_ text: String) -> Duration? {
        let units: [(suffix: String, milliseconds: Double)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            // "5ms" also ends in "s": the number part must then be a plain number.
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
                number.filter({ $0 == "." }).count <= 1, number.first != ".", number.last != ".",
                let value = Double(number), value.isFinite
            else { continue }
            let milliseconds = value * scale
            guard milliseconds < 1e15 else { return nil }
            return .microseconds(Int64((milliseconds * 1_000).rounded()))
        }
        return nil
    }

    /// How a duration is written back for people: `100ms`, `5s`, `2m`, `1.5s`.
    public static func formatDuration(_ duration: Duration) -> String {
        let ms = Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
        func trimmed(_ v: Double) -> String {
            v == v.rounded() ? String(Int64(v)) : String(v)
        }
        if ms >= 3_600_000, (ms / 3_600_000) == (ms / 3_600_000).rounded() { return trimmed(ms / 3_600_000) + "h" }
        if ms >= 60_000, (ms / 60_000) == (ms / 60_000).rounded() { return trimmed(ms / 60_000) + "m" }
        if ms >= 1_000 { return trimmed(ms / 1_000) + "s" }
        return trimmed(ms) + "ms"
    }
}

extension TOML.Table {
    /// The duration at `key` (`"100ms"`, `"5s"`, `"2m"`, `"1h"`); an error naming the line if it
    /// is missing or not such a string.
    public func duration(_ key: String) throws(TOMLError) -> Duration {
        guard let value = try optionalDuration(key) else {
            _ = try string(key)  // throws the missing-key error
            throw error(key: key, Self.durationHint)
        }
        return value
    }

    /// The duration at `key`, or `nil` when absent.
    public func optionalDuration(_ key: String) throws(TOMLError) -> Duration? {
        markRead(key)
        guard let entry = entry(key) else { return nil }
        guard let text = entry.value.stringValue else {
            throw error(key: key, "found \(entry.value.typeDescription); \(Self.durationHint)")
        }
        guard let value = TOML.parseDuration(text) else {
            throw error(key: key, "'\(text)' is not a duration; \(Self.durationHint)")
        }
        return value
    }

    static let durationHint = "expected a string such as \"100ms\", \"5s\", \"2m\" or \"1h\""
}
