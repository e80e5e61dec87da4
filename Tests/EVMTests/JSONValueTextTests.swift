import EVM
import Testing

/// Parsing and writing as the RPC and wire layers use them: exact number text, escapes,
/// surrogate pairs, stable (sorted) serialisation.
@Suite struct JSONValueTextTests {
    @Test(arguments: [
        ("{\"a\":[1,2.5e-3,true,false,null,\"x\"]}", JSONValue.object(["a": [1, .number("2.5e-3"), true, false, nil, "x"]])),
        ("\"\\u00e9\\ud83d\\ude00\\n\"", JSONValue.string("é😀\n")),
        ("  123456789012345678901234567890 ", JSONValue.number("123456789012345678901234567890")),
        ("[]", JSONValue.array([])),
        ("-0", JSONValue.number("-0")),
    ])
    func parsesValid(text: String, expected: JSONValue) throws {
        #expect(try JSONValue.parse(text) == expected)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "01", "1.", "tru", "\"abc", "\"\\x\"", "\"\\ud800\"", "[1] 2",
        "\"a\u{01}b\"", String(repeating: "[", count: 300) + String(repeating: "]", count: 300), "{\"a\":1,}",
        "{\"a\":1,\"a\":2}",
    ])
    func rejectsInvalid(text: String) {
        #expect(throws: JSONValueError.self) { try JSONValue.parse(text) }
    }

    @Test func serialisesSortedAndEscaped() throws {
        let value: JSONValue = ["b": "q\"\n\u{01}", "a": [1, true, nil]]
        #expect(value.serialized == "{\"a\":[1,true,null],\"b\":\"q\\\"\\n\\u0001\"}")
        #expect(try JSONValue.parse(value.serialized) == value)
    }
}
