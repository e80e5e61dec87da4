internal import CLibCrypto

/// SHA-256 (FIPS 180-4) through OpenSSL's libcrypto (`EVP_Digest` with `EVP_sha256`), for file
/// digests such as the policy hashes operators approve.
///
///     let digest = SHA256.hash(Array("abc".utf8))   // 32 bytes, ba7816bf...
public enum SHA256 {
    /// The digest length in bytes.
    public static let byteCount = 32

    /// The 32-byte digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            digest.withUnsafeMutableBufferPointer { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        // EVP_Digest with SHA-256 fails only when libcrypto cannot allocate a context: nothing
        // sensible can continue after that, and a wrong digest must never be returned.
        precondition(ok == 1 && length == UInt32(byteCount), "libcrypto EVP_Digest(SHA-256) failed")
        return digest
    }
}
