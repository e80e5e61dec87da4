import TOML
import Testing

/// Documents that are not TOML 1.0: each must fail with the right kind at the right line.
@Suite struct TOMLInvalidTests {
    struct Invalid: Sendable, CustomTestStringConvertible {
        let name: String
        let toml: String
        let kind: TOMLError.Kind
        let line: Int
        var testDescription: String { name }
    }

    static let invalid: [Invalid] = [
        Invalid(name: "duplicate key", toml: "a = 1\nb = 2\na = 3", kind: .duplicateKey, line: 3),
        Invalid(name: "duplicate key, quoted spelling", toml: "a = 1\n\"a\" = 2", kind: .duplicateKey, line: 2),
        Invalid(name: "duplicate key in inline table", toml: "t = { a = 1, a = 2 }", kind: .duplicateKey, line: 1),
        Invalid(name: "table defined twice", toml: "[a]\nx = 1\n\n[a]\ny = 2", kind: .tableRedefinition, line: 4),
        Invalid(name: "header for a table made by dotted keys", toml: "[fruit]\napple.color = 'red'\n[fruit.apple]\nx = 1", kind: .tableRedefinition, line: 3),
        Invalid(name: "dotted keys into a header-defined table", toml: "[a.b.c]\nz = 9\n[a]\nb.c.t = 1", kind: .tableRedefinition, line: 4),
        Invalid(name: "key as value and table", toml: "a = 1\n[a]\nb = 2", kind: .keyConflict, line: 2),
        Invalid(name: "key as value then dotted table", toml: "a = 1\na.b = 2", kind: .keyConflict, line: 2),
        Invalid(name: "table then value", toml: "[a.b]\nx = 1\n[a]\nb = 2", kind: .duplicateKey, line: 4),
        Invalid(name: "extend inline table with header", toml: "a = { b = 1 }\n[a.c]", kind: .tableRedefinition, line: 2),
        Invalid(name: "extend inline table with dotted key", toml: "a = { b = 1 }\na.c = 2", kind: .keyConflict, line: 2),
        Invalid(name: "append to static array", toml: "a = [{ b = 1 }]\n[[a]]", kind: .tableRedefinition, line: 2),
        Invalid(name: "array of tables after table", toml: "[a]\n[[a]]", kind: .tableRedefinition, line: 2),
        Invalid(name: "table after array of tables", toml: "[[a]]\n[a]", kind: .tableRedefinition, line: 2),
        Invalid(name: "bad escape", toml: "a = 1\ns = \"C:\\path\"", kind: .invalidEscape, line: 2),
        Invalid(name: "escape \\x is TOML 1.1", toml: #"s = "\x41""#, kind: .invalidEscape, line: 1),
        Invalid(name: "short unicode escape", toml: #"s = "\u12""#, kind: .invalidEscape, line: 1),
        Invalid(name: "surrogate escape", toml: #"s = "\uD800""#, kind: .invalidEscape, line: 1),
        Invalid(name: "escape above U+10FFFF", toml: #"s = "\U00110000""#, kind: .invalidEscape, line: 1),
        Invalid(name: "space after backslash mid-line", toml: "s = \"\"\"a \\ b\"\"\"", kind: .invalidEscape, line: 1),
        Invalid(name: "leading zero integer", toml: "a = 012", kind: .invalidNumber, line: 1),
        Invalid(name: "leading zero float", toml: "a = 01.5", kind: .invalidNumber, line: 1),
        Invalid(name: "signed hex", toml: "a = +0x1", kind: .invalidNumber, line: 1),
        Invalid(name: "uppercase hex prefix", toml: "a = 0X1", kind: .invalidNumber, line: 1),
        Invalid(name: "bad octal digit", toml: "a = 0o8", kind: .invalidNumber, line: 1),
        Invalid(name: "double underscore", toml: "a = 1__000", kind: .invalidNumber, line: 1),
        Invalid(name: "trailing underscore", toml: "a = 1_", kind: .invalidNumber, line: 1),
        Invalid(name: "float without fraction digits", toml: "a = 1.", kind: .invalidNumber, line: 1),
        Invalid(name: "float without integer digits", toml: "a = .5", kind: .expectedValue, line: 1),
        Invalid(name: "float exponent without digits", toml: "a = 1e", kind: .invalidNumber, line: 1),
        Invalid(name: "overflow", toml: "\na = 9223372036854775808", kind: .integerOverflow, line: 2),
        Invalid(name: "negative overflow", toml: "a = -9223372036854775809", kind: .integerOverflow, line: 1),
        Invalid(name: "hex overflow", toml: "a = 0x8000000000000000", kind: .integerOverflow, line: 1),
        Invalid(name: "unterminated basic string", toml: "a = \"abc\nb = 1", kind: .unterminatedString, line: 1),
        Invalid(name: "unterminated literal string", toml: "a = 'abc", kind: .unterminatedString, line: 1),
        Invalid(name: "unterminated multi-line string", toml: "a = 1\nb = \"\"\"abc\n\ndef", kind: .unterminatedString, line: 2),
        Invalid(name: "six quotes closing", toml: "a = \"\"\"x\"\"\"\"\"\"", kind: .trailingCharacters, line: 1),
        Invalid(name: "unterminated array", toml: "a = [1, 2", kind: .expectedValue, line: 1),
        Invalid(name: "array missing comma", toml: "a = [1 2]", kind: .trailingCharacters, line: 1),
        Invalid(name: "inline table trailing comma", toml: "a = { b = 1, }", kind: .trailingCharacters, line: 1),
        Invalid(name: "inline table across lines", toml: "a = { b = 1,\nc = 2 }", kind: .invalidCharacter, line: 1),
        Invalid(name: "invalid bare key character", toml: "a = 1\nkey! = 1", kind: .invalidKey, line: 2),
        Invalid(name: "non-ASCII bare key", toml: "ключ = 1", kind: .invalidKey, line: 1),
        Invalid(name: "missing key", toml: "= 1", kind: .invalidKey, line: 1),
        Invalid(name: "missing equals", toml: "a = 1\nb 2", kind: .expectedEquals, line: 2),
        Invalid(name: "key alone on a line", toml: "a", kind: .expectedEquals, line: 1),
        Invalid(name: "missing value", toml: "a =\nb = 1", kind: .expectedValue, line: 1),
        Invalid(name: "unquoted string", toml: "a = hello", kind: .expectedValue, line: 1),
        Invalid(name: "capitalised boolean", toml: "a = True", kind: .expectedValue, line: 1),
        Invalid(name: "trailing garbage after value", toml: "a = 1 2", kind: .trailingCharacters, line: 1),
        Invalid(name: "trailing garbage after string", toml: "a = \"x\" y", kind: .trailingCharacters, line: 1),
        Invalid(name: "two keys on a line", toml: "a = 1 b = 2", kind: .trailingCharacters, line: 1),
        Invalid(name: "garbage after header", toml: "[a] x", kind: .trailingCharacters, line: 1),
        Invalid(name: "unclosed header", toml: "[a\nb = 1", kind: .invalidKey, line: 1),
        Invalid(name: "empty header", toml: "[]", kind: .invalidKey, line: 1),
        Invalid(name: "invalid date", toml: "d = 2023-02-29", kind: .invalidDateTime, line: 1),
        Invalid(name: "time without seconds (TOML 1.1)", toml: "t = 07:32", kind: .invalidDateTime, line: 1),
        Invalid(name: "bad hour", toml: "t = 24:00:00", kind: .invalidDateTime, line: 1),
        Invalid(name: "control character in string", toml: "s = \"a\u{7}b\"", kind: .invalidCharacter, line: 1),
        Invalid(name: "control character in comment", toml: "# a\u{1}b", kind: .invalidCharacter, line: 1),
        Invalid(name: "bare carriage return", toml: "a = 1\rb = 2", kind: .trailingCharacters, line: 1),
        Invalid(name: "double sign", toml: "a = ++99", kind: .invalidNumber, line: 1),
        Invalid(name: "negative octal", toml: "a = -0o755", kind: .invalidNumber, line: 1),
        Invalid(name: "underscore after radix prefix", toml: "a = 0x_1", kind: .invalidNumber, line: 1),
        Invalid(name: "underscore next to exponent", toml: "a = 1_e1", kind: .invalidNumber, line: 1),
        Invalid(name: "value where array of tables has a sub-table", toml: "[[a]]\nb = 1\n[a.b]", kind: .keyConflict, line: 3),
        Invalid(name: "inline table extended inside an inline table", toml: "t = { f = { x = 1 }, f.y = 2 }", kind: .keyConflict, line: 1),
        Invalid(name: "dotted table replaced by inline table", toml: "[p]\ntype.name = 'n'\ntype = { edible = false }", kind: .duplicateKey, line: 3),
        Invalid(name: "date with one-digit month", toml: "d = 1979-5-27", kind: .invalidNumber, line: 1),
        Invalid(name: "date-time without time", toml: "d = 1979-05-27T", kind: .invalidDateTime, line: 1),
        Invalid(name: "multi-line string as key", toml: "\"\"\"k\"\"\" = 1", kind: .invalidKey, line: 1),
    ]

    @Test(arguments: invalid)
    func rejectsInvalidDocument(_ vector: Invalid) throws {
        let error = try #require(throws: TOMLError.self) { try TOML.parse(vector.toml, file: "bad.toml") }
        #expect(error.kind == vector.kind, "\(error)")
        #expect(error.line == vector.line, "\(error)")
        #expect(error.file == "bad.toml")
        #expect(error.column != nil)
        #expect(error.description.hasPrefix("bad.toml:\(vector.line):"))
    }

    @Test(arguments: [
        ("lone continuation byte", [UInt8(ascii: "a"), 0x20, 0x3D, 0x20, 0x22, 0x80, 0x22]),
        ("overlong encoding", [0x23, 0xC0, 0xAF]),
        ("surrogate", [0x23, 0xED, 0xA0, 0x80]),
        ("truncated sequence", [0x23, 0x20, 0xE2, 0x82]),
        ("above U+10FFFF", [0x23, 0xF4, 0x90, 0x80, 0x80]),
    ] as [(String, [UInt8])])
    func rejectsInvalidUTF8(_ name: String, _ bytes: [UInt8]) throws {
        let error = try #require(throws: TOMLError.self) { try TOML.parse(bytes: [0x78, 0x3D, 0x31, 0x0A] + bytes) }
        #expect(error.kind == .invalidUTF8, "\(name)")
        #expect(error.line == 2, "\(name)")
    }

    @Test func errorMessagesSayWhatWasWrong() throws {
        let duplicate = try #require(throws: TOMLError.self) {
            try TOML.parse("[pool]\nfee = 1\nfee = 2", file: "keeper.toml")
        }
        #expect(duplicate.description == "keeper.toml:3:1: duplicate key 'pool.fee'; it was first defined at line 2")

        let escape = try #require(throws: TOMLError.self) { try TOML.parse(#"p = "a\qb""#, file: "k.toml") }
        #expect(escape.description.hasPrefix(#"k.toml:1:7: invalid escape '\q'; TOML 1.0 allows"#))

        let overflow = try #require(throws: TOMLError.self) { try TOML.parse("max_value = 100000000000000000000000") }
        #expect(overflow.description.contains("out of range"))
        #expect(overflow.description.contains("write larger amounts as a string"))
    }

    @Test func loadNamesAMissingFileAndKeepsTheCause() throws {
        let error = try #require(throws: TOMLError.self) {
            try TOML.load(path: "/nonexistent/dir/policy.toml")
        }
        #expect(error.kind == .unreadable)
        #expect(error.file == "/nonexistent/dir/policy.toml")
        #expect(error.cause != nil)
        #expect(error.description.hasPrefix("/nonexistent/dir/policy.toml: cannot read the file"))
    }
}
