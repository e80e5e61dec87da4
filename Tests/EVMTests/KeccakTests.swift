import EVM
import EVMTestKit
import Testing

/// Keccak-256 against the Keccak team's known answers and the ethers/golang vectors.
@Suite struct KeccakTests {
    struct File: Decodable {
        struct Vector: Decodable, CustomTestStringConvertible, Sendable {
            let source: String
            let name: String
            let input: String
            let hash: String
            var testDescription: String { "\(source)/\(name)" }
        }
        struct Repeat: Decodable, Sendable {
            let name: String
            let repeat_: Int
            let text_ascii: String
            let hash: String
            enum CodingKeys: String, CodingKey { case name, repeat_ = "repeat", text_ascii, hash }
        }
        let vectors: [Vector]
        let repeat_vectors: [Repeat]
    }

    static let file = Vectors.load("keccak256.json", as: File.self)

    @Test(arguments: file.vectors)
    func knownAnswer(_ v: File.Vector) throws {
        let input = try [UInt8](hex: v.input)
        #expect(Keccak256.hash(input).hexString == v.hash)
    }

    /// The same digests when the input arrives in uneven pieces across the 136-byte rate.
    @Test(arguments: file.vectors.filter { $0.input.count > 2 * 137 })
    func incrementalMatchesOneShot(_ v: File.Vector) throws {
        let input = try [UInt8](hex: v.input)
        var hasher = Keccak256()
        var offset = 0
        var step = 1
        while offset < input.count {
            let end = min(input.count, offset + step)
            hasher.update(input[offset..<end])
            offset = end
            step = step * 3 % 151 + 1
        }
        #expect(hasher.finalize().hexString == v.hash)
    }

    /// The extremely long KAT (1 GiB of repeated text): streamed in 1 MiB pieces.
    @Test(arguments: file.repeat_vectors)
    func extremelyLong(_ v: File.Repeat) {
        let unit = Array(v.text_ascii.utf8)
        let piecesPerChunk = max(1, (1 << 20) / unit.count)
        let chunk = Array([[UInt8]](repeating: unit, count: piecesPerChunk).joined())
        var hasher = Keccak256()
        var remaining = v.repeat_
        while remaining >= piecesPerChunk {
            hasher.update(chunk)
            remaining -= piecesPerChunk
        }
        for _ in 0..<remaining { hasher.update(unit) }
        #expect(hasher.finalize().hexString == v.hash)
    }
}
