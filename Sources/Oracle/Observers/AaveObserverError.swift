/// Why the Aave observer could not produce an observation this tick (a single user's failed read
/// is a problem noted in the observation instead).
public struct AaveObserverError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: String, Sendable {
        case reserves, users, discovery
    }

    private let code: Code
    /// What went wrong and what to do about it.
    public let message: String
    public let cause: (any Error)?
    public let file: String
    public let line: Int

    private init(_ code: Code, _ message: String, cause: (any Error)?, file: String, line: Int) {
        self.code = code
        self.message = message
        self.cause = cause
        self.file = file
        self.line = line
    }

    /// The pool's reserves, prices or cost parameters could not be read.
    public static func reserves(_ message: String, cause: (any Error)? = nil, file: String = #fileID, line: Int = #line) -> Self {
        Self(.reserves, message, cause: cause, file: file, line: line)
    }

    /// The users' positions could not be read.
    public static func users(_ message: String, cause: (any Error)? = nil, file: String = #fileID, line: Int = #line) -> Self {
        Self(.users, message, cause: cause, file: file, line: line)
    }

    /// Discovery failed and there are no enrolled users to fall back on.
    public static func discovery(_ message: String, cause: (any Error)? = nil, file: String = #fileID, line: Int = #line) -> Self {
        Self(.discovery, message, cause: cause, file: file, line: line)
    }

    /// A bounded label for metrics (no addresses, no amounts).
    public var shortDescription: String { "aave.\(code.rawValue)" }

    public var description: String { "aave observer: \(message)" + (cause.map { " (cause: \($0))" } ?? "") }

    public static func == (a: Self, b: Self) -> Bool { a.code == b.code }
}
