import BigInt
import EVM
import EVMTestKit
import Foundation
import Testing

/// RLP against ethereum/tests' RLPTests and ethers' cases, both directions, and the invalid
/// inputs a strict decoder must reject.
@Suite struct RLPTests {
    /// The typed input tree of the vector file.
    indirect enum Tree: Decodable, Sendable {
        case bytes(String), string(String), uint(String), list([Tree])

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            if let v = try c.decodeIfPresent(String.self, forKey: .bytes) { self = .bytes(v) }
            else if let v = try c.decodeIfPresent(String.self, forKey: .string) { self = .string(v) }
            else if let v = try c.decodeIfPresent(String.self, forKey: .uint) { self = .uint(v) }
            else { self = .list(try c.decode([Tree].self, forKey: .list)) }
        }
        enum Key: String, CodingKey { case bytes, string, uint, list }

        func rlp() throws -> RLP {
            switch self {
            case .bytes(let hex): return .bytes(try [UInt8](hex: hex))
            case .string(let s): return .bytes(Array(s.utf8))
            // Some vectors exceed 256 bits (RLP integers are unbounded): go through BigUInt.
            case .uint(let d): return .bytes(try #require(BigUInt(d)).serialize().map { $0 })
            case .list(let items): return .list(try items.map { try $0.rlp() })
            }
        }
    }

    struct File: Decodable {
        struct Vector: Decodable, Sendable, CustomTestStringConvertible {
            let source: String, name: String, input: Tree, encoded: String
            var testDescription: String { "\(source)/\(name)" }
        }
        struct Invalid: Decodable, Sendable, CustomTestStringConvertible {
            let source: String, name: String, encoded: String
            var testDescription: String { "\(source)/\(name)" }
        }
        let vectors: [Vector]
        let invalid: [Invalid]
    }

    static let file = Vectors.load("rlp.json", as: File.self)

    @Test(arguments: file.vectors)
    func encodes(_ v: File.Vector) throws {
        let item = try v.input.rlp()
        #expect(item.encoded.hexString == v.encoded)
        #expect(item.encodedCount == item.encoded.count)
    }

    @Test(arguments: file.vectors)
    func decodes(_ v: File.Vector) throws {
        let decoded = try RLP.decode(try [UInt8](hex: v.encoded))
        #expect(decoded == (try v.input.rlp()))
    }

    @Test(arguments: file.invalid)
    func rejects(_ v: File.Invalid) throws {
        let bytes = try [UInt8](hex: v.encoded)
        #expect(throws: RLPError.self) { try RLP.decode(bytes) }
    }

    @Test func trailingBytesAndIntegerLeadingZerosAreErrors() throws {
        #expect(throws: RLPError.self) { try RLP.decode([0x80, 0x80]) }
        #expect(throws: RLPError.self) { try RLP.bytes([0x00, 0x01]).asU256() }
        #expect(try RLP.bytes([]).asU256() == .zero)
        #expect(throws: RLPError.self) { try RLP.bytes([UInt8](repeating: 1, count: 33)).asU256() }
    }

    /// decode(encode(x)) == x over random trees.
    @Test func roundTripsRandomTrees() throws {
        var rng = SystemRandomNumberGenerator()
        func tree(depth: Int) -> RLP {
            if depth > 3 || Bool.random(using: &rng) {
                let count = [0, 1, 1, 2, 55, 56, 57, 300].randomElement(using: &rng)!
                return .bytes((0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) })
            }
            return .list((0..<Int.random(in: 0...5, using: &rng)).map { _ in tree(depth: depth + 1) })
        }
        for _ in 0..<2000 {
            let item = tree(depth: 0)
            #expect(try RLP.decode(item.encoded) == item)
        }
    }
}
