// INTERIM: the EIP-191 personal message, internal to Signer until
// Sources/EVM/Signing/PersonalMessage.swift (branch keystore) lands on main; then this file is
// deleted and EVM's public `PersonalMessage` (same API) is used.
import EVM

/// An EIP-191 version `0x45` ("personal_sign") message.
struct PersonalMessage: Hashable, Sendable {
    let bytes: [UInt8]

    init(_ text: String) { self.bytes = Array(text.utf8) }

    /// keccak256("\x19Ethereum Signed Message:\n" + len + message).
    var hash: [UInt8] {
        var hasher = Keccak256()
        hasher.update(Array("\u{19}Ethereum Signed Message:\n\(bytes.count)".utf8))
        hasher.update(bytes)
        return hasher.finalize()
    }

    func sign(with key: PrivateKey) throws(SigningError) -> Signature {
        try key.sign(digest: hash)
    }

    func recoverSigner(_ signature: Signature) throws(SigningError) -> Address {
        try Secp256k1.recoverAddress(digest: hash, signature: signature)
    }
}
