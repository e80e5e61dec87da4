/// A 20-byte account address, printed with its EIP-55 checksum.
///
/// Parsing follows EIP-55: all-lowercase and all-uppercase hex are accepted as they are; mixed
/// case must carry a correct checksum, because a mistyped mixed-case address is exactly what the
/// checksum exists to catch.
public struct Address: Hashable, Sendable {
    /// The 20 bytes.
    public let bytes: [UInt8]

    /// Wraps exactly 20 bytes; nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 20 else { return nil }
        self.bytes = Array(bytes)
    }

    /// The address in the low 20 bytes of an ABI word (the high 12 bytes are ignored).
    public init(word: U256) {
        bytes = Array(word.bigEndianBytes[12...])
    }

    /// The address of an uncompressed secp256k1 public key: the last 20 bytes of the Keccak-256
    /// of its 64 coordinate bytes (a leading 0x04 is accepted and skipped).
    public init?(publicKey: [UInt8]) {
        let coordinates: ArraySlice<UInt8>
        switch publicKey.count {
        case 64: coordinates = publicKey[...]
        case 65 where publicKey[0] == 0x04: coordinates = publicKey[1...]
        default: return nil
        }
        bytes = Array(Keccak256.hash(coordinates)[12...])
    }

    /// Parses `0x` + 40 hex digits, checking the EIP-55 checksum of mixed-case input.
    public init(_ text: some StringProtocol) throws(AddressError) {
        let body = text.hasPrefix("0x") || text.hasPrefix("0X") ? Substring(text).dropFirst(2) : Substring(text)
        guard body.utf8.count == 40 else { throw AddressError(text: String(text), reason: .length(body.utf8.count)) }
        guard let decoded = try? Hex.decode(body) else {
            throw AddressError(text: String(text), reason: .notHex)
        }
        bytes = decoded
        let hasLower = body.utf8.contains { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f") }
        let hasUpper = body.utf8.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "F") }
        if hasLower && hasUpper {
            let expected = checksummed
            guard expected.utf8.dropFirst(2).elementsEqual(body.utf8) else {
                throw AddressError(text: String(text), reason: .badChecksum(expected: expected))
            }
        }
    }

    /// The zero address.
    public static let zero = Address(word: .zero)

    /// The address as an ABI word (left-padded with zeros).
    public var word: U256 { U256(bigEndian: bytes)! }

    /// `0x` + 40 lowercase hex digits.
    public var lowercaseHex: String { Hex.encode(bytes) }

    /// `0x` + 40 hex digits in EIP-55 mixed case.
    public var checksummed: String {
        let lower = Array(Hex.encode(bytes, prefix: false).utf8)
        let hash = Keccak256.hash(lower)
        return String(unsafeUninitializedCapacity: lower.count + 2) { out in
            out[0] = UInt8(ascii: "0")
            out[1] = UInt8(ascii: "x")
            for (i, c) in lower.enumerated() {
                let nibble = (hash[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0x0f
                out[i + 2] = c >= UInt8(ascii: "a") && nibble >= 8 ? c - 32 : c
            }
            return lower.count + 2
        }
    }

    // Hashing and comparing the 20 bytes as one block: addresses key the signer's per-request
    // look-ups (accounts, nonce slots, budgets).
    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    public static func == (a: Address, b: Address) -> Bool {
        a.bytes.withUnsafeBytes { x in b.bytes.withUnsafeBytes { y in x.elementsEqual(y) } }
    }
}

extension Address: CustomStringConvertible, Comparable {
    /// The EIP-55 checksummed form.
    public var description: String { checksummed }

    public static func < (a: Address, b: Address) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}

/// Why text is not an address.
public struct AddressError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong.
    public enum Reason: Hashable, Sendable {
        /// Not 40 hex digits after `0x`.
        case length(Int)
        /// A character that is not a hex digit.
        case notHex
        /// Mixed case whose EIP-55 checksum does not match; `expected` is the correct spelling.
        case badChecksum(expected: String)
    }

    /// The text that was rejected.
    public let text: String
    public let reason: Reason

    public var description: String {
        switch reason {
        case .length(let n): "'\(text)' is not an address: expected 40 hex digits after 0x, found \(n)"
        case .notHex: "'\(text)' is not an address: it has a non-hex character"
        case .badChecksum(let expected):
            "'\(text)' fails its EIP-55 checksum (mixed case must match \(expected)); check for a typo, or write it in all lowercase to skip the check"
        }
    }
}
