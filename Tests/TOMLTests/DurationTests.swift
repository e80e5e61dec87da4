import TOML
import Testing

@Suite struct DurationTests {
    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)), ("5s", .seconds(5)), ("2m", .seconds(120)), ("24h", .seconds(86_400)),
        ("7d", .seconds(604_800)), ("0s", .zero),
    ])
    func parses(text: String, expected: Duration) {
        #expect(TOML.duration(text) == expected)
    }

    @Test(arguments: ["5", "1.5s", "s", "-1s", "5 s", "5sec", "ms", "", "9999999999999999999d"])
    func rejects(text: String) {
        #expect(TOML.duration(text) == nil)
    }

    @Test func tableAccessorNamesTheLine() throws {
        let table = try TOML.parse("a = \"5s\"\nb = \"soon\"\nc = 5\n", file: "k.toml")
        #expect(try table.duration("a") == .seconds(5))
        #expect(try table.optionalDuration("missing") == nil)
        let bad = #expect(throws: TOMLError.self) { try table.duration("b") }
        #expect(bad?.line == 2)
        #expect(bad?.description.contains("'soon' is not a duration") == true)
        let wrongType = #expect(throws: TOMLError.self) { try table.duration("c") }
        #expect(wrongType?.line == 3)
    }
}
