/// Why a keystore could not be read, decrypted or written.
///
/// The ``kind`` separates the cases an operator acts on differently: a wrong password (retry),
/// a corrupt or unsupported file (restore it from backup), parameters beyond this program's
/// limits (re-encrypt the key with standard parameters), a decrypted key that is not a valid
/// secp256k1 key. Messages never contain the password or any key bytes. Equality compares
/// ``kind`` only, so `catch let e as KeystoreError where e.kind == .wrongPassword` reads well.
public struct KeystoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable categories, for callers that branch and for metric labels.
    public enum Kind: String, Hashable, Sendable {
        /// The MAC does not match: the password is wrong (or the ciphertext or MAC was altered).
        case wrongPassword
        /// Not a readable keystore: invalid JSON, a missing or mistyped field, bad hex, wrong
        /// lengths, or an `address` field that does not match the decrypted key.
        case corruptFile
        /// Valid JSON in a format this program does not implement: another version, KDF, PRF or
        /// cipher.
        case unsupportedFormat
        /// KDF parameters beyond the bounds in ``Keystore/Limits`` (protection against files that
        /// would make us allocate gigabytes or compute for hours).
        case parametersOutOfRange
        /// The decrypted bytes are not a secp256k1 private key (zero, or not below the order).
        case invalidKey
        /// libcrypto failed (for example, out of memory); the file may be fine.
        case cryptoFailure
    }

    /// The category.
    public let kind: Kind
    /// What was wrong and what to do, without secrets.
    public let message: String
    /// The underlying error, if any (a JSON syntax error, a libcrypto error queue entry, ...).
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

    static func wrongPassword(file: String = #fileID, line: Int = #line) -> KeystoreError {
        KeystoreError(
            .wrongPassword,
            "wrong password: the keystore's MAC does not match the key derived from it (if the password is right, the file's ciphertext or MAC was altered)",
            file: file, line: line)
    }

    static func corrupt(_ what: String, cause: (any Error)? = nil, file: String = #fileID, line: Int = #line) -> KeystoreError {
        KeystoreError(.corruptFile, "corrupt keystore: \(what); restore the file from a backup", cause: cause, file: file, line: line)
    }

    static func unsupported(_ what: String, file: String = #fileID, line: Int = #line) -> KeystoreError {
        KeystoreError(
            .unsupportedFormat,
            "unsupported keystore: \(what); only Web3 Secret Storage v3 with scrypt or pbkdf2 (hmac-sha256) and aes-128-ctr is read",
            file: file, line: line)
    }

    static func outOfRange(_ what: String, file: String = #fileID, line: Int = #line) -> KeystoreError {
        KeystoreError(
            .parametersOutOfRange,
            "keystore parameters out of range: \(what); re-encrypt the key with standard parameters (scrypt n=262144 r=8 p=1)",
            file: file, line: line)
    }

    static func invalidKey(file: String = #fileID, line: Int = #line) -> KeystoreError {
        KeystoreError(
            .invalidKey,
            "the keystore decrypts (MAC ok) to bytes that are not a valid secp256k1 private key (zero or not below the curve order)",
            file: file, line: line)
    }

    static func crypto(_ operation: String, file: String = #fileID, line: Int = #line) -> KeystoreError {
        KeystoreError(.cryptoFailure, "libcrypto failed in \(operation) (out of memory?); retry, and report it if it persists", file: file, line: line)
    }

    public var description: String { message }

    /// A bounded label for metrics: the kind only, no file names, addresses or amounts.
    public var shortDescription: String { "keystore.\(kind.rawValue)" }

    public static func == (a: KeystoreError, b: KeystoreError) -> Bool { a.kind == b.kind }

    public func hash(into hasher: inout Hasher) { hasher.combine(kind) }
}
