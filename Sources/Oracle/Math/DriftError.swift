/// Why drift could not be computed, or a stored receipt does not check out.
///
/// Equality compares the kind of failure only; `message` names the feature, field or value.
public struct DriftError: Error, Hashable, CustomStringConvertible, Sendable {
    private enum Code: Hashable, Sendable {
        case invalidHistogram
        case invalidInput
        case invalidReceipt
        case notCanonical
    }

    private let code: Code
    /// What was wrong, with the offending name or value, and what to do.
    public let message: String
    /// Where the error was raised.
    public let file: String
    public let line: Int

    private init(_ code: Code, _ message: String, file: String, line: Int) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    /// A histogram pair that cannot give a PSI (empty, mismatched bin counts, zero total).
    public static func invalidHistogram(_ message: String, file: String = #fileID, line: Int = #line) -> DriftError {
        DriftError(.invalidHistogram, message, file: file, line: line)
    }

    /// Inputs that cannot be written canonically (a duplicate feature name, a non-finite number).
    public static func invalidInput(_ message: String, file: String = #fileID, line: Int = #line) -> DriftError {
        DriftError(.invalidInput, message, file: file, line: line)
    }

    /// A stored receipt whose fields are missing, malformed or inconsistent with each other.
    public static func invalidReceipt(_ message: String, file: String = #fileID, line: Int = #line) -> DriftError {
        DriftError(.invalidReceipt, message, file: file, line: line)
    }

    /// Stored JSON that is not in canonical form (so its hash is not the receipt's hash).
    public static func notCanonical(_ message: String, file: String = #fileID, line: Int = #line) -> DriftError {
        DriftError(.notCanonical, message, file: file, line: line)
    }

    public static func == (a: DriftError, b: DriftError) -> Bool { a.code == b.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// A bounded label for metrics: the kind only, no names or values.
    public var shortDescription: String {
        switch code {
        case .invalidHistogram: "invalid_histogram"
        case .invalidInput: "invalid_input"
        case .invalidReceipt: "invalid_receipt"
        case .notCanonical: "not_canonical"
        }
    }

    public var description: String { "\(shortDescription): \(message) (\(file):\(line))" }
}
