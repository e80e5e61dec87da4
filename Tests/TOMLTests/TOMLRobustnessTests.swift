import TOML
import Testing

/// Hostile or damaged input: the parser must return an error, never crash or hang.
@Suite struct TOMLRobustnessTests {
    /// A small deterministic generator (SplitMix64), so a failure reproduces.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func deepNestingIsAnErrorNotAStackOverflow() throws {
        let arrays = "a = " + String(repeating: "[", count: 100_000)
        let error = try #require(throws: TOMLError.self) { try TOML.parse(arrays) }
        #expect(error.message.contains("nest at most"))
        let tables = "a = " + String(repeating: "{b = ", count: 100_000)
        #expect(throws: TOMLError.self) { try TOML.parse(tables) }
        let keys = "[" + Array(repeating: "k", count: 100_000).joined(separator: ".") + "]"
        #expect(throws: TOMLError.self) { try TOML.parse(keys) }
        // Well within the limit is fine.
        let fine = "a = " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(try TOML.parse(fine)["a"] != nil)
    }

    @Test func mutatedDocumentsNeverCrash() throws {
        let seeds = TOMLParserTests.valid.map(\.toml) + [TOMLReadingTests.policy]
        let alphabet = Array("[]{}=\"'.,#\\\n\r\t _-+:0123456789aeEinfxob".utf8) + [0x00, 0x7F, 0xC3, 0xA9, 0xFF]
        var random = SplitMix64(state: 0x70_6D_6C)
        var parsed = 0
        var rejected = 0
        for _ in 0..<4_000 {
            var bytes = Array(seeds[Int.random(in: 0..<seeds.count, using: &random)].utf8)
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let index = bytes.isEmpty ? 0 : Int.random(in: 0...bytes.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0 where index < bytes.count: bytes.remove(at: index)
                case 1 where index < bytes.count: bytes[index] = alphabet.randomElement(using: &random) ?? 0
                case 2: bytes.removeSubrange(index..<bytes.count)
                default: bytes.insert(alphabet.randomElement(using: &random) ?? 0, at: index)
                }
            }
            do {
                _ = try TOML.parse(bytes: bytes, file: "fuzz.toml")
                parsed += 1
            } catch {
                rejected += 1
                let lines = bytes.filter { $0 == UInt8(ascii: "\n") }.count + 1
                #expect((1...lines).contains(error.line ?? 0), "\(error)")
                #expect(error.file == "fuzz.toml")
            }
        }
        #expect(parsed + rejected == 4_000)
        #expect(rejected > 0)
    }
}
