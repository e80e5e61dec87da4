/// Why keys could not be loaded, listed, created or imported.
///
/// The ``kind`` separates what an operator does about it: fix a file's mode or owner (the
/// message carries the exact `chmod`/`chown`), provide a password, restore a keystore, remove a
/// duplicate. Messages name files and addresses, never a password or any key bytes, and the
/// underlying error is kept in ``cause``. Equality compares ``kind`` only.
public struct KeysError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable categories, for callers that branch and for metric labels.
    public enum Kind: String, Hashable, Sendable {
        /// A key file, password file or the keys directory is readable or writable by group or
        /// others.
        case insecurePermissions
        /// A key or password file (or the keys directory) is owned by another user.
        case wrongOwner
        /// A symbolic link, directory or device where a regular file was expected (symbolic links
        /// are refused, not followed).
        case notRegularFile
        /// No password source for a key: no `NAME.password` beside it, no credential, nothing
        /// configured.
        case missingPassword
        /// Both a `NAME.password` file and a systemd credential exist for a key.
        case ambiguousPassword
        /// A password file that is empty (after its one trailing newline) or too large.
        case invalidPasswordFile
        /// The password does not decrypt the keystore.
        case wrongPassword
        /// The keystore file is not a readable keystore (corrupt, unsupported, parameters out of
        /// range, not a valid key).
        case invalidKeystore
        /// The keystore's `address` field names another key than the one it decrypts to.
        case addressMismatch
        /// Two keystores hold the same key.
        case duplicateAddress
        /// The keys directory holds no `*.json` keystore.
        case noKeys
        /// A file that `keys new` or `keys import` would write already exists.
        case alreadyExists
        /// Bad input on the command line or in an input file (a key name, a private key file).
        case invalidInput
        /// The operating system refused (no such file, I/O error, ...); ``cause`` has the errno.
        case fileSystem
    }

    /// The category.
    public let kind: Kind
    /// What was wrong and what to do, without secrets.
    public let message: String
    /// The underlying error (a ``KeystoreError``, an ``OSError``), if any.
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

    /// Whether the error is bad input that the user fixes by changing the command's arguments
    /// (the `signer` command exits with status 2 for these, 1 for other failures).
    public var isUsageError: Bool {
        kind == .invalidInput || kind == .alreadyExists
    }

    public var description: String { message }

    /// A bounded label for metrics: the kind only, no file names or addresses.
    public var shortDescription: String { "keys.\(kind.rawValue)" }

    public static func == (a: KeysError, b: KeysError) -> Bool { a.kind == b.kind }

    public func hash(into hasher: inout Hasher) { hasher.combine(kind) }

    // MARK: Factories

    static func insecure(
        _ path: String, mode: UInt32, isDirectory: Bool, file: String = #fileID, line: Int = #line
    ) -> KeysError {
        let readable = mode & 0o044 != 0
        let writable = mode & 0o022 != 0
        let what =
            switch (readable, writable) {
            case (true, true): "readable and writable"
            case (true, false): "readable"
            case (false, true): "writable"
            case (false, false): "accessible"
            }
        let fix = isDirectory ? "chmod 700" : "chmod 600"
        return KeysError(
            .insecurePermissions,
            "\(path) is \(what) by group or others (mode \(SecureFile.octal(mode))); run: \(fix) \(SecureFile.shellQuoted(path))",
            file: file, line: line)
    }

    static func wrongOwner(_ path: String, owner: UInt32, expected: UInt32, file: String = #fileID, line: Int = #line) -> KeysError {
        KeysError(
            .wrongOwner,
            "\(path) is owned by uid \(owner), not by the signer's user (uid \(expected)); run: chown \(expected) \(SecureFile.shellQuoted(path)) (or run the signer as its owner)",
            file: file, line: line)
    }

    static func os(_ operation: String, _ path: String, errno code: Int32, file: String = #fileID, line: Int = #line) -> KeysError {
        let cause = OSError(errno: code, operation: operation)
        return KeysError(.fileSystem, "cannot \(operation) \(path): \(cause.reason)", cause: cause, file: file, line: line)
    }
}

/// An operating-system error: the errno and the call that returned it.
public struct OSError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The `errno` value.
    public let errno: Int32
    /// What was being done (`open`, `read`, `stat`, ...).
    public let operation: String

    public init(errno: Int32, operation: String) {
        self.errno = errno
        self.operation = operation
    }

    /// `strerror(errno)`.
    public var reason: String { SecureFile.strerror(errno) }

    public var description: String { "\(operation): \(reason) (errno \(errno))" }
}
