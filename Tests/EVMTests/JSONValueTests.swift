@testable import EVM
import Testing

@Suite("Strict JSON reader")
struct JSONValueTests {
    @Test(
        "accepts valid documents",
        arguments: [
            (#"{"a":[1,-2,3.5e-1,true,false,null,"x"]}"#, #"{"a":[1,-2,3.5e-1,true,false,null,"x"]}"#),
            (" \n\t{ \"b\" : { } , \"a\" : [ ] } ", #"{"a":[],"b":{}}"#),
            (#""\u00e9\ud83d\ude80\n\"\\\/""#, "\"é🚀\\n\\\"\\\\/\""),
            (#"115792089237316195423570985008687907853269984665640564039457584007913129639935"#,
             "115792089237316195423570985008687907853269984665640564039457584007913129639935"),
            (#""Moo é🚀""#, #""Moo é🚀""#),
        ])
    func accepts(text: String, normalised: String) throws {
        #expect(try JSONValue.parse(text).serialized == normalised)
    }

    @Test(
        "rejects invalid documents",
        arguments: [
            "", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "01", "1.", "-", "+1", ".5", "1e", "tru", "nul",
            "\"abc", "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"a\u{01}b\"", "{\"a\":1,\"a\":2}", "{} {}", "[1] x",
            "{'a':1}", "NaN",
            String(repeating: "[", count: 65) + String(repeating: "]", count: 65),
        ])
    func rejects(text: String) {
        #expect(throws: JSONValueError.self) { try JSONValue.parse(text) }
    }

    @Test("rejects invalid UTF-8 in strings")
    func invalidUTF8() {
        #expect(throws: JSONValueError.self) { try JSONValue.parse([0x22, 0xff, 0x22]) }
    }

    @Test("accepts nesting up to the limit")
    func depthLimit() throws {
        let text = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try JSONValue.parse(text) != .null)
    }
}
