public import EVM
public import Logging

/// The signer's keys directory: Keystore V3 files (`NAME.json`), each with one password.
///
/// ```text
/// keys/                  mode 0700 (0711 allowed), owned by the signer's user
///   keeper.json          mode 0600: the keystore
///   keeper.password      mode 0600: its password, one line (or a systemd credential 'keeper')
/// ```
///
/// ## Where a key's password comes from
/// For the key `NAME.json`, in this order:
/// 1. the source configured for `NAME` in ``passwords`` (a file path, or a credential name);
/// 2. otherwise `NAME.password` beside the keystore, or the systemd credential
///    `$CREDENTIALS_DIRECTORY/NAME` (from `LoadCredential=NAME:/path`). If both exist the load
///    fails rather than guess.
///
/// Passwords never come from the command line or from an environment variable's value: the only
/// variable read is `CREDENTIALS_DIRECTORY`, a directory path set by systemd. One trailing `\n`
/// in a password file is ignored (only one: other whitespace is part of the password). Password
/// bytes are read straight into a ``SecretBytes`` and zeroed as soon as the key is decrypted.
///
/// ## Checks
/// Every key and password file must be a regular file (symbolic links are refused, see
/// ``SecureFile``), owned by the signer's user (credentials may also be owned by root), with no
/// permission bits for group or others; the directory must not be readable or writable by group
/// or others. A refusal names the file, its mode and the command that fixes it:
/// `keys/keeper.json is readable by group or others (mode 0644); run: chmod 600 keys/keeper.json`.
///
/// ## Loading
/// ``load(logger:)`` decrypts every key once, checks that each keystore's `address` field (if any)
/// matches its key and that no two files hold the same key, and returns a ``KeySet``. Files whose
/// names start with `.` are ignored, as is everything not ending in `.json`.
public struct KeyStoreDirectory: Sendable {
    /// Where one key's password comes from.
    public enum PasswordSource: Hashable, Sendable, CustomStringConvertible {
        /// A file holding the password on one line.
        case file(String)
        /// A systemd credential of this name, read from `$CREDENTIALS_DIRECTORY/NAME`.
        case credential(String)

        public var description: String {
            switch self {
            case .file(let path): "password file \(path)"
            case .credential(let name): "systemd credential '\(name)'"
            }
        }
    }

    /// The directory's path.
    public var path: String
    /// `$CREDENTIALS_DIRECTORY`, where systemd puts the credentials of `LoadCredential=`; nil when
    /// not run by systemd with credentials.
    public var credentialsDirectory: String?
    /// Password sources configured per key name (the file name without `.json`); keys not listed
    /// use `NAME.password` or the credential `NAME`.
    public var passwords: [String: PasswordSource]

    /// A keys directory with explicit settings (tests use this one).
    public init(path: String, credentialsDirectory: String? = nil, passwords: [String: PasswordSource] = [:]) {
        self.path = path
        self.credentialsDirectory = credentialsDirectory
        self.passwords = passwords
    }

    /// A keys directory whose credentials directory is taken from `environment`'s
    /// `CREDENTIALS_DIRECTORY` (pass `ProcessInfo.processInfo.environment` or the C environment).
    public init(path: String, environment: [String: String], passwords: [String: PasswordSource] = [:]) {
        let credentials = environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 }
        self.init(path: path, credentialsDirectory: credentials, passwords: passwords)
    }

    // MARK: Names and paths

    /// The keystore names (file names without `.json`) in the directory, sorted.
    public func keyNames() throws(KeysError) -> [String] {
        try SecureFile.entries(of: path).compactMap { name in
            guard name.hasSuffix(".json"), !name.hasPrefix("."), name.count > 5 else { return nil }
            return String(name.dropLast(5))
        }
    }

    /// The path of the keystore `name`.
    public func keystorePath(_ name: String) -> String { SecureFile.joined(path, name + ".json") }

    /// Where the password of key `name` comes from, and the path to read it from.
    ///
    /// - Throws: ``KeysError`` `.missingPassword` when there is none, `.ambiguousPassword` when both
    ///   `NAME.password` and the credential `NAME` exist.
    public func passwordLocation(forKey name: String) throws(KeysError) -> (source: PasswordSource, path: String) {
        if let configured = passwords[name] {
            switch configured {
            case .file(let file):
                return (configured, file)
            case .credential(let credential):
                guard let credentialsDirectory else {
                    throw KeysError(
                        .missingPassword,
                        "the password of \(keystorePath(name)) is configured as systemd credential '\(credential)', but CREDENTIALS_DIRECTORY is not set; run the signer under systemd with LoadCredential=\(credential):/path/to/password")
                }
                return (configured, SecureFile.joined(credentialsDirectory, credential))
            }
        }
        let beside = SecureFile.joined(path, name + ".password")
        let hasFile = try SecureFile.status(of: beside) != nil
        var credential: String?
        if let credentialsDirectory {
            let candidate = SecureFile.joined(credentialsDirectory, name)
            if try SecureFile.status(of: candidate) != nil { credential = candidate }
        }
        switch (hasFile, credential) {
        case (true, nil):
            return (.file(beside), beside)
        case (false, .some(let credentialPath)):
            return (.credential(name), credentialPath)
        case (true, .some(let credentialPath)):
            throw KeysError(
                .ambiguousPassword,
                "\(keystorePath(name)) has two passwords: \(beside) and the systemd credential \(credentialPath); remove one, or configure which one to use")
        case (false, nil):
            let credentialHint =
                credentialsDirectory == nil
                ? "or, under systemd, LoadCredential=\(name):/path/to/password"
                : "or a systemd credential '\(name)' in \(credentialsDirectory ?? "")"
            throw KeysError(
                .missingPassword,
                "no password for \(keystorePath(name)): create \(beside) (mode 0600, the password on one line), \(credentialHint)")
        }
    }

    // MARK: Loading

    /// Decrypts every keystore in the directory, once.
    ///
    /// Logs each loaded key's address and file at `info` level (never its password or bytes).
    ///
    /// - Throws: ``KeysError``: the first problem found (insecure mode or owner, missing or wrong
    ///   password, corrupt keystore, address mismatch, duplicate key, no keys at all).
    public func load(logger: Logger = Logger(label: "signer.keys")) throws(KeysError) -> KeySet {
        try SecureFile.checkDirectory(path)
        let names = try keyNames()
        guard !names.isEmpty else {
            throw KeysError(.noKeys, "no keystore (*.json) in \(path); create one with: signer keys new --dir \(SecureFile.shellQuoted(path)) --name NAME")
        }
        var loaded: [(key: PrivateKey, file: String)] = []
        for name in names {
            let key = try loadKey(name)
            loaded.append((key, keystorePath(name)))
        }
        let set = try KeySet(loaded)
        for entry in set.entries {
            logger.info(
                "loaded key",
                metadata: ["signer.key.address": "\(entry.address.checksummed)", "signer.key.file": "\(entry.file)"])
        }
        return set
    }

    /// Reads, checks and decrypts the keystore `name` (its files are checked; the directory is
    /// checked by ``load(logger:)``, not here).
    public func loadKey(_ name: String) throws(KeysError) -> PrivateKey {
        let file = keystorePath(name)
        var keystore = try readKeystore(file)
        let (source, passwordPath) = try passwordLocation(forKey: name)
        var password = try SecureFile.readSecret(at: passwordPath, allowRootOwner: isCredential(source))
        password.dropOneTrailingNewline()
        guard !password.isEmpty else {
            throw KeysError(
                .invalidPasswordFile, "the \(source) for \(file) is empty; it must hold the password on one line")
        }

        // Decrypt without the unauthenticated address field, then compare, so that a mismatch is
        // reported as such rather than as a corrupt file.
        let claimed = keystore.address
        keystore.address = nil
        let key: PrivateKey
        do {
            key = try password.withUnsafeBytes { (bytes) throws(KeystoreError) in try keystore.decrypt(password: bytes) }
        } catch where error.kind == .wrongPassword {
            throw KeysError(
                .wrongPassword,
                "wrong password for \(file): the \(source) does not decrypt it; check that it holds this key's password on one line (one trailing newline is ignored)",
                cause: error)
        } catch {
            throw KeysError(.invalidKeystore, "\(file) cannot be decrypted: \(error.message)", cause: error)
        }
        if let claimed, claimed != key.address {
            throw KeysError(
                .addressMismatch,
                "\(file) says it holds \(claimed.checksummed) but decrypts to the key of \(key.address.checksummed); the file was altered or mislabelled: restore it from a backup, or correct its address field")
        }
        return key
    }

    /// Reads a password file with the same checks as a key's (regular file, owned by this user,
    /// mode 0600 or stricter), dropping one trailing newline.
    ///
    /// - Throws: ``KeysError``; `.invalidPasswordFile` when it is empty or too large.
    public static func readPasswordFile(_ path: String) throws(KeysError) -> SecretBytes {
        var password = try SecureFile.readSecret(at: path)
        password.dropOneTrailingNewline()
        guard !password.isEmpty else {
            throw KeysError(.invalidPasswordFile, "the password file \(path) is empty; it must hold the password on one line")
        }
        return password
    }

    private func readKeystore(_ file: String, checkingOwnerAndMode: Bool = true) throws(KeysError) -> Keystore {
        let bytes = try SecureFile.readKeystore(at: file, checkingOwnerAndMode: checkingOwnerAndMode)
        do {
            return try Keystore(jsonBytes: bytes)
        } catch {
            throw KeysError(.invalidKeystore, "\(file) is not a usable keystore: \(error.message)", cause: error)
        }
    }

    private func isCredential(_ source: PasswordSource) -> Bool {
        if case .credential = source { return true }
        return false
    }

    // MARK: Listing

    /// One keystore as ``list()`` sees it, without decrypting anything.
    public struct ListedKey: Sendable {
        /// The key's name (file name without `.json`).
        public let name: String
        /// The keystore's path.
        public let file: String
        /// The keystore's `address` field: unverified until the key is decrypted; nil when the file
        /// has none or cannot be read.
        public let address: Address?
        /// Where its password would come from, if that could be determined.
        public let passwordSource: PasswordSource?
        /// Every problem found: the keystore file's mode or owner, its JSON, the password file's
        /// mode or owner, a missing password. Empty when the key would be loaded (given the right
        /// password).
        public let problems: [KeysError]

        /// Whether no problem was found.
        public var isUsable: Bool { problems.isEmpty }
    }

    /// What ``list()`` found.
    public struct Listing: Sendable {
        /// Why the directory itself would be refused, if it would.
        public let directoryProblem: KeysError?
        /// The keystores, sorted by name.
        public let keys: [ListedKey]

        /// Whether the directory and every key passed the checks.
        public var isUsable: Bool { directoryProblem == nil && keys.allSatisfy(\.isUsable) }
    }

    /// Lists the keystores with the checks ``load(logger:)`` would make, except decryption: reads
    /// keystore files (their keys are encrypted) but never a password.
    ///
    /// - Throws: ``KeysError`` only when the directory cannot be read at all.
    public func list() throws(KeysError) -> Listing {
        var directoryProblem: KeysError?
        do {
            try SecureFile.checkDirectory(path)
        } catch where error.kind == .fileSystem {
            throw error
        } catch {
            directoryProblem = error
        }
        var listed: [ListedKey] = []
        for name in try keyNames() {
            let file = keystorePath(name)
            var problems: [KeysError] = []
            var address: Address?
            do throws(KeysError) {
                // The mode and owner are checked here, and the address is still shown when they
                // are wrong: the keystore's JSON holds nothing that is not already encrypted.
                if let status = try SecureFile.status(of: file) {
                    try SecureFile.check(status, path: file)
                }
            } catch {
                problems.append(error)
            }
            do {
                address = try readKeystore(file, checkingOwnerAndMode: false).address
            } catch where error.kind != .notRegularFile || problems.isEmpty {
                problems.append(error)
            } catch {
                // A symbolic link or the like: already reported by the check above.
            }
            var source: PasswordSource?
            do throws(KeysError) {
                let location = try passwordLocation(forKey: name)
                source = location.source
                if let status = try SecureFile.status(of: location.path) {
                    try SecureFile.check(status, path: location.path, allowRootOwner: isCredential(location.source))
                } else {
                    throw KeysError(.missingPassword, "the \(location.source) for \(file) does not exist (\(location.path))")
                }
            } catch {
                problems.append(error)
            }
            listed.append(ListedKey(name: name, file: file, address: address, passwordSource: source, problems: problems))
        }
        return Listing(directoryProblem: directoryProblem, keys: listed)
    }

    // MARK: Writing

    /// Whether `name` can name a key: 1 to 64 of `A-Z a-z 0-9 . _ -`, not starting with `.` or
    /// `-`, and not ending in `.json` (give the name without it).
    public static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count), bytes[0] != UInt8(ascii: "."), bytes[0] != UInt8(ascii: "-"),
            !name.hasSuffix(".json")
        else { return false }
        return bytes.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: ".") || c == UInt8(ascii: "_")
                || c == UInt8(ascii: "-")
        }
    }

    /// Encrypts `key` under `password` and writes it as `NAME.json` with mode 0600.
    ///
    /// Creates the directory (mode 0700) if it does not exist, and refuses one that group or
    /// others can read or write. Never overwrites a file. `kdf` defaults to scrypt with geth's
    /// standard parameters; ``Keystore/ScryptParameters/light`` is for tests and demos.
    ///
    /// - Returns: the keystore's path.
    @discardableResult
    public func write(
        _ key: PrivateKey, name: String, password: borrowing SecretBytes, kdf: Keystore.KDF = .standard
    ) throws(KeysError) -> String {
        guard Self.isValidName(name) else {
            throw KeysError(
                .invalidInput,
                "'\(name)' is not a valid key name: use 1 to 64 letters, digits, '.', '_' or '-', not starting with '.' or '-', without the .json suffix")
        }
        guard !password.isEmpty else {
            throw KeysError(.invalidInput, "the password is empty; a key must be encrypted under a non-empty password")
        }
        try SecureFile.makeDirectory(path)
        try SecureFile.checkDirectory(path)
        let file = keystorePath(name)
        if try SecureFile.status(of: file) != nil {
            throw KeysError(.alreadyExists, "\(file) already exists; choose another --name (an existing key is never overwritten)")
        }
        let keystore: Keystore
        do {
            keystore = try password.withUnsafeBytes { (bytes) throws(KeystoreError) in
                try Keystore.encrypt(key, password: bytes, kdf: kdf)
            }
        } catch {
            throw KeysError(.invalidInput, "cannot encrypt the key: \(error.message)", cause: error)
        }
        try SecureFile.createExclusive(at: file, directory: path, contents: Array((keystore.json + "\n").utf8))
        return file
    }

    /// Generates a new key and writes it as `NAME.json` (see ``write(_:name:password:kdf:)``).
    ///
    /// - Returns: the new key's address and the keystore's path.
    public func create(
        name: String, password: borrowing SecretBytes, kdf: Keystore.KDF = .standard
    ) throws(KeysError) -> (address: Address, file: String) {
        let key = PrivateKey.generate()
        let file = try write(key, name: name, password: password, kdf: kdf)
        return (key.address, file)
    }

    /// Imports the raw private key in `privateKeyFile` (64 hex digits, optionally `0x`-prefixed,
    /// surrounding whitespace ignored; the file must be mode 0600 and owned by this user) as
    /// `NAME.json`. The bytes read are zeroed once the key is encrypted. Refuses a key that a
    /// keystore in the directory already claims (by its address field).
    ///
    /// - Returns: the key's address and the keystore's path.
    public func importKey(
        name: String, privateKeyFile: String, password: borrowing SecretBytes, kdf: Keystore.KDF = .standard
    ) throws(KeysError) -> (address: Address, file: String) {
        let key: PrivateKey
        do {
            let text = try SecureFile.readSecret(at: privateKeyFile)
            key = try Self.parsePrivateKey(text, file: privateKeyFile)
        }
        // Best effort (files that cannot be read are reported by load and list, not here).
        if (try? SecureFile.status(of: path)) != nil {
            for other in (try? keyNames()) ?? [] {
                if let existing = try? readKeystore(keystorePath(other)), existing.address == key.address {
                    throw KeysError(
                        .alreadyExists,
                        "the key of \(key.address.checksummed) is already in \(keystorePath(other)); it is not imported twice")
                }
            }
        }
        let file = try write(key, name: name, password: password, kdf: kdf)
        return (key.address, file)
    }

    /// Parses 64 hex digits (optionally `0x`, surrounded by whitespace) into a key, through a
    /// zeroed-after-use buffer. Errors never echo the file's content.
    static func parsePrivateKey(_ text: borrowing SecretBytes, file: String) throws(KeysError) -> PrivateKey {
        var decoded = SecretBytes(capacity: 32)
        let ok = text.withUnsafeBytes { raw -> Bool in
            var start = 0
            var end = raw.count
            func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d }
            while start < end, isSpace(raw[start]) { start += 1 }
            while end > start, isSpace(raw[end - 1]) { end -= 1 }
            if end - start >= 2, raw[start] == UInt8(ascii: "0"), raw[start + 1] | 0x20 == UInt8(ascii: "x") { start += 2 }
            guard end - start == 64 else { return false }
            func nibble(_ c: UInt8) -> UInt8? {
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
                default: nil
                }
            }
            return decoded.withUnsafeMutableStorage { out -> Bool in
                for i in 0..<32 {
                    guard let high = nibble(raw[start + 2 * i]), let low = nibble(raw[start + 2 * i + 1]) else { return false }
                    out[i] = high << 4 | low
                }
                return true
            }
        }
        guard ok else {
            throw KeysError(
                .invalidInput,
                "\(file) does not hold a private key: expected 64 hex digits (optionally 0x-prefixed) on one line")
        }
        decoded.setCount(32)
        do {
            return try decoded.withUnsafeBytes { (bytes) throws(SigningError) in try PrivateKey(bytes: bytes) }
        } catch {
            throw KeysError(
                .invalidInput, "\(file) does not hold a valid secp256k1 private key (it is zero or not below the curve order)",
                cause: error)
        }
    }
}
