public import Foundation
public import Logging
import EVM

#if canImport(Glibc)
import Glibc
#endif

/// A swift-log handler that writes one line per event to standard error, as `logfmt` or as JSON.
///
/// `logfmt` (the default) reads well in `journalctl` and greps well:
///
///     ts=2026-05-04T12:00:01.250Z level=info msg="tick done" logger=keeper keeper.block=1234 keeper.strategy=twap-push
///
/// `json` writes one object per line with the same fields, which log shippers (Vector,
/// Promtail, Fluent Bit) parse without a grammar:
///
///     {"ts":"2026-05-04T12:00:01.250Z","level":"info","msg":"tick done","logger":"keeper","keeper.block":"1234","keeper.strategy":"twap-push"}
///
/// Fields come in this order: `ts` (RFC 3339, UTC, milliseconds), `level` (swift-log's names:
/// trace, debug, info, notice, warning, error, critical), `msg`, `logger` (the logger's label),
/// then the metadata sorted by key. Metadata is merged as swift-log does: the handler's (set on
/// the logger), then the metadata provider's, then the message's own, a later one winning on the
/// same key; an error passed to the log call adds `error.message` and `error.type`. A metadata
/// key equal to one of the four fixed field names is written with a leading underscore (`_msg`).
/// In logfmt a nested dictionary is flattened into dotted keys and an array is written as
/// `[a,b]`; in JSON they stay an object and an array. Every value is written as a string.
///
/// Under systemd, journald stores each stderr line as one entry and adds its own receive
/// timestamp; the `ts` field is the time the event happened in the daemon, which stays right when
/// lines are shipped elsewhere or replayed.
public struct ServiceLogHandler: LogHandler {
    /// The logger's label, written as `logger=`.
    public let label: String
    public let format: LogFormat
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata
    public var metadataProvider: Logger.MetadataProvider?
    private let sink: LogLineSink
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - sink: where lines go; standard error by default.
    ///   - now: the clock for `ts`; tests pass a fixed one.
    public init(
        label: String,
        format: LogFormat,
        level: Logger.Level = .info,
        metadata: Logger.Metadata = [:],
        metadataProvider: Logger.MetadataProvider? = nil,
        sink: LogLineSink = .standardError,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.metadata = metadata
        self.metadataProvider = metadataProvider
        self.sink = sink
        self.now = now
    }

    /// A factory for `LoggingSystem.bootstrap`: every logger the process makes writes through a
    /// `ServiceLogHandler` with these settings.
    public static func factory(
        format: LogFormat,
        level: Logger.Level = .info,
        metadata: Logger.Metadata = [:],
        sink: LogLineSink = .standardError
    ) -> @Sendable (String, Logger.MetadataProvider?) -> any LogHandler {
        { label, provider in
            ServiceLogHandler(
                label: label, format: format, level: level, metadata: metadata, metadataProvider: provider,
                sink: sink)
        }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty {
            merged.merge(provided) { _, provided in provided }
        }
        if let explicit = event.metadata, !explicit.isEmpty {
            merged.merge(explicit) { _, explicit in explicit }
        }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        sink.write(
            Self.line(
                format: format, time: now(), level: event.level, message: event.message.description,
                label: label, metadata: merged))
    }

    // MARK: Formatting

    /// The fixed fields, in the order they are written.
    static let fixedFields: Set<String> = ["ts", "level", "msg", "logger"]

    /// One complete line, newline included.
    static func line(
        format: LogFormat, time: Date, level: Logger.Level, message: String, label: String,
        metadata: Logger.Metadata
    ) -> String {
        let ts = rfc3339(time)
        let keys = metadata.keys.sorted()
        var out = ""
        switch format {
        case .logfmt:
            out += "ts=\(ts) level=\(level.rawValue) msg="
            appendLogfmtValue(message, to: &out)
            out += " logger="
            appendLogfmtValue(label, to: &out)
            for key in keys {
                guard let value = metadata[key] else { continue }
                appendLogfmt(key: Self.fixedFields.contains(key) ? "_" + key : key, value: value, to: &out)
            }
        case .json:
            out += "{\"ts\":\"\(ts)\",\"level\":\"\(level.rawValue)\",\"msg\":"
            appendJSONString(message, to: &out)
            out += ",\"logger\":"
            appendJSONString(label, to: &out)
            for key in keys {
                guard let value = metadata[key] else { continue }
                out += ","
                appendJSONString(Self.fixedFields.contains(key) ? "_" + key : key, to: &out)
                out += ":"
                appendJSON(value, to: &out)
            }
            out += "}"
        }
        out += "\n"
        return out
    }

    private static func appendLogfmt(key: String, value: Logger.MetadataValue, to out: inout String) {
        if case .dictionary(let dictionary) = value {
            for subkey in dictionary.keys.sorted() {
                guard let subvalue = dictionary[subkey] else { continue }
                appendLogfmt(key: key + "." + subkey, value: subvalue, to: &out)
            }
            return
        }
        out += " "
        appendLogfmtKey(key, to: &out)
        out += "="
        appendLogfmtValue(plainText(value), to: &out)
    }

    /// A value as one line of text: strings as they are, arrays as `[a,b]`, dictionaries as
    /// `{k=v,...}` with sorted keys.
    private static func plainText(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let array): "[" + array.map(plainText).joined(separator: ",") + "]"
        case .dictionary(let dictionary):
            "{" + dictionary.keys.sorted().map { "\($0)=\(dictionary[$0].map(plainText) ?? "")" }
                .joined(separator: ",") + "}"
        }
    }

    /// A logfmt key: characters that would end or split the key (space, `=`, `"`, control
    /// characters) become `_`; an empty key becomes `_`.
    static func appendLogfmtKey(_ key: String, to out: inout String) {
        guard !key.isEmpty else {
            out += "_"
            return
        }
        for scalar in key.unicodeScalars {
            if scalar.value <= 0x20 || scalar.value == 0x7F || scalar == "=" || scalar == "\"" {
                out += "_"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }

    /// A logfmt value: bare when it is a plain token, otherwise a JSON string literal (`\\`, `\"`,
    /// `\n`, `\r`, `\t` and `\uXXXX` escapes, U+2028 and U+2029 included), so a value never
    /// breaks the line.
    static func appendLogfmtValue(_ value: String, to out: inout String) {
        let needsQuotes =
            value.isEmpty
            || value.unicodeScalars.contains {
                $0.value <= 0x20 || $0.value == 0x7F || $0 == "=" || $0 == "\"" || $0 == "\\"
                    || $0.properties.isWhitespace
            }
        guard needsQuotes else {
            out += value
            return
        }
        // The quoted form is a JSON string literal (logfmt readers unquote it as one).
        appendJSONString(value, to: &out)
    }

    private static func appendJSON(_ value: Logger.MetadataValue, to out: inout String) {
        switch value {
        case .string(let string): appendJSONString(string, to: &out)
        case .stringConvertible(let convertible): appendJSONString(convertible.description, to: &out)
        case .array(let array):
            out += "["
            for (index, element) in array.enumerated() {
                if index > 0 { out += "," }
                appendJSON(element, to: &out)
            }
            out += "]"
        case .dictionary(let dictionary):
            out += "{"
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                appendJSONString(key, to: &out)
                out += ":"
                if let element = dictionary[key] { appendJSON(element, to: &out) } else { out += "null" }
            }
            out += "}"
        }
    }

    /// A JSON string literal (``JSONValue/writeString(_:to:)``: control characters, U+2028 and
    /// U+2029 escaped, so a line is also valid JavaScript and never split).
    static func appendJSONString(_ value: String, to out: inout String) {
        JSONValue.writeString(value, to: &out)
    }


    /// `time` as RFC 3339 in UTC with milliseconds (truncated): `2026-05-04T12:00:01.250Z`.
    public static func rfc3339(_ time: Date) -> String {
        let interval = time.timeIntervalSince1970
        var seconds = interval.rounded(.down)
        var millis = Int(((interval - seconds) * 1000).rounded(.down))
        if millis >= 1000 {
            seconds += 1
            millis -= 1000
        }
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return pad(parts.tm_year + 1900, 4) + "-" + pad(parts.tm_mon + 1, 2) + "-" + pad(parts.tm_mday, 2) + "T"
            + pad(parts.tm_hour, 2) + ":" + pad(parts.tm_min, 2) + ":" + pad(parts.tm_sec, 2) + "."
            + pad(Int32(millis), 3) + "Z"
    }
}
