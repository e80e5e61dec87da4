import Foundation
import SignerWire
import Testing

/// The strict JSON parser and the serializer.
@Suite struct WireJSONTests {
    @Test(arguments: [
        (#"{"a":1,"b":[true,false,null],"c":"x"}"#, WireJSON.object([
            WireJSONMember("a", .number("1")), WireJSONMember("b", .array([.bool(true), .bool(false), .null])), WireJSONMember("c", .string("x")),
        ])),
        (#"  -12.5e+3 "#, .number("-12.5e+3")),
        (#""\u00e9\ud83d\ude00\n\"\\\/""#, .string("é😀\n\"\\/")),
        (#"[]"#, .array([])),
        (#"{}"#, .object([])),
        (#"12345678901234567890123"#, .number("12345678901234567890123")),
    ])
    func parsesValid(text: String, expected: WireJSON) throws {
        #expect(try WireJSON.parse(text) == expected)
    }

    @Test(arguments: [
        "", " ", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "01", "1.", "-", "1e", "+1", ".5", "tru", "nul",
        "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "{\"a\":1}x", "[1] [2]", "{'a':1}",
        "{\"a\":1,\"a\":2}", "NaN", "Infinity", "\"tab\there\"",
    ])
    func rejectsInvalid(text: String) {
        #expect(throws: WireJSONParseError.self) { try WireJSON.parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        let bytes: [UInt8] = [0x22, 0xC3, 0x28, 0x22]
        #expect(throws: WireJSONParseError.self) { try WireJSON.parse(bytes) }
    }

    @Test func rejectsDuplicateKeysInLargeObjects() {
        var text = "{"
        for i in 0..<40 { text += "\"k\(i)\":\(i)," }
        text += "\"k7\":0}"
        #expect(throws: WireJSONParseError.self) { try WireJSON.parse(text) }
    }

    @Test func boundsNesting() throws {
        let ok = String(repeating: "[", count: WireJSON.maximumDepth) + String(repeating: "]", count: WireJSON.maximumDepth)
        _ = try WireJSON.parse(ok)
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: WireJSONParseError.self) { try WireJSON.parse(deep) }
        let tooDeep = String(repeating: "{\"a\":", count: WireJSON.maximumDepth + 1) + "1" + String(repeating: "}", count: WireJSON.maximumDepth + 1)
        #expect(throws: WireJSONParseError.self) { try WireJSON.parse(tooDeep) }
    }

    @Test func serializesAndParsesBack() throws {
        let value = WireJSON.object([
            WireJSONMember("s", .string("quote\" backslash\\ newline\n ctrl\u{01} é 😀")),
            WireJSONMember("n", .number("-0.5e-7")),
            WireJSONMember("a", .array([.null, .bool(true), .object([])])),
        ])
        #expect(try WireJSON.parse(value.serialized) == value)
        // Foundation agrees that it is JSON.
        #expect(throws: Never.self) { try JSONSerialization.jsonObject(with: Data(value.serialized)) }
    }

    @Test func randomBytesNeverCrash() {
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...64, using: &rng)
            let bytes = (0..<count).map { _ in
                // Mostly JSON punctuation, so that parsing gets deep into the grammar.
                let alphabet = Array("{}[]\":,0123456789-+.eEtrufalsn \\u".utf8)
                return Bool.random(using: &rng) ? alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] : UInt8.random(in: 0...255, using: &rng)
            }
            _ = try? WireJSON.parse(bytes)
        }
    }
}

/// A deterministic generator (SplitMix64) so fuzz failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
