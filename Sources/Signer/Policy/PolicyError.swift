/// Why a policy could not be loaded or built: what kind of problem, where (file, line, key) and a
/// message that says what to change.
///
/// Equality compares the kind, file, line and key, not the wording of the message.
public struct PolicyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable categories, for callers that branch and for metric labels.
    public enum Kind: String, Hashable, Sendable {
        /// The file could not be read.
        case io
        /// The TOML does not parse.
        case syntax
        /// A key the schema does not know (often a typo).
        case unknownKey
        /// A required key is missing.
        case missingKey
        /// A value of the wrong type or out of range.
        case badValue
        /// The same contract, function, account or window twice.
        case duplicate
        /// A function signature that does not parse, or an argument that does not exist in it.
        case badSignature
        /// A schema version this signer does not read.
        case unsupportedSchema
    }

    public let kind: Kind
    /// The policy file's base name (or the name given to the in-memory text).
    public let file: String
    /// The 1-based line of the offending key or value, when known.
    public let line: Int?
    /// The dotted key path, such as `contract[1].function[0].signature`.
    public let key: String?
    /// What was wrong and what to do.
    public let message: String
    /// Where in our code the error was raised.
    public let source: String

    init(_ kind: Kind, file: String, line: Int?, key: String?, _ message: String, fileID: String = #fileID, sourceLine: Int = #line) {
        self.kind = kind
        self.file = file
        self.line = line
        self.key = key
        self.message = message
        self.source = "\(fileID):\(sourceLine)"
    }

    /// `demo.toml:12: contract[0].function[1].signature: ...`.
    public var description: String {
        var out = file
        if let line { out += ":\(line)" }
        if let key { out += ": \(key)" }
        return out + ": " + message
    }

    /// A bounded label for metrics: `policy.unknown_key`.
    public var shortDescription: String { "policy.\(kind.rawValue)" }

    public static func == (a: PolicyError, b: PolicyError) -> Bool {
        a.kind == b.kind && a.file == b.file && a.line == b.line && a.key == b.key
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(file)
        hasher.combine(line)
        hasher.combine(key)
    }
}
