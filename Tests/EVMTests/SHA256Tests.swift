import EVM
import Testing

/// SHA-256 through libcrypto against the examples of FIPS 180-4 (NIST's "Example Algorithms"
/// for SHA-256: one block, two blocks) and the usual extra known answers.
@Suite struct SHA256Tests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let message: [UInt8]
        let digest: String
        var testDescription: String { name }
    }

    static let vectors: [Vector] = [
        Vector(name: "\"abc\" (one block)", message: Array("abc".utf8),
               digest: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        Vector(name: "448-bit message (two blocks)", message: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
               digest: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        Vector(name: "empty message", message: [],
               digest: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        Vector(name: "896-bit message", message: Array("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu".utf8),
               digest: "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        Vector(name: "one million 'a'", message: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000),
               digest: "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ]

    @Test(arguments: vectors)
    func knownAnswer(_ v: Vector) {
        let digest = SHA256.hash(v.message)
        #expect(digest.count == SHA256.byteCount)
        #expect(Hex.encode(digest, prefix: false) == v.digest)
    }

    @Test("a pure function: the same input, the same digest; any change, another")
    func deterministic() {
        let message = Array("keeper-signer policy approval".utf8)
        #expect(SHA256.hash(message) == SHA256.hash(message))
        var changed = message
        changed[0] ^= 1
        #expect(SHA256.hash(changed) != SHA256.hash(message))
    }
}
