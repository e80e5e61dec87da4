/// Why a policy is not approved, or an approval could not be made or recorded. Messages say what
/// to run. Never carries key material or passwords.
///
/// Equality compares the kind only.
public struct ApprovalError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable categories, for callers that branch and for metric labels.
    public enum Kind: String, Hashable, Sendable {
        /// The policy's current bytes carry fewer valid approvals than the threshold.
        case notApproved
        /// The policy file itself does not load (the cause is a ``PolicyError``).
        case invalidPolicy
        /// A signature that does not recover, or recovers to another address than claimed.
        case invalidSignature
        /// A signature from a key that is not a listed operator.
        case unlistedOperator
        /// The approvals file beside the policy is malformed.
        case malformedApprovals
        /// A file could not be read or written.
        case io
        /// The operator list or threshold is unusable.
        case invalidRequirement
        /// The operator's keystore or password could not be used.
        case keystore
    }

    public let kind: Kind
    public let message: String
    /// The underlying error, such as the ``PolicyError`` of an invalid policy.
    public let cause: (any Error & Sendable)?
    /// Where in our code the error was raised.
    public let source: String

    init(_ kind: Kind, _ message: String, cause: (any Error & Sendable)? = nil, fileID: String = #fileID, line: Int = #line) {
        self.kind = kind
        self.message = message
        self.cause = cause
        self.source = "\(fileID):\(line)"
    }

    public var description: String { message }

    /// A bounded label for metrics: `approval.not_approved`.
    public var shortDescription: String { "approval.\(kind.rawValue)" }

    public static func == (a: ApprovalError, b: ApprovalError) -> Bool { a.kind == b.kind }
    public func hash(into hasher: inout Hasher) { hasher.combine(kind) }
}
