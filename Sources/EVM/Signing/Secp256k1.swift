internal import CSecp256k1
#if canImport(Glibc)
internal import Glibc
#endif

/// secp256k1 through Bitcoin Core's libsecp256k1: RFC 6979 deterministic nonces, low-s
/// signatures, public-key recovery.
public enum Secp256k1 {
    /// The group order n.
    public static let order = U256(hex: "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")!
    /// n / 2: signatures with s above it are "high-s" (EIP-2 forbids them in transactions).
    public static let halfOrder = order >> 1

    /// Recovers the 64-byte uncompressed public key (no 0x04 prefix) that signed `digest`.
    public static func recoverPublicKey(digest: [UInt8], signature: Signature) throws(SigningError) -> [UInt8] {
        guard digest.count == 32 else { throw SigningError(.invalidDigest, "digest must be 32 bytes, got \(digest.count)") }
        guard signature.recoveryID <= 1 else { throw SigningError(.invalidSignature, "recovery id must be 0 or 1, got \(signature.recoveryID)") }
        guard !signature.r.isZero, !signature.s.isZero, signature.r < order, signature.s < order else {
            throw SigningError(.invalidSignature, "r and s must be in [1, n-1]")
        }
        let ctx = Context.shared.pointer
        var parsed = secp256k1_ecdsa_recoverable_signature()
        let compact = signature.compact
        let ok = compact.withUnsafeBufferPointer {
            secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &parsed, $0.baseAddress!, Int32(signature.recoveryID))
        }
        guard ok == 1 else { throw SigningError(.invalidSignature, "signature does not parse") }
        var pubkey = secp256k1_pubkey()
        let recovered = digest.withUnsafeBufferPointer { secp256k1_ecdsa_recover(ctx, &pubkey, &parsed, $0.baseAddress!) }
        guard recovered == 1 else { throw SigningError(.recoveryFailed, "no public key recovers from this signature and digest") }
        return serialize(pubkey)
    }

    /// Recovers the address that signed `digest`.
    public static func recoverAddress(digest: [UInt8], signature: Signature) throws(SigningError) -> Address {
        let publicKey = try recoverPublicKey(digest: digest, signature: signature)
        return Address(publicKey: publicKey)!
    }

    static func serialize(_ pubkey: secp256k1_pubkey) -> [UInt8] {
        var key = pubkey
        var out = [UInt8](repeating: 0, count: 65)
        var length = 65
        _ = secp256k1_ec_pubkey_serialize(
            Context.shared.pointer, &out, &length, &key, UInt32(SECP256K1_EC_UNCOMPRESSED))
        return Array(out[1...])
    }

    /// The one library context, randomised once (blinding against side channels). libsecp256k1
    /// allows concurrent use of a context through its const API, which is all we call after set-up.
    final class Context: @unchecked Sendable {
        static let shared = Context()
        let pointer: OpaquePointer

        private init() {
            pointer = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE))!
            var seed = [UInt8](repeating: 0, count: 32)
            var rng = SystemRandomNumberGenerator()
            for i in seed.indices { seed[i] = UInt8.random(in: .min ... .max, using: &rng) }
            _ = secp256k1_context_randomize(pointer, seed)
        }
    }
}

/// An ECDSA signature with its recovery id.
public struct Signature: Hashable, Sendable {
    public var r: U256
    public var s: U256
    /// 0 or 1: the parity of the nonce point's y (EIP-2718 transactions call it `yParity`).
    public var recoveryID: UInt8

    public init(r: U256, s: U256, recoveryID: UInt8) {
        self.r = r
        self.s = s
        self.recoveryID = recoveryID
    }

    /// Parses 65 bytes `r || s || v` where v is 0/1 or 27/28 (the `personal_sign` layout).
    public init(rsv: [UInt8]) throws(SigningError) {
        guard rsv.count == 65 else { throw SigningError(.invalidSignature, "expected 65 signature bytes, got \(rsv.count)") }
        let v = rsv[64]
        guard v <= 1 || v == 27 || v == 28 else { throw SigningError(.invalidSignature, "v must be 0, 1, 27 or 28, got \(v)") }
        self.init(r: U256(bigEndian: rsv[0..<32])!, s: U256(bigEndian: rsv[32..<64])!, recoveryID: v >= 27 ? v - 27 : v)
    }

    /// `r || s` (64 bytes).
    public var compact: [UInt8] { r.bigEndianBytes + s.bigEndianBytes }

    /// `r || s || v` with v = 27 + recovery id (65 bytes), as wallets print signatures.
    public var rsv: [UInt8] { compact + [27 + recoveryID] }

    /// Whether s is in the lower half of the order (EIP-2's canonical form).
    public var isLowS: Bool { s <= Secp256k1.halfOrder }
}

/// A secp256k1 private key.
///
/// The 32 bytes live in memory this object owns and zeroes when it is released; they are never
/// printed (``description`` shows only the address) and are reachable only through
/// ``withUnsafeBytes(_:)``, for the keystore encryptor.
public final class PrivateKey: @unchecked Sendable, CustomStringConvertible {
    private let secret: UnsafeMutableRawBufferPointer
    /// The 64-byte uncompressed public key (no 0x04 prefix).
    public let publicKey: [UInt8]
    /// The account address of this key.
    public let address: Address

    /// A key from 32 bytes in [1, n-1]. The caller should zero its own copy.
    public init(bytes: some Collection<UInt8>) throws(SigningError) {
        guard bytes.count == 32 else { throw SigningError(.invalidPrivateKey, "a private key is 32 bytes, got \(bytes.count)") }
        let secret = UnsafeMutableRawBufferPointer.allocate(byteCount: 32, alignment: 16)
        secret.copyBytes(from: bytes)
        let ctx = Secp256k1.Context.shared.pointer
        let base = secret.baseAddress!.assumingMemoryBound(to: UInt8.self)
        guard secp256k1_ec_seckey_verify(ctx, base) == 1 else {
            PrivateKey.wipe(secret)
            secret.deallocate()
            throw SigningError(.invalidPrivateKey, "the private key is zero or not below the curve order")
        }
        var pubkey = secp256k1_pubkey()
        _ = secp256k1_ec_pubkey_create(ctx, &pubkey, base)
        self.secret = secret
        self.publicKey = Secp256k1.serialize(pubkey)
        self.address = Address(publicKey: publicKey)!
    }

    /// A fresh key from the system's cryptographic random source.
    public static func generate() -> PrivateKey {
        var rng = SystemRandomNumberGenerator()
        while true {
            var bytes = [UInt8](repeating: 0, count: 32)
            for i in bytes.indices { bytes[i] = UInt8.random(in: .min ... .max, using: &rng) }
            defer { for i in bytes.indices { bytes[i] = 0 } }
            if let key = try? PrivateKey(bytes: bytes) { return key }
        }
    }

    deinit {
        PrivateKey.wipe(secret)
        secret.deallocate()
    }

    private static func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
        // explicit_bzero is not removed as a dead store by the optimiser.
        explicit_bzero(buffer.baseAddress!, buffer.count)
    }

    /// Signs a 32-byte digest: RFC 6979 nonce, low-s, with the recovery id.
    public func sign(digest: [UInt8]) throws(SigningError) -> Signature {
        guard digest.count == 32 else { throw SigningError(.invalidDigest, "digest must be 32 bytes, got \(digest.count)") }
        let ctx = Secp256k1.Context.shared.pointer
        var sig = secp256k1_ecdsa_recoverable_signature()
        let ok = digest.withUnsafeBufferPointer { d in
            secp256k1_ecdsa_sign_recoverable(
                ctx, &sig, d.baseAddress!, secret.baseAddress!.assumingMemoryBound(to: UInt8.self), nil, nil)
        }
        guard ok == 1 else { throw SigningError(.signingFailed, "libsecp256k1 refused to sign") }
        var compact = InlineArray<64, UInt8>(repeating: 0)
        var recid: Int32 = 0
        withUnsafeMutableBytes(of: &compact) { out in
            _ = secp256k1_ecdsa_recoverable_signature_serialize_compact(
                ctx, out.baseAddress!.assumingMemoryBound(to: UInt8.self), &recid, &sig)
        }
        return Swift.withUnsafeBytes(of: &compact) { raw in
            Signature(
                r: U256(bigEndian: raw[0..<32])!, s: U256(bigEndian: raw[32..<64])!,
                recoveryID: UInt8(recid))
        }
    }

    /// Lends the 32 secret bytes to `body` (for encrypting a keystore). Do not copy them out.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(secret))
    }

    /// Shows the address only; the key never reaches a log line.
    public var description: String { "PrivateKey(address: \(address.checksummed))" }
}

/// Why a signing operation failed. Never carries key material.
public struct SigningError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable categories, for callers that branch and for metric labels.
    public enum Kind: String, Hashable, Sendable {
        case invalidPrivateKey, invalidDigest, invalidSignature, recoveryFailed, signingFailed
    }

    public let kind: Kind
    public let message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
