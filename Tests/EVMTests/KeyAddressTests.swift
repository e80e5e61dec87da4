// keyaddr.json: private key -> address (ethereum/tests keyaddrtest, ethers, eth-account, EIP-712's
// example) and EIP-55 checksums (ERC-55's own examples).

import EVM
import EVMTestKit
import Testing

struct KeyAddressFile: Decodable, Sendable {
    struct Vector: Decodable, Sendable, CustomTestStringConvertible {
        let source: String
        let name: String
        let private_key: String?
        let private_key_derivation: String?
        let address: String
        let address_is_checksummed: Bool
        var testDescription: String { "\(source): \(name)" }
    }

    struct ChecksumCase: Decodable, Sendable, CustomTestStringConvertible {
        let group: String
        let checksummed: String
        let lowercase_input: String
        var testDescription: String { "\(group): \(checksummed)" }
    }

    let vectors: [Vector]
    let checksum_cases: [ChecksumCase]
}

private let file = Vectors.load("keyaddr.json", as: KeyAddressFile.self)

@Suite("Keys and addresses (keyaddr.json)")
struct KeyAddressTests {
    @Test("private key -> address", arguments: file.vectors)
    func derive(_ vector: KeyAddressFile.Vector) throws {
        let keyBytes: [UInt8]
        if let hex = vector.private_key {
            keyBytes = try [UInt8](hex: hex)
        } else {
            // EIP-712's example derives its key as keccak256("cow") (see private_key_derivation).
            let derivation = try #require(vector.private_key_derivation)
            #expect(derivation.contains("keccak256 of the ASCII string \"cow\""))
            keyBytes = Keccak256.hash("cow")
        }
        let key = try PrivateKey(bytes: keyBytes)
        #expect(key.address.lowercaseHex == vector.address.lowercased())
        #expect(try Address(vector.address) == key.address)
        if vector.address_is_checksummed {
            #expect(key.address.checksummed == vector.address)
        }
        // The public key is the 64 coordinate bytes and hashes to the same address.
        #expect(key.publicKey.count == 64)
        #expect(Address(publicKey: key.publicKey) == key.address)
    }

    @Test("EIP-55: checksummed prints and parses identically", arguments: file.checksum_cases)
    func checksummed(_ vector: KeyAddressFile.ChecksumCase) throws {
        let parsed = try Address(vector.checksummed)
        #expect(parsed.checksummed == vector.checksummed)
        #expect(parsed.description == vector.checksummed)
    }

    @Test("EIP-55: lowercase input is accepted", arguments: file.checksum_cases)
    func lowercase(_ vector: KeyAddressFile.ChecksumCase) throws {
        let parsed = try Address(vector.lowercase_input)
        #expect(parsed.checksummed == vector.checksummed)
        #expect(parsed.lowercaseHex == vector.lowercase_input)
    }

    @Test("EIP-55: one flipped letter is rejected", arguments: file.checksum_cases)
    func flipped(_ vector: KeyAddressFile.ChecksumCase) throws {
        let chars = Array(vector.checksummed.utf8)
        var flips = 0
        for i in 2..<chars.count {
            let c = chars[i]
            let isLetter = (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F"))
            guard isLetter else { continue }
            var mutated = chars
            mutated[i] = c ^ 0x20
            let text = String(decoding: mutated, as: UTF8.self)
            let hasLower = mutated.dropFirst(2).contains { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f") }
            let hasUpper = mutated.dropFirst(2).contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "F") }
            guard hasLower && hasUpper else { continue }  // uniform case skips the checksum by design
            flips += 1
            let error = try #require(throws: AddressError.self) { try Address(text) }
            #expect(error.reason == .badChecksum(expected: vector.checksummed))
        }
        #expect(flips > 0)
    }
}
