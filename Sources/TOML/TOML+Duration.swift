extension TOML {
    /// Parses a duration as config files write them: a whole number and a unit, `ms`, `s`, `m`,
    /// `h` or `d` (`"250ms"`, `"5s"`, `"2m"`, `"24h"`, `"7d"`). Nil for anything else (no
    /// fractions, no bare numbers: a duration without a unit is ambiguous).
    public static func duration(_ text: String) -> Duration? {
        let units: [(suffix: String, seconds: Int64, isMilliseconds: Bool)] = [
            ("ms", 0, true), ("s", 1, false), ("m", 60, false), ("h", 3_600, false), ("d", 86_400, false),
        ]
        for unit in units where text.hasSuffix(unit.suffix) {
            let digits = text.dropLast(unit.suffix.count)
            // "5ms" also ends in "s": only take the unit whose prefix is all digits.
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int64(digits) else { continue }
            if unit.isMilliseconds { return .milliseconds(n) }
            let (seconds, overflow) = n.multipliedReportingOverflow(by: unit.seconds)
            return overflow ? nil : .seconds(seconds)
        }
        return nil
    }
}

extension TOML.Table {
    /// The duration at `key` (a string such as `"5s"`, see ``TOML/duration(_:)``).
    public func duration(_ key: String) throws(TOMLError) -> Duration {
        guard let value = try optionalDuration(key) else {
            _ = try string(key)  // reports the missing key in the usual words
            throw error(key: key, "expected a duration such as \"5s\"")
        }
        return value
    }

    /// The duration at `key`, or nil when absent; an error naming the line when it is not a
    /// duration.
    public func optionalDuration(_ key: String) throws(TOMLError) -> Duration? {
        guard let text = try optionalString(key) else { return nil }
        guard let value = TOML.duration(text) else {
            throw error(key: key, "'\(text)' is not a duration; write a whole number and a unit: \"250ms\", \"5s\", \"2m\", \"24h\" or \"7d\"")
        }
        return value
    }
}

extension TOML {
    /// A duration written back for people in the units ``duration(_:)`` reads: the largest unit
    /// that divides it (`"250ms"`, `"5s"`, `"2m"`, `"24h"`, `"7d"`).
    public static func formatDuration(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
        for (suffix, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)] where ms >= size && ms % size == 0 {
            return "\(ms / size)\(suffix)"
        }
        return "\(ms)ms"
    }
}
