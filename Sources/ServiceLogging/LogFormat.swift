/// How a daemon (keeper or signer) writes its log lines: the `format` key of its `[log]` section.
public enum LogFormat: String, Sendable, CaseIterable, Hashable {
    /// `key=value` pairs, one event per line: readable in `journalctl` and greppable.
    case logfmt
    /// One JSON object per line: for log shippers (Vector, Promtail, Fluent Bit).
    case json

    /// The format a config value names.
    ///
    /// - Throws: ``LogFormatError`` naming the value and the accepted ones.
    public init(configValue: String) throws(LogFormatError) {
        guard let format = LogFormat(rawValue: configValue) else {
            throw LogFormatError(value: configValue)
        }
        self = format
    }
}

/// A log format name that is not one of ``LogFormat``'s.
public struct LogFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The value that was given.
    public let value: String

    public var description: String {
        let accepted = LogFormat.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ")
        return "log format \"\(value)\" is not known; set format = \(accepted)"
    }
}
