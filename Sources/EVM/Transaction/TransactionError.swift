/// Why a transaction could not be decoded, signed or accepted.
///
/// ``kind`` is a stable category to branch on; ``field`` names the transaction field at fault
/// (`"nonce"`, `"to"`, `"accessList[1].storageKeys[0]"`, ...) when there is one; ``message`` says
/// what was wrong in words a person can act on. Two errors are equal when their kind and field
/// are: the message and the cause are for people.
public struct TransactionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable categories, for callers that branch and for metric labels.
    public enum Kind: String, Hashable, Sendable {
        /// The bytes are not a transaction envelope: empty, a byte string, or not canonical RLP.
        case malformed
        /// A typed envelope whose type byte this library does not decode.
        case unsupportedType
        /// The transaction list has too few or too many fields.
        case fieldCount
        /// A field has the wrong RLP shape, a non-canonical integer, or the wrong size.
        case invalidField
        /// A legacy `v` that encodes no chain id (not 27, 28, or at least 35), or a chain id
        /// beyond 64 bits.
        case invalidChainID
        /// The transaction is for another chain than the one the caller expects.
        case chainIDMismatch
        /// r or s out of range (zero, at least n, or a high s forbidden by EIP-2), or a y parity
        /// that is not 0 or 1.
        case invalidSignature
        /// No public key recovers from the signature and the signing hash.
        case recoveryFailed
        /// libsecp256k1 refused to sign.
        case signingFailed
        /// Well formed, but outside a protocol rule checked by ``Transaction/validate()``.
        case invalidTransaction
    }

    /// What went wrong, as a stable category.
    public let kind: Kind
    /// The field at fault, when one is.
    public let field: String?
    /// What was wrong and, where it helps, what to do about it.
    public let message: String
    /// The lower-level error this one wraps (an ``RLPError`` or a ``SigningError``), if any.
    public let cause: (any Error & Sendable)?

    init(_ kind: Kind, field: String? = nil, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.kind = kind
        self.field = field
        self.message = message
        self.cause = cause
    }

    /// The message, prefixed with the field it concerns.
    public var description: String {
        field.map { "invalid transaction field '\($0)': \(message)" } ?? "invalid transaction: \(message)"
    }

    /// A bounded label for metrics: the kind and the field name, never a value.
    public var shortDescription: String {
        field.map { "\(kind.rawValue).\($0.prefix { $0 != "[" })" } ?? kind.rawValue
    }

    /// Equal when kind and field are; messages and causes are not compared.
    public static func == (a: TransactionError, b: TransactionError) -> Bool {
        a.kind == b.kind && a.field == b.field
    }

    /// Hashes kind and field, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(field)
    }
}
