import Foundation
import ProcessTestKit
import Keeper
import Testing

@Suite("keeper abi / keeper keccak tool logic")
struct ABIToolTests {
    @Test func specExampleCalldata() throws {
        // The Solidity ABI specification's baz(uint32,bool) example.
        #expect(
            try ABITool.encode(signature: "baz(uint32,bool)", arguments: ["69", "true"])
                == "0xcdcd77c000000000000000000000000000000000000000000000000000000000000000450000000000000000000000000000000000000000000000000000000000000001"
        )
    }

    @Test func selectors() throws {
        #expect(try ABITool.selector(signature: "transfer(address,uint256)") == "0xa9059cbb")
        #expect(try ABITool.selector(signature: "function balanceOf(address owner) external view returns (uint256)") == "0x70a08231")
        #expect(
            try ABITool.selector(signature: "event Transfer(address indexed from, address indexed to, uint256 value)")
                == "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
        )
        #expect(try ABITool.selector(signature: "error Error(string)") == "0x08c379a0")
        // The Solidity documentation's custom-error example.
        #expect(try ABITool.selector(signature: "error InsufficientBalance(uint256 available, uint256 required)") == "0xcf479181")
    }

    @Test func decodeRoundTrip() throws {
        let signature = "protect(address vault, (address token, uint256 amount)[] limits, uint256 deadline)"
        let calldata = try ABITool.encode(
            signature: signature,
            arguments: ["0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "[(0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359, 1e3)]", "1700000000"]
        )
        #expect(
            try ABITool.decode(signature: signature, data: calldata)
                == """
                vault: 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed
                limits: [(0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359, 1000)]
                deadline: 1700000000
                """
        )
        #expect(
            try ABITool.decode(signature: "protect(address,(address,uint256)[],uint256)", data: calldata, json: true)
                == #"[{"name":"","type":"address","value":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"},{"name":"","type":"(address,uint256)[]","value":[["0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359","1000"]]},{"name":"","type":"uint256","value":"1700000000"}]"#
        )
        #expect(try ABITool.decode(signature: "f(string s)", data: ABITool.encode(signature: "f(string)", arguments: ["a \"b\""])) == #"s: "a \"b\"""#)
        #expect(
            try ABITool.decode(
                signature: "balanceOf(address)(uint256)",
                data: "0x00000000000000000000000000000000000000000000000000000000000003e8",
                output: true
            ) == "1000"
        )
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        var run: @Sendable () throws -> String
        var message: String
        var testDescription: String { message }
    }

    static let bad: [Bad] = [
        Bad(run: { try ABITool.encode(signature: "baz(uint32,bool)", arguments: ["69", "tru"]) },
            message: "argument 2 ('tru') is not a bool: expected true or false"),
        Bad(run: { try ABITool.encode(signature: "baz(uint32,bool)", arguments: ["69"]) },
            message: "baz(uint32,bool) takes 2 arguments, got 1"),
        Bad(run: { try ABITool.encode(signature: "baz(uint32,bool)", arguments: ["-1", "true"]) },
            message: "argument 1 ('-1') is not a uint32: it is negative"),
        Bad(run: { try ABITool.encode(signature: "baz(uint32,bool", arguments: []) },
            message: "bad signature: missing ')'"),
        Bad(run: { try ABITool.selector(signature: "foo(uint7)") },
            message: "bad signature: uint7 has an invalid width"),
        Bad(run: { try ABITool.decode(signature: "transfer(address,uint256)", data: "a9059cbb") },
            message: "calldata 'a9059cbb' is not 0x-prefixed hex"),
        Bad(run: { try ABITool.decode(signature: "transfer(address,uint256)", data: "0x12345678") },
            message: "not the selector 0xa9059cbb of transfer(address,uint256)"),
        Bad(run: { try ABITool.decode(signature: "baz(uint32,bool)", data: "0xcdcd77c000000000000000000000000000000000000000000000000000000000000000450000000000000000000000000000000000000000000000000000000000000002") },
            message: "argument 2: bool word"),
        Bad(run: { try ABITool.decode(signature: "f(uint256)", data: "0x", output: true) },
            message: "declares no return values"),
    ]

    @Test("bad input names the argument", arguments: bad)
    func badInput(_ c: Bad) {
        do {
            let output = try c.run()
            Issue.record("succeeded with \(output)")
        } catch let error as ToolError {
            #expect(error.message.contains(c.message), "\(error.message)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func keccak() {
        #expect(KeccakTool.hash("Transfer(address,address,uint256)") == "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
        #expect(KeccakTool.hash("") == "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        #expect(KeccakTool.hash("0x") == "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        // 0x-prefixed hex is bytes: keccak256 of the single byte 0x00 ...
        #expect(KeccakTool.hash("0x00") == "0xbc36789e7a1e281436464229828f817d6612f7b477d66591ff96a9e064bcc98a")
        // ... while text that is not valid hex is hashed as text.
        #expect(KeccakTool.hash("0xzz") == KeccakTool.hash(String("0xzz")))
        #expect(KeccakTool.hash("0xzz") != KeccakTool.hash("0x"))
    }
}

/// Runs the built `keeper` binary for the stdout / stderr / exit status contract.
@Suite("keeper binary")
struct KeeperBinaryTests {
    /// `keeper` sits beside the test bundle in the build directory.
    static let keeperPath: String = {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("keeper").path
    }()

    static var built: Bool { FileManager.default.isExecutableFile(atPath: keeperPath) }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `keeper ARGS` off the cooperative pool.
    static func keeper(_ arguments: [String]) async throws -> Run {
        let run = try await ChildProcess.run(keeperPath, arguments)
        return Run(status: run.status, stdout: run.stdout, stderr: run.stderr)
    }

    @Test(.enabled(if: built, "the keeper executable is not built beside the tests (run swift build first)"))
    func exitStatusAndStreams() async throws {
        let good = try await Self.keeper(["abi", "encode", "baz(uint32,bool)", "69", "true"])
        #expect(good.status == 0)
        #expect(good.stdout == "0xcdcd77c000000000000000000000000000000000000000000000000000000000000000450000000000000000000000000000000000000000000000000000000000000001\n")
        #expect(good.stderr.isEmpty)

        let bad = try await Self.keeper(["abi", "encode", "baz(uint32,bool)", "69", "tru"])
        #expect(bad.status == 2)
        #expect(bad.stdout.isEmpty)
        #expect(bad.stderr == "error: argument 2 ('tru') is not a bool: expected true or false\n")

        let negative = try await Self.keeper(["abi", "encode", "f(int8)", "-5"])
        #expect(negative.status == 0)
        #expect(negative.stdout.hasSuffix("fffffffb\n"))

        let usage = try await Self.keeper(["abi", "decode", "transfer(address,uint256)"])
        #expect(usage.status == 2)
        #expect(usage.stdout.isEmpty)
        #expect(!usage.stderr.isEmpty)

        let keccak = try await Self.keeper(["keccak", "0x"])
        #expect(keccak.stdout == "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470\n")
    }
}
