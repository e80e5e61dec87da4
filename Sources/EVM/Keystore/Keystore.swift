/// A Web3 Secret Storage v3 keystore: a private key encrypted under a password, as written by
/// geth, Foundry (`cast wallet new`), ethers, eth-keyfile, MyEtherWallet and Parity.
///
/// The key derived from the password by scrypt or PBKDF2-HMAC-SHA256 is split in two halves:
/// the first encrypts the private key with AES-128-CTR, the second authenticates the
/// ciphertext: `mac = keccak256(derivedKey[16..<32] || ciphertext)`. A MAC mismatch therefore
/// means a wrong password (or an altered file) and is reported as
/// ``KeystoreError/Kind/wrongPassword``, distinct from a corrupt or unsupported file.
///
/// ```swift
/// let keystore = try Keystore(json: fileText)
/// let key = try keystore.decrypt(password: passwordBytes)
/// let file = try Keystore.encrypt(key, password: passwordBytes).json
/// ```
///
/// Passwords are used as the exact bytes given (UTF-8 for `String`s), without Unicode
/// normalisation, as geth does. Derived keys and decrypted plaintext live in buffers that are
/// zeroed after use; a `String` password cannot be wiped, so prefer the byte overloads and zero
/// your copy.
public struct Keystore: Hashable, Sendable {
    /// The `id` field (a UUID as written in the file; not interpreted).
    public var id: String
    /// The `address` field, if the file has one. Unauthenticated: decrypting checks it against the
    /// decrypted key.
    public var address: Address?
    /// The key-derivation function and its cost parameters.
    public var kdf: KDF
    /// The KDF salt.
    public var salt: [UInt8]
    /// The AES-128-CTR initial counter block (16 bytes; shorter IVs in files are left-padded).
    public var iv: [UInt8]
    /// The encrypted private key (32 bytes, or fewer for keys some old tools wrote without their
    /// leading zero bytes).
    public var ciphertext: [UInt8]
    /// keccak256(derivedKey[16..<32] || ciphertext).
    public var mac: [UInt8]

    /// A keystore from its parts. Use ``init(json:)`` to read a file and the `encrypt` functions
    /// to make one.
    public init(
        id: String, address: Address?, kdf: KDF, salt: [UInt8], iv: [UInt8], ciphertext: [UInt8], mac: [UInt8]
    ) {
        self.id = id
        self.address = address
        self.kdf = kdf
        self.salt = salt
        self.iv = iv
        self.ciphertext = ciphertext
        self.mac = mac
    }

    // MARK: Decrypt

    /// Decrypts the private key.
    ///
    /// - Throws: ``KeystoreError`` of kind `.wrongPassword` when the MAC does not match;
    ///   `.parametersOutOfRange` before any work when the KDF parameters exceed ``Limits``;
    ///   `.corruptFile` when lengths are wrong or the `address` field names another key;
    ///   `.invalidKey` when the plaintext is not a secp256k1 key.
    public func decrypt(password: some Sequence<UInt8>) throws(KeystoreError) -> PrivateKey {
        let secret = SecretBuffer(copying: password)
        return try decrypt(password: secret)
    }

    /// Decrypts the private key with a text password (its UTF-8 bytes, not normalised).
    public func decrypt(password: String) throws(KeystoreError) -> PrivateKey {
        let secret = SecretBuffer(copying: password.utf8)
        return try decrypt(password: secret)
    }

    private func decrypt(password: borrowing SecretBuffer) throws(KeystoreError) -> PrivateKey {
        try validate()
        let derived = SecretBuffer(count: kdf.derivedKeyLength)
        try KeystoreCrypto.deriveKey(kdf, password: password, salt: salt, into: derived)

        guard KeystoreCrypto.constantTimeEqual(Keystore.mac(derivedKey: derived, ciphertext: ciphertext), mac) else {
            throw .wrongPassword()
        }

        // Left-pad short ciphertexts: the plaintext is the key's big-endian value.
        let plaintext = SecretBuffer(count: 32)
        let padding = 32 - ciphertext.count
        try ciphertext.withUnsafeBytes { input in
            Result { () throws(KeystoreError) in
                try KeystoreCrypto.aes128CTR(
                    key: derived.slice(0..<16), iv: iv, input: input,
                    output: UnsafeMutableRawBufferPointer(start: plaintext.baseAddress + padding, count: input.count))
            }
        }.get()
        let key: PrivateKey
        do {
            key = try PrivateKey(bytes: UnsafeRawBufferPointer(start: plaintext.baseAddress, count: 32))
        } catch {
            throw .invalidKey()
        }
        if let address, address != key.address {
            throw .corrupt(
                "the address field (\(address.checksummed)) does not match the decrypted key's address (\(key.address.checksummed))")
        }
        return key
    }

    /// Checks lengths and KDF bounds without deriving anything.
    public func validate() throws(KeystoreError) {
        try kdf.validate()
        guard salt.count <= Limits.maximumSaltLength else {
            throw .outOfRange("the salt has \(salt.count) bytes, more than \(Limits.maximumSaltLength)")
        }
        guard iv.count == 16 else { throw .corrupt("the aes-128-ctr iv must be 16 bytes, got \(iv.count)") }
        guard (1...32).contains(ciphertext.count) else {
            throw .corrupt("the ciphertext must be 1 to 32 bytes (a secp256k1 key), got \(ciphertext.count)")
        }
        guard mac.count == 32 else { throw .corrupt("the mac must be 32 bytes, got \(mac.count)") }
    }

    /// keccak256(derivedKey[16..<32] || ciphertext).
    static func mac(derivedKey: borrowing SecretBuffer, ciphertext: [UInt8]) -> [UInt8] {
        var hasher = Keccak256()
        hasher.update(derivedKey.slice(16..<32))
        hasher.update(ciphertext)
        return hasher.finalize()
    }

    // MARK: Encrypt

    /// Encrypts `key` under `password` with fresh salt, IV and id drawn from `generator`.
    ///
    /// `generator` must be cryptographically secure (the default is the system's); tests inject
    /// a seeded one to get reproducible files. The default ``KDF/standard`` is geth's: scrypt
    /// n=262144, r=8, p=1 (about 256 MiB and a second or so per encryption or decryption).
    public static func encrypt(
        _ key: PrivateKey, password: some Sequence<UInt8>, kdf: KDF = .standard,
        using generator: inout some RandomNumberGenerator
    ) throws(KeystoreError) -> Keystore {
        let secret = SecretBuffer(copying: password)
        return try encrypt(key, password: secret, kdf: kdf, using: &generator)
    }

    /// Encrypts `key` under a text password (its UTF-8 bytes), with fresh randomness from `generator`.
    public static func encrypt(
        _ key: PrivateKey, password: String, kdf: KDF = .standard, using generator: inout some RandomNumberGenerator
    ) throws(KeystoreError) -> Keystore {
        let secret = SecretBuffer(copying: password.utf8)
        return try encrypt(key, password: secret, kdf: kdf, using: &generator)
    }

    /// Encrypts `key` under `password` with randomness from the system's secure generator.
    public static func encrypt(
        _ key: PrivateKey, password: some Sequence<UInt8>, kdf: KDF = .standard
    ) throws(KeystoreError) -> Keystore {
        var generator = SystemRandomNumberGenerator()
        return try encrypt(key, password: password, kdf: kdf, using: &generator)
    }

    /// Encrypts `key` under a text password with randomness from the system's secure generator.
    public static func encrypt(_ key: PrivateKey, password: String, kdf: KDF = .standard) throws(KeystoreError) -> Keystore {
        var generator = SystemRandomNumberGenerator()
        return try encrypt(key, password: password, kdf: kdf, using: &generator)
    }

    private static func encrypt(
        _ key: PrivateKey, password: borrowing SecretBuffer, kdf: KDF, using generator: inout some RandomNumberGenerator
    ) throws(KeystoreError) -> Keystore {
        try kdf.validate()
        let salt = randomBytes(32, using: &generator)
        let iv = randomBytes(16, using: &generator)
        let id = uuidV4(randomBytes(16, using: &generator))

        let derived = SecretBuffer(count: kdf.derivedKeyLength)
        try KeystoreCrypto.deriveKey(kdf, password: password, salt: salt, into: derived)
        var ciphertext = [UInt8](repeating: 0, count: 32)
        try ciphertext.withUnsafeMutableBytes { output in
            key.withUnsafeBytes { secret in
                Result { () throws(KeystoreError) in
                    try KeystoreCrypto.aes128CTR(key: derived.slice(0..<16), iv: iv, input: secret, output: output)
                }
            }
        }.get()
        let mac = Keystore.mac(derivedKey: derived, ciphertext: ciphertext)
        return Keystore(id: id, address: key.address, kdf: kdf, salt: salt, iv: iv, ciphertext: ciphertext, mac: mac)
    }

    static func randomBytes(_ count: Int, using generator: inout some RandomNumberGenerator) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(count)
        while out.count < count {
            var word = generator.next()
            for _ in 0..<8 where out.count < count {
                out.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        return out
    }

    /// A random (version 4, RFC 4122 variant) UUID in lowercase 8-4-4-4-12 form.
    static func uuidV4(_ random: [UInt8]) -> String {
        var b = random
        b[6] = (b[6] & 0x0f) | 0x40
        b[8] = (b[8] & 0x3f) | 0x80
        let hex = Hex.encode(b, prefix: false)
        let u = Array(hex.utf8)
        func part(_ r: Range<Int>) -> String { String(decoding: u[r], as: UTF8.self) }
        return "\(part(0..<8))-\(part(8..<12))-\(part(12..<16))-\(part(16..<20))-\(part(20..<32))"
    }
}

extension Keystore: CustomStringConvertible {
    /// Shows the address and KDF, never the ciphertext or MAC.
    public var description: String {
        "Keystore(address: \(address?.checksummed ?? "none"), kdf: \(kdf.name), id: \(id))"
    }
}
