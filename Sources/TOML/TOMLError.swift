/// Why a TOML document could not be read, or why a loader rejected what it found.
///
/// Every error names the file (when known), the line and, for syntax errors, the column, so an
/// operator can go straight to the spot:
///
///     policies/base.toml:14: key 'contracts.pool.max_value': expected an integer, found a boolean
///     signer.toml:3:17: invalid escape '\q' in a string; ...
///     policies/base.toml:1: missing required key 'chain_id' in [policy]
///
/// Equality compares the kind and the location and message, never the cause.
public struct TOMLError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable categories, for callers that branch and for metric labels.
    public enum Kind: String, Hashable, Sendable {
        // Syntax: the bytes are not TOML 1.0.
        case invalidUTF8
        case invalidCharacter
        case unterminatedString
        case invalidEscape
        case invalidNumber
        case integerOverflow
        case invalidDateTime
        case expectedValue
        case expectedEquals
        case invalidKey
        case trailingCharacters
        case duplicateKey
        case tableRedefinition
        case keyConflict
        // Reading: the document is TOML, but not what the loader expects.
        case missingKey
        case typeMismatch
        case unknownKey
        case invalidValue
        // The file could not be read at all.
        case unreadable

        /// Whether this kind is a syntax error of the document itself (reported with a column).
        public var isSyntax: Bool {
            switch self {
            case .missingKey, .typeMismatch, .unknownKey, .invalidValue, .unreadable: false
            default: true
            }
        }
    }

    /// What kind of problem this is.
    public let kind: Kind
    /// The file the document came from, as given to the loader; `nil` for in-memory text.
    public let file: String?
    /// 1-based line of the offending key, value or table, when known.
    public let line: Int?
    /// 1-based column (in Unicode scalars) of the offending spot, when known.
    public let column: Int?
    /// Dotted path of the key concerned (`contracts.pool.max_value`, `rules[2].to`), when known.
    public let keyPath: String?
    /// What was wrong and, where it helps, what to do about it.
    public let message: String
    /// The underlying error, for example the file system error behind `.unreadable`.
    public let cause: (any Error)?

    /// Makes an error; loaders normally use `TOML.Table.error(key:_:)` instead, which fills in
    /// the file, line and key path.
    public init(
        _ kind: Kind, file: String?, line: Int?, column: Int?, keyPath: String?, message: String,
        cause: (any Error)? = nil
    ) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
        self.cause = cause
    }

    /// `file:line[:column]: [key 'path': ]message[ (cause)]`.
    public var description: String {
        var text = file ?? "<toml>"
        if let line {
            text += ":\(line)"
            if kind.isSyntax, let column { text += ":\(column)" }
        }
        text += ": "
        if let keyPath, kind == .typeMismatch || kind == .invalidValue { text += "key '\(keyPath)': " }
        text += message
        if let cause { text += " (\(cause))" }
        return text
    }

    /// A bounded label for metrics: the kind only, no paths or values.
    public var shortDescription: String { "toml.\(kind.rawValue)" }

    public static func == (a: TOMLError, b: TOMLError) -> Bool {
        a.kind == b.kind && a.file == b.file && a.line == b.line && a.column == b.column
            && a.keyPath == b.keyPath && a.message == b.message
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(file)
        hasher.combine(line)
        hasher.combine(column)
        hasher.combine(keyPath)
        hasher.combine(message)
    }
}
