/// Why typed data (EIP-712) could not be read or encoded.
///
/// Messages name the place at fault as a path into the document (`message.cc[1].wallet`) and say
/// what was expected. Equality compares ``kind`` only.
public struct TypedDataError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable categories, for callers that branch and for metric labels.
    public enum Kind: String, Hashable, Sendable {
        /// The document is not JSON, or not shaped like typed data (`types`, `domain`, `message`).
        case invalidDocument
        /// The type definitions are wrong: an unknown or malformed type, a duplicate field, an
        /// unknown domain field, no single primary type.
        case invalidTypes
        /// A value does not fit its declared type: wrong JSON kind, out of range, wrong length,
        /// bad hex or checksum, missing or extra field.
        case invalidValue
    }

    /// The category.
    public let kind: Kind
    /// What was wrong, where, and what to do.
    public let message: String
    /// The underlying error (a JSON syntax error, an address checksum error), if any.
    public let cause: (any Error)?
    /// Where the error was raised, for bug reports.
    public let file: String
    public let line: Int

    init(_ kind: Kind, _ message: String, cause: (any Error)? = nil, file: String = #fileID, line: Int = #line) {
        self.kind = kind
        self.message = message
        self.cause = cause
        self.file = file
        self.line = line
    }

    static func document(_ message: String, cause: (any Error)? = nil, file: String = #fileID, line: Int = #line) -> TypedDataError {
        TypedDataError(.invalidDocument, "invalid typed data: \(message)", cause: cause, file: file, line: line)
    }

    static func types(_ message: String, file: String = #fileID, line: Int = #line) -> TypedDataError {
        TypedDataError(.invalidTypes, "invalid typed-data types: \(message)", file: file, line: line)
    }

    static func value(_ path: String, _ message: String, cause: (any Error)? = nil, file: String = #fileID, line: Int = #line)
        -> TypedDataError
    {
        TypedDataError(.invalidValue, "invalid typed-data value at \(path): \(message)", cause: cause, file: file, line: line)
    }

    public var description: String { message }

    /// A bounded label for metrics: the kind only.
    public var shortDescription: String { "typedData.\(kind.rawValue)" }

    public static func == (a: TypedDataError, b: TypedDataError) -> Bool { a.kind == b.kind }

    public func hash(into hasher: inout Hasher) { hasher.combine(kind) }
}
