import TOML
import Testing

/// Valid TOML 1.0 documents, including the spec's tricky corners, each compared as a whole tree.
@Suite struct TOMLParserTests {
    struct Valid: Sendable, CustomTestStringConvertible {
        let name: String
        let toml: String
        let expected: String
        var testDescription: String { name }
    }

    static let valid: [Valid] = [
        Valid(name: "empty", toml: "", expected: "{}"),
        Valid(name: "comments and blank lines", toml: "# c\n\n  # indented\na = 1 # trailing\n", expected: "{a=1}"),
        Valid(name: "CRLF line endings", toml: "a = 1\r\nb = 'x'\r\n", expected: "{a=1,b=\"x\"}"),
        Valid(name: "bare, quoted and literal keys", toml: "bare_key-1 = 1\n\"quoted key\" = 2\n'lit.key' = 3\n\"\" = 4\n1234 = 5",
              expected: "{bare_key-1=1,quoted key=2,lit.key=3,=4,1234=5}"),
        Valid(name: "dotted keys with whitespace", toml: "a . b . c = 1\na.d = 2\n\"x.y\".z = 3",
              expected: "{a={b={c=1},d=2},x.y={z=3}}"),
        Valid(name: "dotted keys into a table made by a header's parent", toml: "[a.b.c]\nz = 1\n[a]\nx.y = 2",
              expected: "{a={b={c={z=1}},x={y=2}}}"),
        Valid(name: "sub-table of a dotted-key table", toml: "[fruit]\napple.color = 'red'\napple.taste.sweet = true\n[fruit.apple.texture]\nsmooth = true",
              expected: "{fruit={apple={color=\"red\",taste={sweet=true},texture={smooth=true}}}}"),
        Valid(name: "super-table defined after sub-table", toml: "[x.y.z.w]\na = 1\n[x]\nb = 2",
              expected: "{x={y={z={w={a=1}}},b=2}}"),
        Valid(name: "array of tables with sub-tables", toml: """
            [[fruits]]
            name = "apple"
            [fruits.physical]
            color = "red"
            [[fruits.varieties]]
            name = "red delicious"
            [[fruits.varieties]]
            name = "granny smith"
            [[fruits]]
            name = "banana"
            [[fruits.varieties]]
            name = "plantain"
            """,
              expected: "{fruits=[{name=\"apple\",physical={color=\"red\"},varieties=[{name=\"red delicious\"},{name=\"granny smith\"}]},{name=\"banana\",varieties=[{name=\"plantain\"}]}]}"),
        Valid(name: "dotted keys in each array-of-tables element", toml: "[[a]]\nb.c = 1\n[[a]]\nb.c = 2",
              expected: "{a=[{b={c=1}},{b={c=2}}]}"),
        Valid(name: "basic string escapes", toml: #"s = "\b\t\n\f\r\"\\\u00e9\U0001F600""#,
              expected: #"{s="\u{08}\t\n\u{0C}\r\"\\\u{00E9}\u{0001F600}"}"#),
        Valid(name: "literal strings keep backslashes", toml: #"s = 'C:\Users\n'"#, expected: #"{s="C:\\Users\\n"}"#),
        Valid(name: "multi-line basic string trims first newline", toml: "s = \"\"\"\nRoses\nViolets\"\"\"", expected: #"{s="Roses\nViolets"}"#),
        Valid(name: "line-ending backslash", toml: "s = \"\"\"\\\n    The quick \\\n\n    brown \\   \n    fox.\\\n    \"\"\"",
              expected: #"{s="The quick brown fox."}"#),
        Valid(name: "quotes before the closing delimiter", toml: "s = \"\"\"a \"\"quoted\"\"\"\"\"\nt = '''x'''''",
              expected: #"{s="a \"\"quoted\"\"",t="x\'\'"}"#),
        Valid(name: "multi-line literal", toml: "s = '''\nfirst\n  \\second\n'''", expected: #"{s="first\n  \\second\n"}"#),
        Valid(name: "multi-line CRLF normalised", toml: "s = \"\"\"\r\na\r\nb\"\"\"", expected: #"{s="a\nb"}"#),
        Valid(name: "integer forms", toml: """
            a = +99
            b = 42
            c = 0
            d = -17
            e = 1_000_000
            f = 0xDEAD_beef
            g = 0o755
            h = 0b1101_0110
            i = 9223372036854775807
            j = -9223372036854775808
            k = -0
            l = 0x7FFFFFFFFFFFFFFF
            """,
              expected: "{a=99,b=42,c=0,d=-17,e=1000000,f=3735928559,g=493,h=214,i=9223372036854775807,j=-9223372036854775808,k=0,l=9223372036854775807}"),
        Valid(name: "float forms", toml: "a = 1.0\nb = 3.1415\nc = -0.01\nd = 5e+22\ne = 1e06\nf = -2E-2\ng = 6.626e-34\nh = 224_617.445_991\ni = 0e0\nj = inf\nk = -inf\nl = 0.1",
              expected: "{a=f(1.0),b=f(3.1415),c=f(-0.01),d=f(5e+22),e=f(1000000.0),f=f(-0.02),g=f(6.626e-34),h=f(224617.445991),i=f(0.0),j=f(inf),k=f(-inf),l=f(0.1)}"),
        Valid(name: "nan", toml: "a = nan\nb = -nan\nc = +nan", expected: "{a=f(nan),b=f(nan),c=f(nan)}"),
        Valid(name: "booleans", toml: "t = true\nf = false", expected: "{t=true,f=false}"),
        Valid(name: "dates and times", toml: """
            odt1 = 1979-05-27T07:32:00Z
            odt2 = 1979-05-27T00:32:00-07:00
            odt3 = 1979-05-27 00:32:00.999999+07:00
            ldt = 1979-05-27T07:32:00
            ld = 2024-02-29
            lt = 00:32:00.5
            """,
              expected: "{odt1=d(1979-05-27T07:32:00Z),odt2=d(1979-05-27T00:32:00-07:00),odt3=d(1979-05-27 00:32:00.999999+07:00),ldt=d(1979-05-27T07:32:00),ld=d(2024-02-29),lt=d(00:32:00.5)}"),
        Valid(name: "arrays, mixed and nested, multi-line with comments and trailing comma", toml: """
            a = [1, 2, 3]
            b = [ "x", 1, 1.5, [true], { k = 1 } ]
            c = [
              1, # one
              2,
            ]
            d = []
            """,
              expected: "{a=[1,2,3],b=[\"x\",1,f(1.5),[true],{k=1}],c=[1,2],d=[]}"),
        Valid(name: "inline tables with dotted keys", toml: "p = { x = 1, y.z = 2, y.w = 3 }\ne = {}",
              expected: "{p={x=1,y={z=2,w=3}},e={}}"),
        Valid(name: "BOM is skipped", toml: "\u{FEFF}a = 1", expected: "{a=1}"),
        Valid(name: "unicode in strings and quoted keys", toml: "\"ключ\" = \"значение ✓\"", expected: "{ключ=\"\\u{0437}\\u{043D}\\u{0430}\\u{0447}\\u{0435}\\u{043D}\\u{0438}\\u{0435} \\u{2713}\"}"),
        Valid(name: "no newline at end of file", toml: "[t]\na = 1", expected: "{t={a=1}}"),
    ]

    @Test(arguments: valid)
    func parsesValidDocument(_ vector: Valid) throws {
        let document = try TOML.parse(vector.toml)
        #expect(render(document) == vector.expected)
    }

    @Test func valuesKnowTheirLineAndColumn() throws {
        let document = try TOML.parse("""
            # header comment
            name = "x"

            [server]
              port = 8080
            list = [
              1,
                "two",
            ]
            [[rules]]
            to = 'a'
            """, file: "keeper.toml")
        #expect(document.entry("name")?.position == TOML.Position(line: 2, column: 8))
        #expect(document.entry("name")?.keyPosition == TOML.Position(line: 2, column: 1))
        let server = try #require(document["server"]?.tableValue)
        #expect(server.position == TOML.Position(line: 4, column: 1))
        #expect(server.entry("port")?.position == TOML.Position(line: 5, column: 10))
        let list = try #require(server["list"]?.arrayValue)
        #expect(list.map(\.position.line) == [7, 8])
        #expect(list[1].position.column == 5)
        let rules = try #require(document["rules"]?.arrayValue)
        let rule = try #require(rules.first?.value.tableValue)
        #expect(rule.position.line == 10)
        #expect(rule.entry("to")?.position.line == 11)
        #expect(rule.keyPath == "rules[0]")
        #expect(rule.file == "keeper.toml")
    }

    @Test func aSuperTableDefinedLaterTakesItsHeaderPosition() throws {
        let document = try TOML.parse("[a.b]\nx = 1\n\n[a]\ny = 2")
        let a = try #require(document["a"]?.tableValue)
        #expect(a.position.line == 4)
        #expect(document.entry("a")?.keyPosition.line == 4)
        #expect(a.entry("b")?.keyPosition.line == 1)
    }

    @Test func columnsCountUnicodeScalars() throws {
        let error = try #require(throws: TOMLError.self) { try TOML.parse("\"é\" = \"\\q\"") }
        #expect(error.line == 1)
        #expect(error.column == 8)
    }
}
