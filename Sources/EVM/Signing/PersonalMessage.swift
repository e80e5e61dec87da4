/// An EIP-191 version `0x45` ("personal_sign") message: what `eth_sign`, `personal_sign`,
/// `cast wallet sign` and wallets sign when asked to sign text.
///
/// The signed digest is `keccak256("\x19Ethereum Signed Message:\n" + len + message)`, where `len`
/// is the decimal byte length of the message. The prefix makes the digest differ from any
/// transaction's, so a signed message can never be replayed as a transaction.
///
/// ```swift
/// let approval = PersonalMessage("approve policy base.toml sha256 ab12...")
/// let signature = try approval.sign(with: key)           // v is 27 or 28
/// let signer = try approval.recoverSigner(signature)     // == key.address
/// ```
public struct PersonalMessage: Hashable, Sendable {
    /// The message bytes, exactly as signed (no prefix).
    public let bytes: [UInt8]

    /// A message of raw bytes (what `cast wallet sign 0x...` and `personal_sign` with hex data sign).
    public init(bytes: some Sequence<UInt8>) {
        self.bytes = Array(bytes)
    }

    /// A text message, signed as its UTF-8 bytes. Text that looks like hex (`"0x12"`) is still
    /// text here; decode it and use ``init(bytes:)`` to sign the bytes it spells.
    public init(_ text: String) {
        self.bytes = Array(text.utf8)
    }

    /// The message `cast wallet sign MESSAGE` signs for a command-line argument: a
    /// `0x`-prefixed argument is the bytes its hex spells (so it must be valid hex), anything
    /// else is text.
    public init(castArgument: String) throws(HexError) {
        if castArgument.hasPrefix("0x") {
            self.bytes = try Hex.decode(castArgument)
        } else {
            self.bytes = Array(castArgument.utf8)
        }
    }

    /// The EIP-191 prefix and length, followed by the message: the bytes that are hashed.
    public var prefixedBytes: [UInt8] {
        Array("\u{19}Ethereum Signed Message:\n\(bytes.count)".utf8) + bytes
    }

    /// The 32-byte digest that is signed.
    public var hash: [UInt8] {
        var hasher = Keccak256()
        hasher.update(Array("\u{19}Ethereum Signed Message:\n\(bytes.count)".utf8))
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Signs the message: RFC 6979 nonce, low-s. Use ``Signature/rsv`` for the 65-byte form with
    /// v = 27 or 28 that wallets and `cast` print.
    public func sign(with key: PrivateKey) throws(SigningError) -> Signature {
        try key.sign(digest: hash)
    }

    /// The address whose key produced `signature` over this message.
    public func recoverSigner(_ signature: Signature) throws(SigningError) -> Address {
        try Secp256k1.recoverAddress(digest: hash, signature: signature)
    }

    /// The address whose key produced the 65-byte `r || s || v` signature (v 0/1 or 27/28), as
    /// printed by `cast wallet sign` or returned by `personal_sign`.
    public func recoverSigner(rsv: [UInt8]) throws(SigningError) -> Address {
        try recoverSigner(Signature(rsv: rsv))
    }

    /// Whether `signature` over this message was made by `address`'s key. A malformed signature
    /// is simply not valid.
    public func isSigned(by address: Address, signature: Signature) -> Bool {
        (try? recoverSigner(signature)) == address
    }
}
