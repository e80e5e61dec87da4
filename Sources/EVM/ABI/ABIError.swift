/// Why ABI text, values or bytes were rejected: what kind of problem, where (``ABIPath``), and a
/// message that says what to do.
///
/// Equality compares the kind and the path, not the wording of the message.
public struct ABIError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of problem.
    public enum Kind: String, Hashable, Sendable {
        /// A type name that is not an ABI type (`uint7`, `bytes33`, `foo`).
        case invalidType
        /// A function, event or error signature that does not parse.
        case invalidSignature
        /// A JSON ABI document that does not parse or has an entry of the wrong shape.
        case invalidJSON
        /// A value that does not match its type (wrong case, too wide, wrong length, wrong count).
        case valueMismatch
        /// Argument text (cast style) that does not parse as its type.
        case invalidArgument
        /// The data ends before a value it must contain.
        case truncated
        /// An offset that points outside the data, into the head, or (strict) anywhere but the
        /// next canonical position.
        case invalidOffset
        /// A length that the data cannot hold.
        case invalidLength
        /// Padding bits that must be zero (or a sign extension) are not.
        case dirtyPadding
        /// A bool word other than 0 or 1.
        case invalidBool
        /// A string that is not UTF-8.
        case invalidUTF8
        /// (Strict) bytes after the end of the canonical encoding.
        case trailingBytes
        /// Calldata or revert data whose 4-byte selector is not the expected one.
        case selectorMismatch
        /// Log topics that do not match the event (count or topic0).
        case topicMismatch
        /// A type that this operation does not support (tuples in packed encoding).
        case unsupported
    }

    /// The kind of problem.
    public let kind: Kind
    /// Where the problem is; empty when it is not about one value.
    public internal(set) var path: ABIPath
    /// What was wrong and what to do, without the path.
    public let message: String
    /// The offending input text, for argument-parsing errors.
    public let input: String?
    /// Where the error was raised, for debugging.
    public let file: String
    /// Where the error was raised, for debugging.
    public let line: Int

    init(_ kind: Kind, _ message: String, input: String? = nil, path: ABIPath = ABIPath(), file: String, line: Int) {
        self.kind = kind
        self.message = message
        self.input = input
        self.path = path
        self.file = file
        self.line = line
    }

    /// The path, then the input in quotes when there is one, then the message:
    /// `argument 2 ('tru') is not a bool: expected true or false`,
    /// `argument 3 [1].amount: uint256 word ... has dirty high bits ...`.
    public var description: String {
        let location = path.description
        if let input {
            let quoted = "('\(input.count > 80 ? String(input.prefix(77)) + "..." : input)')"
            return location.isEmpty ? "\(quoted) \(message)" : "\(location) \(quoted) \(message)"
        }
        return location.isEmpty ? message : "\(location): \(message)"
    }

    /// A bounded label for metrics: the kind only, no values.
    public var shortDescription: String { "abi.\(kind.rawValue)" }

    public static func == (a: ABIError, b: ABIError) -> Bool { a.kind == b.kind && a.path == b.path }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(path)
    }

    /// The same error located under `component` (prepended to the path).
    func under(_ component: ABIPath.Component) -> ABIError {
        var copy = self
        copy.path.components.insert(component, at: 0)
        return copy
    }

    static func invalidType(_ message: String, file: String = #fileID, line: Int = #line) -> ABIError {
        ABIError(.invalidType, message, file: file, line: line)
    }
    static func invalidSignature(_ message: String, file: String = #fileID, line: Int = #line) -> ABIError {
        ABIError(.invalidSignature, message, file: file, line: line)
    }
    static func invalidJSON(_ message: String, file: String = #fileID, line: Int = #line) -> ABIError {
        ABIError(.invalidJSON, message, file: file, line: line)
    }
    static func valueMismatch(_ message: String, path: ABIPath = ABIPath(), file: String = #fileID, line: Int = #line) -> ABIError {
        ABIError(.valueMismatch, message, path: path, file: file, line: line)
    }
    static func invalidArgument(_ input: String, _ message: String, file: String = #fileID, line: Int = #line) -> ABIError {
        ABIError(.invalidArgument, message, input: input, file: file, line: line)
    }
    static func decoding(_ kind: Kind, _ message: String, path: ABIPath, file: String = #fileID, line: Int = #line) -> ABIError {
        ABIError(kind, message, path: path, file: file, line: line)
    }
    static func selectorMismatch(_ message: String, file: String = #fileID, line: Int = #line) -> ABIError {
        ABIError(.selectorMismatch, message, file: file, line: line)
    }
    static func topicMismatch(_ message: String, file: String = #fileID, line: Int = #line) -> ABIError {
        ABIError(.topicMismatch, message, file: file, line: line)
    }
    static func unsupported(_ message: String, path: ABIPath = ABIPath(), file: String = #fileID, line: Int = #line) -> ABIError {
        ABIError(.unsupported, message, path: path, file: file, line: line)
    }
}

/// Where a value sits inside an argument list: `argument 2 (orders) [1].amount`.
public struct ABIPath: Hashable, Sendable, CustomStringConvertible {
    /// One step down.
    public enum Component: Hashable, Sendable {
        /// A top-level argument, 0-based, with its name (empty when unnamed).
        case argument(Int, name: String)
        /// An element of an array, 0-based.
        case element(Int)
        /// A component of a tuple, 0-based, with its name (empty when unnamed).
        case field(Int, name: String)
    }

    /// The steps from the argument list down to the value.
    public var components: [Component]

    /// A path of these steps.
    public init(_ components: [Component] = []) { self.components = components }

    /// Whether the path is empty.
    public var isEmpty: Bool { components.isEmpty }

    /// `argument 2 (orders) [1].amount`; arguments are counted from 1, elements and unnamed
    /// fields from 0 (as in Solidity: `[1]`, `.0`).
    public var description: String {
        var head = ""
        var rest = ""
        for component in components {
            switch component {
            case .argument(let index, let name):
                head = name.isEmpty ? "argument \(index + 1)" : "argument \(index + 1) (\(name))"
            case .element(let index):
                rest += "[\(index)]"
            case .field(let index, let name):
                rest += name.isEmpty ? ".\(index)" : ".\(name)"
            }
        }
        let out = head.isEmpty || rest.isEmpty ? head + rest : head + " " + rest
        return out
    }
}
