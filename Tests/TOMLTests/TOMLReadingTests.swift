import TOML
import Testing

/// The loader-facing API: typed accessors, the messages they produce, and unknown-key rejection.
@Suite struct TOMLReadingTests {
    static let policy = """
        version = 1

        [policy]
        chain_id = 31337
        name = "base"
        strict = true
        max_fee_gwei = 50
        ratio = 0.5
        accounts = ["0xaa", "0xbb"]
        started = 2026-01-01T00:00:00Z

        [contracts.pool]
        address = "0x01"
        max_value = true

        [[rules]]
        to = "a"
        [[rules]]
        to = 7
        """

    @Test func typedAccessorsReadValues() throws {
        let root = try TOML.parse(Self.policy, file: "policies/base.toml")
        #expect(try root.int("version") == 1)
        let policy = try root.table("policy")
        #expect(try policy.int("chain_id") == 31337)
        #expect(try policy.string("name") == "base")
        #expect(try policy.bool("strict"))
        #expect(try policy.double("max_fee_gwei") == 50)
        #expect(try policy.double("ratio") == 0.5)
        #expect(try policy.array("accounts").strings() == ["0xaa", "0xbb"])
        #expect(try policy.dateTime("started").kind == .offsetDateTime)
        #expect(try policy.optionalString("missing") == nil)
        #expect(try policy.optionalInt("chain_id") == 31337)
        #expect(try root.arrayOfTables("rules").count == 2)
        #expect(try root.optionalArrayOfTables("none").isEmpty)
        try policy.rejectUnknownKeys()
    }

    @Test func typeMismatchNamesFileLineAndKeyPath() throws {
        let root = try TOML.parse(Self.policy, file: "policies/base.toml")
        let pool = try root.table("contracts").table("pool")
        let error = try #require(throws: TOMLError.self) { try pool.int("max_value") }
        #expect(error.kind == .typeMismatch)
        #expect(error.keyPath == "contracts.pool.max_value")
        #expect(error.line == 14)
        #expect(error.description == "policies/base.toml:14: key 'contracts.pool.max_value': expected an integer, found a boolean")
    }

    @Test func arrayElementMismatchNamesTheElement() throws {
        let root = try TOML.parse("allow = [\n  \"a\",\n  2,\n]", file: "p.toml")
        let error = try #require(throws: TOMLError.self) { try root.array("allow").strings() }
        #expect(error.description == "p.toml:3: key 'allow[1]': expected a string, found an integer")

        let rules = try TOML.parse(Self.policy, file: "policies/base.toml").arrayOfTables("rules")
        let second = try #require(throws: TOMLError.self) { try rules[1].string("to") }
        #expect(second.description == "policies/base.toml:19: key 'rules[1].to': expected a string, found an integer")
    }

    @Test func missingKeyNamesTheTableAndItsLine() throws {
        let root = try TOML.parse("\n[policy]\nname = 'x'\n", file: "policies/base.toml")
        let policy = try root.table("policy")
        let error = try #require(throws: TOMLError.self) { try policy.int("chain_id") }
        #expect(error.kind == .missingKey)
        #expect(error.line == 2)
        #expect(error.description == "policies/base.toml:2: missing required key 'chain_id' in [policy]; add it as an integer")

        let top = try #require(throws: TOMLError.self) { try root.table("signer") }
        #expect(top.description == "policies/base.toml:1: missing required key 'signer' at the top level; add it as a table")
    }

    @Test func unknownKeysAreRejectedWithTheirLine() throws {
        let root = try TOML.parse("[policy]\nchain_id = 1\nchian_id = 2\n", file: "policies/base.toml")
        let policy = try root.table("policy")
        _ = try policy.int("chain_id")
        _ = try policy.optionalString("name")
        #expect(policy.unreadKeys == ["chian_id"])
        let error = try #require(throws: TOMLError.self) { try policy.rejectUnknownKeys() }
        #expect(error.kind == .unknownKey)
        #expect(error.keyPath == "policy.chian_id")
        #expect(error.description == "policies/base.toml:3: unknown key 'chian_id' in [policy]; expected one of: chain_id, name; remove it or fix its spelling")
        try root.rejectUnknownKeys()
    }

    @Test func copiesShareTheKeysRead() throws {
        let root = try TOML.parse("a = 1\nb = 2\nc = 3")
        let copy = root
        _ = try copy.int("a")
        root.markRead("b")
        #expect(root.unreadKeys == ["c"])
        let error = try #require(throws: TOMLError.self) { try root.rejectUnknownKeys() }
        #expect(error.line == 3)
    }

    @Test func loaderErrorsUseTheSameFormat() throws {
        let root = try TOML.parse("\n\nto = \"0xzz\"\nlist = [1, 2]", file: "p.toml")
        let error = root.error(key: "to", "expected a 0x-prefixed address of 40 hex digits")
        #expect(error.description == "p.toml:3: key 'to': expected a 0x-prefixed address of 40 hex digits")
        let element = try root.array("list").error(at: 1, "must be below 2")
        #expect(element.description == "p.toml:4: key 'list[1]': must be below 2")
    }

    @Test func quotedKeysAreQuotedInPaths() throws {
        let root = try TOML.parse("[\"a b\".c]\nd = true")
        let error = try #require(throws: TOMLError.self) { try root.table("a b").table("c").string("d") }
        #expect(error.keyPath == "\"a b\".c.d")
    }
}

/// The pattern a config or policy loader follows: read what it supports, check values beyond
/// their type with `error(key:_:)`, and reject unknown keys in every table it reads.
@Suite struct TOMLLoaderPatternTests {
    struct Contract: Equatable {
        var name: String
        var address: String
        var maxValue: Int
    }

    static func loadContracts(_ text: String, file: String) throws(TOMLError) -> [Contract] {
        let root = try TOML.parse(text, file: file)
        let contracts = try root.table("contracts")
        var result: [Contract] = []
        for name in contracts.keys {
            let table = try contracts.table(name)
            let address = try table.string("address")
            guard address.hasPrefix("0x"), address.count == 42 else {
                throw table.error(key: "address", "expected a 0x-prefixed address of 40 hex digits, found '\(address)'")
            }
            let maxValue = try table.optionalInt("max_value") ?? 0
            guard maxValue >= 0 else { throw table.error(key: "max_value", "must not be negative") }
            try table.rejectUnknownKeys()
            result.append(Contract(name: name, address: address, maxValue: maxValue))
        }
        try contracts.rejectUnknownKeys()
        try root.rejectUnknownKeys()
        return result
    }

    static let address = "0x" + String(repeating: "ab", count: 20)

    @Test func loadsAValidFile() throws {
        let contracts = try Self.loadContracts("""
            [contracts.pool]
            address = "\(Self.address)"
            max_value = 1_000

            [contracts.router]
            address = "\(Self.address)"
            """, file: "policies/base.toml")
        #expect(contracts == [
            Contract(name: "pool", address: Self.address, maxValue: 1000),
            Contract(name: "router", address: Self.address, maxValue: 0),
        ])
    }

    @Test(arguments: [
        ("[contracts.pool]\naddress = '0x12'", "policies/base.toml:2: key 'contracts.pool.address': expected a 0x-prefixed address of 40 hex digits, found '0x12'"),
        ("[contracts.pool]\naddress = '\(address)'\nmax_value = -1", "policies/base.toml:3: key 'contracts.pool.max_value': must not be negative"),
        ("[contracts.pool]\naddress = '\(address)'\nmax_valu = 1", "policies/base.toml:3: unknown key 'max_valu' in [contracts.pool]; expected one of: address, max_value; remove it or fix its spelling"),
        ("[contracts.pool]\naddress = '\(address)'\n[other]", "policies/base.toml:3: unknown key 'other' at the top level; expected one of: contracts; remove it or fix its spelling"),
        ("[contracts.pool]\nmax_value = 1", "policies/base.toml:1: missing required key 'address' in [contracts.pool]; add it as a string"),
    ])
    func reportsTheFirstProblem(_ text: String, _ expected: String) throws {
        let error = try #require(throws: TOMLError.self) { try Self.loadContracts(text, file: "policies/base.toml") }
        #expect(error.description == expected)
    }
}
