import EVM
import Foundation
import Testing
@testable import Signer

/// A valid policy; each error case edits one line of it.
private let base = """
    schema = 1
    chain_id = 31337
    accounts = ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"]

    [limits]
    max_gas = 500_000
    max_value = "1.5 ether"
    max_fee_per_gas = "100 gwei"
    max_priority_fee_per_gas = "2 gwei"

    [[budget]]
    window = "1m"
    max_count = 30

    [[contract]]
    name = "Markets"
    address = "0x5FbDB2315678afecb367f032d93F642f64180aa3"

    [[contract.function]]
    signature = "function resolve(uint256 marketId, bool outcome)"
    [contract.function.arguments]
    marketId = { le = "1e6" }

    """

struct LoadErrorCase: Sendable, CustomStringConvertible {
    var name: String
    var replace: String
    var with: String
    var kind: PolicyError.Kind
    var line: Int?
    var key: String?
    var description: String { name }
}

@Suite("Loading policy files")
struct PolicyLoadTests {
    @Test("the documented example loads")
    func example() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("policies/example.toml")
        let policy = try Policy.load(path: url.path)
        #expect(policy.chainId == 31337)
        #expect(policy.contracts.map(\.name) == ["Prediction markets", "Lending pool"])
        #expect(policy.contracts[0].functions.map(\.signature) == ["resolve(uint256,bool)", "claim(uint256,address,uint256)"])
        #expect(policy.limits.maxValue == U256(500_000_000_000_000_000))
        #expect(policy.budgets.map(\.window.label) == ["1m", "24h"])
        #expect(policy.creation == nil)
    }

    @Test("the base text loads with its values")
    func baseLoads() throws {
        let policy = try Policy(toml: base, file: "demo.toml")
        #expect(policy.limits.maxFeePerGas == U256(100_000_000_000))
        #expect(policy.limits.maxValue == U256(1_500_000_000_000_000_000))
        #expect(policy.limits.transactionTypes == [.dynamicFee])
        let function = policy.contracts[0].functions[0]
        #expect(Hex.encode(function.selector) == Hex.encode(Keccak256.hash(Array("resolve(uint256,bool)".utf8)).prefix(4)))
        #expect(function.arguments == [ArgumentConstraint("marketId", .le(.uint(1_000_000)))])
    }

    static let errors: [LoadErrorCase] = [
        LoadErrorCase(name: "unknown top-level key", replace: "chain_id = 31337", with: "chain_id = 31337\nchainid = 1", kind: .unknownKey, line: 3, key: "chainid"),
        LoadErrorCase(name: "unknown key in limits", replace: "max_gas = 500_000", with: "max_gass = 500_000\nmax_gas = 1", kind: .unknownKey, line: 6, key: "limits.max_gass"),
        LoadErrorCase(name: "unknown key in a function", replace: "signature = \"function resolve", with: "selector = \"0x12345678\"\nsignature = \"function resolve", kind: .unknownKey, line: 20, key: "contract[0].function[0].selector"),
        LoadErrorCase(name: "unknown check in an argument", replace: "le = \"1e6\"", with: "lte = \"1e6\"", kind: .unknownKey, line: 22, key: "contract[0].function[0].arguments.marketId.lte"),
        LoadErrorCase(name: "schema missing", replace: "schema = 1\n", with: "", kind: .missingKey, line: 1, key: "schema"),
        LoadErrorCase(name: "schema 2", replace: "schema = 1", with: "schema = 2", kind: .unsupportedSchema, line: 1, key: "schema"),
        LoadErrorCase(name: "chain id a string", replace: "chain_id = 31337", with: "chain_id = \"31337\"", kind: .badValue, line: 2, key: "chain_id"),
        LoadErrorCase(name: "bad address checksum", replace: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", with: "0x70997970c51812dc3A010C7d01b50e0d17dc79C8", kind: .badValue, line: 3, key: "accounts[0]"),
        LoadErrorCase(name: "amount with fractional wei", replace: "\"1.5 ether\"", with: "\"1.5 wei\"", kind: .badValue, line: 7, key: "limits.max_value"),
        LoadErrorCase(name: "amount as a float", replace: "\"1.5 ether\"", with: "1e18", kind: .badValue, line: 7, key: "limits.max_value"),
        LoadErrorCase(name: "unknown unit", replace: "\"100 gwei\"", with: "\"100 gwie\"", kind: .badValue, line: 8, key: "limits.max_fee_per_gas"),
        LoadErrorCase(name: "missing fee cap for type 2", replace: "max_fee_per_gas = \"100 gwei\"\n", with: "", kind: .missingKey, line: 5, key: "limits.max_fee_per_gas"),
        LoadErrorCase(name: "gas price needed for legacy", replace: "max_gas = 500_000", with: "max_gas = 500_000\ntx_types = [0, 2]", kind: .missingKey, line: 5, key: "limits.max_gas_price"),
        LoadErrorCase(name: "bad tx type", replace: "max_gas = 500_000", with: "max_gas = 500_000\ntx_types = [3]", kind: .badValue, line: 7, key: "limits.tx_types"),
        LoadErrorCase(name: "bad window", replace: "window = \"1m\"", with: "window = \"1 minute\"", kind: .badValue, line: 12, key: "budget[0].window"),
        LoadErrorCase(name: "signature does not parse", replace: "function resolve(uint256 marketId, bool outcome)", with: "function resolve(uint257 marketId)", kind: .badSignature, line: 20, key: "contract[0].function[0].signature"),
        LoadErrorCase(name: "argument not in the signature", replace: "marketId = {", with: "market = {", kind: .badSignature, line: 22, key: "contract[0].function[0].arguments.market"),
        LoadErrorCase(name: "ordering on a bool", replace: "marketId = { le = \"1e6\" }", with: "outcome = { le = true }", kind: .badValue, line: 22, key: "contract[0].function[0].arguments.outcome"),
        LoadErrorCase(name: "value too wide for the type", replace: "resolve(uint256 marketId", with: "resolve(uint8 marketId", kind: .badValue, line: 22, key: "contract[0].function[0].arguments.marketId"),
        LoadErrorCase(name: "duplicate contract address", replace: "[[contract.function]]", with: "[[contract.function]]\nsignature = \"f()\"\n[[contract]]\nname = \"Again\"\naddress = \"0x5FbDB2315678afecb367f032d93F642f64180aa3\"\n[[contract.function]]", kind: .duplicate, line: 23, key: "contract[1].address"),
        LoadErrorCase(name: "duplicate function", replace: "marketId = { le = \"1e6\" }", with: "marketId = { le = \"1e6\" }\n[[contract.function]]\nsignature = \"resolve(uint256,bool)\"", kind: .duplicate, line: 23, key: "contract[0].function[1]"),
        LoadErrorCase(name: "duplicate key", replace: "name = \"Markets\"", with: "name = \"Markets\"\nname = \"Other\"", kind: .syntax, line: 17, key: nil),
        LoadErrorCase(name: "syntax error", replace: "max_count = 30", with: "max_count = = 30", kind: .syntax, line: 13, key: nil),
        LoadErrorCase(name: "contract without functions", replace: "[[contract.function]]\nsignature = \"function resolve(uint256 marketId, bool outcome)\"\n[contract.function.arguments]\nmarketId = { le = \"1e6\" }\n", with: "", kind: .missingKey, line: 15, key: "contract[0]"),
    ]

    @Test("errors name the file, line and key", arguments: errors)
    func loadError(_ c: LoadErrorCase) throws {
        #expect(base.contains(c.replace))
        let text = base.replacingOccurrences(of: c.replace, with: c.with)
        let error = try #require(throws: PolicyError.self) { try Policy(toml: text, file: "demo.toml") }
        #expect(error.kind == c.kind, "\(error)")
        #expect(error.file == "demo.toml")
        #expect(error.line == c.line, "\(error)")
        #expect(error.key == c.key, "\(error)")
        #expect(error.description.hasPrefix("demo.toml:"))
    }

    @Test("amounts", arguments: [
        ("21000", "21000"), ("1_000", "1000"), ("0x10", "16"), ("1e24", "1000000000000000000000000"),
        ("2.5e18", "2500000000000000000"), ("30 gwei", "30000000000"), ("1.5 ether", "1500000000000000000"),
        ("0.000000001 ether", "1000000000"), ("15e-1 gwei", "1500000000"), ("0 wei", "0"),
    ])
    func amounts(text: String, expected: String) throws {
        #expect(try EtherAmount.parse(text).get().decimalString == expected)
    }

    @Test("amounts that are refused", arguments: ["1.5 wei", "1e-3", "", "ether", "1.5.1", "-1", "1e78", "12 eth", "1_", "0x10 gwei", "1."])
    func badAmounts(text: String) {
        #expect(throws: AmountError.self) { try EtherAmount.parse(text).get() }
    }

    @Test("windows", arguments: [("30s", 30), ("1m", 60), ("1h", 3600), ("24h", 86_400), ("7d", 604_800)])
    func windows(text: String, seconds: Int64) {
        #expect(BudgetWindow(text)?.seconds == seconds)
    }

    @Test("bad windows", arguments: ["", "1", "m", "0m", "-1m", "1w", "1.5h", "400d", " 1m"])
    func badWindows(text: String) {
        #expect(BudgetWindow(text) == nil)
    }
}

@Suite("signer policy check")
struct PolicyCheckTests {
    @Test("decides a tx.json against a file, signing nothing")
    func check() throws {
        let dir = try PolicyDirectory(text: base)
        let data = Hex.encode(RuleFixture.call("function resolve(uint256 marketId, bool outcome)", [.uint(7), .bool(true)]))
        let tx = """
            {"from": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "to": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
             "gas": "0x30d40", "maxFeePerGas": "0x174876e800", "maxPriorityFeePerGas": "0x3b9aca00",
             "value": "0x0", "data": "\(data)", "nonce": "0x1", "chainId": "0x7a69"}
            """
        let allowed = try PolicyCheck.run(policyPath: dir.policyPath, transactionJSON: Array(tx.utf8), now: RuleFixture.now)
        #expect(allowed == "allow: Markets (0x5FbDB2315678afecb367f032d93F642f64180aa3) resolve(uint256,bool)")
        let other = try PolicyCheck.run(policyPath: dir.policyPath, transactionJSON: Array(tx.utf8), from: RuleFixture.stranger, now: RuleFixture.now)
        #expect(other.hasPrefix("refuse [account]: "))
        let tooHigh = tx.replacingOccurrences(of: "0x174876e800", with: "0x174876e801")
        let refused = try PolicyCheck.run(policyPath: dir.policyPath, transactionJSON: Array(tooHigh.utf8), now: RuleFixture.now)
        #expect(refused == "refuse [max_fee_per_gas]: maxFeePerGas 100000000001 wei is above the cap of 100000000000 wei (100 gwei)")
        #expect(throws: PolicyError.self) {
            try PolicyCheck.run(policyPath: dir.policyPath, transactionJSON: Array(tx.replacingOccurrences(of: "\"nonce\"", with: "\"nonse\"").utf8), now: RuleFixture.now)
        }
    }
}
