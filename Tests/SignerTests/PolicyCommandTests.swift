import EVM
import Foundation
import Testing

@testable import Signer

/// `signer policy ...`, the real binary: exit statuses and output.
@Suite("signer policy, the real binary")
struct PolicyCommandTests {
    static func signer(_ arguments: [String]) async throws -> KeysCommandTests.Output {
        try await KeysCommandTests.signer(arguments)
    }

    /// A `resolve(7, true)` call to the markets contract of ``approvalPolicyText``, within its
    /// caps, with `maxFeePerGas` as given.
    static func transaction(maxFeePerGas: String = "0x174876e800") -> String {
        let data = Hex.encode(RuleFixture.call("function resolve(uint256 marketId, bool outcome)", [.uint(7), .bool(true)]))
        return """
            {"from": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "to": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
             "gas": "0x30d40", "maxFeePerGas": "\(maxFeePerGas)", "maxPriorityFeePerGas": "0x3b9aca00",
             "value": "0x0", "data": "\(data)", "nonce": "0x1", "chainId": "0x7a69"}
            """
    }

    static let operatorAddress = KeysFixture.operatorAddress

    /// A complete signer.toml (the policy commands read it whole, as `signer serve` does) with
    /// `approval` as the body of its `[approval]` table (header on line 7, body from line 8).
    static func config(approval: String) -> String {
        """
        [keys]
        dir = "keys"

        [policy]
        file = "demo.toml"

        [approval]
        \(approval)

        [database]
        path = "signer.db"
        """
    }
    /// eth-account 0.14's signature of the approval message of ``approvalPolicyText`` as
    /// `demo.toml` with keys.example/operator.json (the command is in ``approveThenStatus()``).
    static let operatorSignature = "0xbeff5962ca1c41832a4a055011c62cabf4a0258f40ae83328a3858e6b04cdb667e969bafd3ff26e00b74d03d8cf863a7e4627a46e7b10b477f8bad821772294a1c"

    @Test("check: 0 allowed, 1 refused, 2 bad input; prints the decision and the rule")
    func check() async throws {
        let dir = try PolicyDirectory()
        let tx = dir.directory + "/tx.json"
        try Data(Self.transaction().utf8).write(to: URL(fileURLWithPath: tx))

        let allowed = try await Self.signer(["policy", "check", dir.policyPath, "--tx", tx])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stdout == "allow: Markets (0x5FbDB2315678afecb367f032d93F642f64180aa3) resolve(uint256,bool)\n")

        let signature = try await Self.signer(["policy", "check", dir.policyPath, "--tx", tx, "--method-signature", "resolve(uint256,bool)"])
        #expect(signature.status == 0, "\(signature.stderr)")
        let wrongSignature = try await Self.signer(["policy", "check", dir.policyPath, "--tx", tx, "--method-signature", "claim(uint256)"])
        #expect(wrongSignature.status == 1)
        #expect(wrongSignature.stdout.hasPrefix("refuse [method_signature]: "))

        let stranger = try await Self.signer(["policy", "check", dir.policyPath, "--tx", tx, "--from", RuleFixture.stranger.checksummed])
        #expect(stranger.status == 1)
        #expect(stranger.stdout.hasPrefix("refuse [account]: "))

        try Data(Self.transaction(maxFeePerGas: "0x174876e801").utf8).write(to: URL(fileURLWithPath: tx))
        let refused = try await Self.signer(["policy", "check", dir.policyPath, "--tx", tx])
        #expect(refused.status == 1)
        #expect(refused.stdout == "refuse [max_fee_per_gas]: maxFeePerGas 100000000001 wei is above the cap of 100000000000 wei (100 gwei)\n")
        #expect(refused.stderr.isEmpty)

        // Bad input: a tx.json with an unknown key, a missing file, a bad --from, a policy with a
        // typo (named by file, line and key).
        try Data(Self.transaction().replacingOccurrences(of: "\"nonce\"", with: "\"nonse\"").utf8).write(to: URL(fileURLWithPath: tx))
        let badTransaction = try await Self.signer(["policy", "check", dir.policyPath, "--tx", tx])
        #expect(badTransaction.status == 2)
        #expect(badTransaction.stderr.contains("tx.json"))
        #expect(badTransaction.stdout.isEmpty)
        // The wire's strict reader: a quantity with a leading zero is refused, as on the socket.
        try Data(Self.transaction().replacingOccurrences(of: "0x30d40", with: "0x030d40").utf8).write(to: URL(fileURLWithPath: tx))
        let leadingZero = try await Self.signer(["policy", "check", dir.policyPath, "--tx", tx])
        #expect(leadingZero.status == 2)
        #expect(leadingZero.stderr.hasPrefix("Error: tx.json: gas: "), "\(leadingZero.stderr)")
        try Data("{\"from\": ".utf8).write(to: URL(fileURLWithPath: tx))
        #expect(try await Self.signer(["policy", "check", dir.policyPath, "--tx", tx]).status == 2)
        #expect(try await Self.signer(["policy", "check", dir.policyPath, "--tx", dir.directory + "/missing.json"]).status == 2)
        #expect(try await Self.signer(["policy", "check", dir.policyPath, "--tx", tx, "--from", "0x1234"]).status == 2)
        #expect(try await Self.signer(["policy", "check", dir.policyPath]).status == 2)
        try Data(Self.transaction().utf8).write(to: URL(fileURLWithPath: tx))
        try dir.write(approvalPolicyText.replacingOccurrences(of: "chain_id = 31337", with: "chain_id = 31337\nchainid = 1"))
        let badPolicy = try await Self.signer(["policy", "check", dir.policyPath, "--tx", tx])
        #expect(badPolicy.status == 2)
        #expect(badPolicy.stderr.hasPrefix("Error: demo.toml:3: chainid: unknown key 'chainid'"), "\(badPolicy.stderr)")
    }

    @Test("message: exactly the EIP-191 text, no trailing newline when piped")
    func message() async throws {
        let dir = try PolicyDirectory()
        let expected = "keeper-signer policy approval\nfile: demo.toml\nsha256: \(castPolicySHA256)\nchain_id: 31337"
        let printed = try await Self.signer(["policy", "message", dir.policyPath])
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(printed.stdout == expected)
        #expect(try await Self.signer(["policy", "message", dir.policyPath, "--chain-id", "31337"]).stdout == expected)

        let otherChain = try await Self.signer(["policy", "message", dir.policyPath, "--chain-id", "1"])
        #expect(otherChain.status == 1)
        #expect(otherChain.stdout.isEmpty)
        #expect(otherChain.stderr.contains("chain_id 31337, not 1"))

        try dir.write("schema = 2\n")
        let invalid = try await Self.signer(["policy", "message", dir.policyPath])
        #expect(invalid.status == 2)
        #expect(invalid.stderr.contains("demo.toml:1: schema"))
    }

    @Test("approve with keys.example/operator.json, then status; an edit voids the approval")
    func approveThenStatus() async throws {
        let keys = try KeysFixture.example()
        let dir = try PolicyDirectory()
        let config = dir.directory + "/signer.toml"
        try Data(Self.config(approval: "operators = [\"\(Self.operatorAddress)\"]\nthreshold = 1").utf8).write(to: URL(fileURLWithPath: config))

        let before = try await Self.signer(["policy", "status", dir.policyPath, "--config", config])
        #expect(before.status == 1)
        #expect(before.stdout.contains("approvals 0 of 1 required: NOT APPROVED"))

        let approved = try await Self.signer([
            "policy", "approve", dir.policyPath, "--keystore", keys.file("operator.json"),
            "--password-file", keys.file("operator.password"), "--config", config,
        ])
        #expect(approved.status == 0, "\(approved.stderr)")
        #expect(approved.stdout.hasPrefix(
            "recorded the approval of \(Self.operatorAddress) for sha256 \(castPolicySHA256) (chain_id 31337) in \(dir.policyPath).approvals.json\n"))
        #expect(approved.stdout.contains("approvals 1 of 1 required: APPROVED"))
        #expect(!approved.stdout.contains(try String(contentsOfFile: keys.file("operator.password"), encoding: .utf8).trimmingCharacters(in: .newlines)))

        let status = try await Self.signer(["policy", "status", dir.policyPath, "--config", config])
        #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
        let lines = status.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "\(status.stdout)")
        #expect(Array(lines.prefix(4)) == [
            "policy demo.toml", "sha256 \(castPolicySHA256)", "chain_id 31337", "approvals 1 of 1 required: APPROVED",
        ])
        #expect(lines.last?.hasPrefix("  \(Self.operatorAddress) ") == true)
        #expect(lines.last?.hasSuffix(" sha256 \(castPolicySHA256.prefix(12)).. valid") == true)
        // RFC 6979 is deterministic: the recorded signature is eth-account's for the same key and
        // message, made with
        //   key = Account.decrypt(json.load(open("keys.example/operator.json")), "<operator.password>")
        //   Account.sign_message(encode_defunct(text=<the message above>), key).signature.hex()
        let recorded = try PolicyApprovals.load(forPolicy: dir.policyPath).records
        #expect(recorded.map { Hex.encode($0.signature) } == [Self.operatorSignature])

        // The library agrees: these bytes may be signed under.
        let requirement = try ApprovalRequirement.load(configPath: config)
        #expect(try ApprovedPolicy.load(path: dir.policyPath, requirement: requirement).approvers.map(\.checksummed) == [Self.operatorAddress])

        // One byte more: the approval is for another version now.
        try dir.write(approvalPolicyText + "\n")
        let edited = try await Self.signer(["policy", "status", dir.policyPath, "--config", config])
        #expect(edited.status == 1)
        #expect(edited.stdout.contains("approvals 0 of 1 required: NOT APPROVED"))
        #expect(edited.stdout.contains(" other-version\n"))
        #expect(edited.stdout.contains("run 'signer policy approve demo.toml --keystore KEYSTORE'"))
        #expect(throws: ApprovalError.self) { try ApprovedPolicy.load(path: dir.policyPath, requirement: requirement) }
    }

    @Test("approve refuses: a readable password file, a wrong password, a key that is not an operator")
    func approveRefusals() async throws {
        let keys = try KeysFixture.example()
        let dir = try PolicyDirectory()
        let asOperator = ["--operator", Self.operatorAddress, "--threshold", "1"]

        try chmodChecked(keys.file("operator.password"), 0o644)
        let readable = try await Self.signer(["policy", "approve", dir.policyPath, "--keystore", keys.file("operator.json"), "--password-file", keys.file("operator.password")] + asOperator)
        #expect(readable.status == 1)
        #expect(readable.stderr.contains("run: chmod 600 \(keys.file("operator.password"))"))
        try chmodChecked(keys.file("operator.password"), 0o600)

        // The keeper's password does not open the operator's keystore.
        let wrong = try await Self.signer(["policy", "approve", dir.policyPath, "--keystore", keys.file("operator.json"), "--password-file", keys.file("keeper.password")] + asOperator)
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("wrong password"))
        #expect(!wrong.stderr.contains(KeysFixture.keeperPassword))

        // The keeper's key is not an operator.
        let notOperator = try await Self.signer(["policy", "approve", dir.policyPath, "--keystore", keys.file("keeper.json"), "--password-file", keys.file("keeper.password")] + asOperator)
        #expect(notOperator.status == 1)
        #expect(notOperator.stderr.contains("\(KeysFixture.keeperAddress) is not an operator"))

        // No terminal and no password file: told to pass one. (Skipped when the tests run with
        // a controlling terminal, where the signer would rightly ask for the password.)
        let tty = open("/dev/tty", O_RDWR | O_NOCTTY)
        if tty >= 0 {
            close(tty)
            return
        }
        let noTerminal = try await Self.signer(["policy", "approve", dir.policyPath, "--keystore", keys.file("operator.json")] + asOperator)
        #expect(noTerminal.status == 2)
        #expect(noTerminal.stderr.contains("--password-file"))
        #expect(!FileManager.default.fileExists(atPath: PolicyApprovals.path(forPolicy: dir.policyPath)))
    }

    @Test("add-approval with an eth-account signature completes a 2-of-2 approval")
    func addApproval() async throws {
        let keys = try KeysFixture.example()
        let dir = try PolicyDirectory()
        let twoOfTwo = ["--operator", Self.operatorAddress, "--operator", castOperator, "--threshold", "2"]

        #expect(try await Self.signer(["policy", "status", dir.policyPath] + twoOfTwo).status == 1)
        let first = try await Self.signer([
            "policy", "approve", dir.policyPath, "--keystore", keys.file("operator.json"), "--password-file", keys.file("operator.password"),
        ] + twoOfTwo)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("approvals 1 of 2 required: NOT APPROVED"))

        // castSignature: eth-account's signature of this file's message (see ApprovalTests.swift
        // for the command that made it).
        let second = try await Self.signer(["policy", "add-approval", dir.policyPath, "--signature", castSignature] + twoOfTwo)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.hasPrefix("recorded the approval of \(castOperator) for sha256 \(castPolicySHA256) (chain_id 31337)"))
        #expect(second.stdout.contains("approvals 2 of 2 required: APPROVED"))
        let status = try await Self.signer(["policy", "status", dir.policyPath] + twoOfTwo)
        #expect(status.status == 0)
        #expect(status.stdout.components(separatedBy: " valid\n").count == 3, "\(status.stdout)")

        // Bad input (2): not a signature. Failure (1): a valid signature by someone not listed.
        let malformed = try await Self.signer(["policy", "add-approval", dir.policyPath, "--signature", "0x1234"] + twoOfTwo)
        #expect(malformed.status == 2)
        let unlisted = try await Self.signer(["policy", "add-approval", dir.policyPath, "--signature", castSignature, "--operator", Self.operatorAddress, "--threshold", "1"])
        #expect(unlisted.status == 1)
        #expect(unlisted.stderr.contains("\(castOperator), which is not a listed operator"))
    }

    @Test("the operators: --config's [approval] table or --operator/--threshold, checked")
    func approvalOptions() async throws {
        let dir = try PolicyDirectory()
        let config = dir.directory + "/signer.toml"
        func status(_ extra: [String]) async throws -> KeysCommandTests.Output {
            try await Self.signer(["policy", "status", dir.policyPath] + extra)
        }
        try Data(Self.config(approval: "operators = [\"\(castOperator)\"]\nthreshold = 1\nthreshhold = 2").utf8).write(to: URL(fileURLWithPath: config))
        let typo = try await status(["--config", config])
        #expect(typo.status == 2)
        #expect(typo.stderr.contains("\(config):10: unknown key 'threshhold' in [approval]"), "\(typo.stderr)")

        try Data(Self.config(approval: "operators = [\"\(castOperator)\"]\nthreshold = 2").utf8).write(to: URL(fileURLWithPath: config))
        let tooHigh = try await status(["--config", config])
        #expect(tooHigh.status == 2)
        #expect(tooHigh.stderr.contains("\(config):9: key 'approval.threshold': expected 1 to 1 (the number of operators), found 2"), "\(tooHigh.stderr)")

        try Data("[keys]\ndir = \"keys\"\n[policy]\nfile = \"demo.toml\"\n[database]\npath = \"signer.db\"\n".utf8).write(to: URL(fileURLWithPath: config))
        #expect(try await status(["--config", config]).stderr.contains("missing required key 'approval'"))

        try Data(Self.config(approval: "operators = [\"\(castOperator)\"]\nthreshold = 1").utf8).write(to: URL(fileURLWithPath: config))
        #expect(try await status(["--config", config]).status == 1)
        #expect(try await status([]).status == 2)
        #expect(try await status(["--config", config, "--operator", castOperator, "--threshold", "1"]).status == 2)
        #expect(try await status(["--operator", "0x12", "--threshold", "1"]).status == 2)
        #expect(try await status(["--operator", castOperator, "--threshold", "2"]).status == 2)
        #expect(try await status(["--operator", castOperator, "--operator", castOperator, "--threshold", "1"]).status == 2)
        #expect(try await status(["--operator", castOperator, "--threshold", "1"]).status == 1)
    }

    @Test("--help for each command, with examples")
    func help() async throws {
        for command in ["check", "message", "approve", "add-approval", "status"] {
            let output = try await Self.signer(["policy", command, "--help"])
            #expect(output.status == 0, "\(command)")
            #expect(output.stdout.contains("USAGE: signer policy \(command)"), "\(command)")
            #expect(output.stdout.contains("Examples:"), "\(command)")
        }
        #expect(try await Self.signer(["policy", "--help"]).stdout.contains("signer policy approve"))
        #expect(try await Self.signer(["--help"]).stdout.contains("policy"))
    }
}
