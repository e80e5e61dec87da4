public import EVM

/// The text an operator signs to approve a policy file: an EIP-191 personal message, so any
/// wallet can sign it (`cast wallet sign "$(signer policy message FILE)"`).
///
/// The exact bytes, with `\n` line ends and no trailing newline:
///
/// ```
/// keeper-signer policy approval
/// file: demo.toml
/// sha256: 3f1c...64 lowercase hex digits...
/// chain_id: 31337
/// ```
public struct ApprovalMessage: Hashable, Sendable, CustomStringConvertible {
    /// The first line, fixed.
    public static let header = "keeper-signer policy approval"

    /// The policy file's base name.
    public let file: String
    /// The SHA-256 of the file's bytes, 64 lowercase hex digits.
    public let sha256: String
    /// The policy's chain id.
    public let chainId: UInt64

    public init(file: String, sha256: String, chainId: UInt64) {
        self.file = file
        self.sha256 = sha256
        self.chainId = chainId
    }

    /// The message text.
    public var text: String {
        "\(Self.header)\nfile: \(file)\nsha256: \(sha256)\nchain_id: \(chainId)"
    }

    public var description: String { text }

    /// The EIP-191 digest that is signed.
    public var digest: [UInt8] { PersonalMessage(text).hash }

    /// Signs the message (v = 27/28 in ``Signature/rsv``).
    public func sign(with key: PrivateKey) throws(SigningError) -> Signature {
        try PersonalMessage(text).sign(with: key)
    }

    /// The address whose key signed this message, or nil when the signature recovers nothing.
    public func signer(of signature: Signature) -> Address? {
        try? PersonalMessage(text).recoverSigner(signature)
    }

    /// The SHA-256 of `bytes` as 64 lowercase hex digits.
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        Hex.encode(SHA256.hash(bytes), prefix: false)
    }
}
