internal import CLibCrypto
#if canImport(Glibc)
internal import Glibc
#endif

/// The keystore's primitives through OpenSSL's libcrypto: scrypt, PBKDF2-HMAC-SHA256,
/// AES-128-CTR and a constant-time comparison.
enum KeystoreCrypto {
    /// Derives `output.count` bytes from `password` and `salt` with `kdf`.
    static func deriveKey(
        _ kdf: Keystore.KDF, password: borrowing SecretBuffer, salt: [UInt8], into output: borrowing SecretBuffer
    ) throws(KeystoreError) {
        switch kdf {
        case .scrypt(let params):
            try scrypt(params, password: password, salt: salt, into: output)
        case .pbkdf2(let params):
            let passwordBytes = UnsafeRawBufferPointer(start: password.baseAddress, count: password.count)
            let outputBytes = UnsafeMutableRawBufferPointer(start: output.baseAddress, count: output.count)
            try salt.withUnsafeBytes { s in
                Result { () throws(KeystoreError) in
                    try pbkdf2(password: passwordBytes, salt: s, iterations: params.iterations, into: outputBytes)
                }
            }.get()
        }
    }

    /// PBKDF2-HMAC-SHA256.
    static func pbkdf2(
        password: UnsafeRawBufferPointer, salt: UnsafeRawBufferPointer, iterations: Int, into output: UnsafeMutableRawBufferPointer
    ) throws(KeystoreError) {
        guard let passwordLength = Int32(exactly: password.count), let saltLength = Int32(exactly: salt.count),
            let rounds = Int32(exactly: iterations), let outputLength = Int32(exactly: output.count)
        else { throw .crypto("PKCS5_PBKDF2_HMAC (an input longer than 2 GiB)") }
        let ok = PKCS5_PBKDF2_HMAC(
            password.baseAddress?.assumingMemoryBound(to: CChar.self), passwordLength,
            salt.baseAddress?.assumingMemoryBound(to: UInt8.self), saltLength, rounds, EVP_sha256(),
            outputLength, output.baseAddress?.assumingMemoryBound(to: UInt8.self))
        guard ok == 1 else { throw .crypto("PKCS5_PBKDF2_HMAC") }
    }

    /// scrypt. OpenSSL's implementation refuses n ≥ 2^(16·r) (a condition from the scrypt paper
    /// that no Ethereum implementation applies; geth's own test vector has n=2^18 with r=1), so
    /// those parameters run through ``Scrypt/derive`` (our ROMix on top of libcrypto's PBKDF2).
    static func scrypt(
        _ params: Keystore.ScryptParameters, password: borrowing SecretBuffer, salt: [UInt8], into output: borrowing SecretBuffer
    ) throws(KeystoreError) {
        let passwordBytes = UnsafeRawBufferPointer(start: password.baseAddress, count: password.count)
        let outputBytes = UnsafeMutableRawBufferPointer(start: output.baseAddress, count: output.count)
        guard openSSLAccepts(params) else {
            try Scrypt.derive(password: passwordBytes, salt: salt, n: params.n, r: params.r, p: params.p, into: outputBytes)
            return
        }
        // OpenSSL allocates 128·r·(n + 2) for V plus 128·r·p for B, and refuses beyond maxmem
        // (32 MiB by default, too little for geth's standard parameters): pass what is needed
        // plus slack. The bounds in Keystore.Limits were checked before we get here.
        let maxmem = UInt64(params.memoryBytes) + (1 << 20)
        let ok = salt.withUnsafeBufferPointer { s in
            EVP_PBE_scrypt(
                passwordBytes.baseAddress?.assumingMemoryBound(to: CChar.self), passwordBytes.count,
                s.baseAddress, s.count, UInt64(params.n), UInt64(params.r), UInt64(params.p), maxmem,
                outputBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), outputBytes.count)
        }
        guard ok == 1 else {
            ERR_clear_error()
            throw .crypto("EVP_PBE_scrypt")
        }
    }

    /// Whether OpenSSL's scrypt takes these parameters: it requires n < 2^(16·r).
    static func openSSLAccepts(_ params: Keystore.ScryptParameters) -> Bool {
        16 * params.r >= 64 || params.n < (1 << (16 * params.r))
    }

    /// AES-128-CTR of `input` with a 16-byte key and 16-byte initial counter block, written to
    /// `output` (same length). Encryption and decryption are the same operation.
    static func aes128CTR(
        key: UnsafeRawBufferPointer, iv: [UInt8], input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer
    ) throws(KeystoreError) {
        precondition(key.count == 16 && iv.count == 16 && input.count == output.count)
        guard let ctx = EVP_CIPHER_CTX_new() else { throw .crypto("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(ctx) }  // cleanses the expanded key
        let initialised = iv.withUnsafeBufferPointer { ivBytes in
            EVP_EncryptInit_ex(
                ctx, EVP_aes_128_ctr(), nil, key.baseAddress?.assumingMemoryBound(to: UInt8.self), ivBytes.baseAddress)
        }
        guard initialised == 1 else { throw .crypto("EVP_EncryptInit_ex(aes-128-ctr)") }
        guard input.count > 0 else { return }
        var written: Int32 = 0
        guard
            EVP_EncryptUpdate(
                ctx, output.baseAddress?.assumingMemoryBound(to: UInt8.self), &written,
                input.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(input.count)) == 1,
            written == Int32(input.count)
        else { throw .crypto("EVP_EncryptUpdate(aes-128-ctr)") }
        var tail = [UInt8](repeating: 0, count: 16)
        var tailLength: Int32 = 0
        guard EVP_EncryptFinal_ex(ctx, &tail, &tailLength) == 1, tailLength == 0 else {
            throw .crypto("EVP_EncryptFinal_ex(aes-128-ctr)")
        }
    }

    /// Constant-time equality of two byte strings of the same length.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { x in
            b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, x.count) == 0 }
        }
    }
}
