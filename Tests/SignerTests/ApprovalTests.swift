import EVM
import Foundation
import Testing
@testable import Signer

/// The policy used by the approval tests: its bytes are fixed because the `cast`-style signature
/// below was made over their sha256.
let approvalPolicyText = """
    schema = 1
    chain_id = 31337
    accounts = ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"]

    [limits]
    max_gas = 500_000
    max_fee_per_gas = "100 gwei"
    max_priority_fee_per_gas = "2 gwei"

    [[contract]]
    name = "Markets"
    address = "0x5FbDB2315678afecb367f032d93F642f64180aa3"

    [[contract.function]]
    signature = "function resolve(uint256 marketId, bool outcome)"

    """

/// A signature of the approval message for `demo.toml` holding ``approvalPolicyText``, made
/// independently with eth-account 0.14 (what `cast wallet sign` produces: r || s || v, v = 27/28),
/// with the public throw-away key 0x4c0883a6...3f362318 (address 0x2c7536E3...96a65c23):
///
/// ```python
/// msg = f"keeper-signer policy approval\nfile: demo.toml\nsha256: {hashlib.sha256(policy.encode()).hexdigest()}\nchain_id: 31337"
/// Account.sign_message(encode_defunct(text=msg), "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318").signature.hex()
/// ```
let castSignature = "0x85b7f014893cde8662c33ce0673c76807907c7b07ce653e870e85938ea3b72654424a8c7558be659f477432f4f2f8bd96cfd6fac768aa9e9cc36991e79e41fa61b"
let castOperator = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
let castPolicySHA256 = "d091aa49a203b9f4483cf9ab5e141124b62e22113f03e05f2d72af71bba4dc8b"

/// A fresh directory holding `demo.toml`.
struct PolicyDirectory {
    let directory: String
    var policyPath: String { directory + "/demo.toml" }

    init(text: String = approvalPolicyText) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try write(text)
    }

    func write(_ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: policyPath))
    }
}

func testKey(_ n: UInt8) throws -> PrivateKey {
    try PrivateKey(bytes: [UInt8](repeating: 0, count: 31) + [n])
}

let approvalTime = Date(timeIntervalSince1970: 1_750_000_000)

@Suite("Approval by operators")
struct ApprovalTests {
    @Test("SHA-256 known answers")
    func sha256() {
        #expect(ApprovalMessage.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(ApprovalMessage.sha256Hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(ApprovalMessage.sha256Hex(Array(String(repeating: "a", count: 1000).utf8)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
        #expect(ApprovalMessage.sha256Hex(Array(approvalPolicyText.utf8)) == castPolicySHA256)
    }

    @Test("the message is the documented text")
    func messageText() throws {
        let dir = try PolicyDirectory()
        let message = try PolicyTool.message(policyPath: dir.policyPath)
        #expect(message.text == "keeper-signer policy approval\nfile: demo.toml\nsha256: \(castPolicySHA256)\nchain_id: 31337")
    }

    @Test("a cast-style signature (r||s||v, v 27) made by eth-account is accepted")
    func castSignatureAccepted() throws {
        let dir = try PolicyDirectory()
        let requirement = try ApprovalRequirement(operators: [try Address(castOperator)], threshold: 1)
        #expect(throws: ApprovalError.self) { try ApprovedPolicy.load(path: dir.policyPath, requirement: requirement) }
        let approval = try PolicyTool.addApproval(policyPath: dir.policyPath, signature: castSignature, requirement: requirement, now: approvalTime)
        #expect(approval.operatorAddress == (try Address(castOperator)))
        let approved = try ApprovedPolicy.load(path: dir.policyPath, requirement: requirement)
        #expect(approved.approvers == [try Address(castOperator)])
        #expect(approved.sha256 == castPolicySHA256)
        #expect(approved.policy.chainId == 31337)
    }

    @Test("threshold not met: the error says how many and what to run")
    func thresholdNotMet() throws {
        let dir = try PolicyDirectory()
        let a = try testKey(1), b = try testKey(2)
        let requirement = try ApprovalRequirement(operators: [a.address, b.address], threshold: 2)
        try PolicyTool.approve(policyPath: dir.policyPath, key: a, requirement: requirement, now: approvalTime)
        let error = try #require(throws: ApprovalError.self) { try ApprovedPolicy.load(path: dir.policyPath, requirement: requirement) }
        #expect(error.kind == .notApproved)
        #expect(error.message.contains("policy 'demo.toml' has 1 of 2 required approvals for sha256 \(castPolicySHA256.prefix(12))"))
        #expect(error.message.contains("signer policy approve demo.toml --keystore"))
        #expect(error.message.contains("signer policy add-approval demo.toml"))
        try PolicyTool.approve(policyPath: dir.policyPath, key: b, requirement: requirement, now: approvalTime)
        let approved = try ApprovedPolicy.load(path: dir.policyPath, requirement: requirement)
        #expect(Set(approved.approvers) == [a.address, b.address])
    }

    @Test("no approvals file at all")
    func noApprovals() throws {
        let dir = try PolicyDirectory()
        let requirement = try ApprovalRequirement(operators: [try testKey(1).address], threshold: 1)
        let error = try #require(throws: ApprovalError.self) { try ApprovedPolicy.load(path: dir.policyPath, requirement: requirement) }
        #expect(error.message.hasPrefix("policy 'demo.toml' has 0 of 1 required approvals"))
    }

    @Test("editing the file after approval voids the approval")
    func editedFile() throws {
        let dir = try PolicyDirectory()
        let a = try testKey(1)
        let requirement = try ApprovalRequirement(operators: [a.address], threshold: 1)
        try PolicyTool.approve(policyPath: dir.policyPath, key: a, requirement: requirement, now: approvalTime)
        _ = try ApprovedPolicy.load(path: dir.policyPath, requirement: requirement)
        try dir.write(approvalPolicyText.replacingOccurrences(of: "500_000", with: "5_000_000"))
        let error = try #require(throws: ApprovalError.self) { try ApprovedPolicy.load(path: dir.policyPath, requirement: requirement) }
        #expect(error.kind == .notApproved)
        #expect(error.message.contains("1 approval is for other versions of the file"))
        let status = try PolicyTool.status(policyPath: dir.policyPath, requirement: requirement)
        #expect(status.entries.map(\.state) == [.otherVersion])
        #expect(!status.isApproved)
    }

    @Test("a signature over the message with another chain id is refused and never counts")
    func wrongChain() throws {
        let dir = try PolicyDirectory()
        let a = try testKey(1)
        let requirement = try ApprovalRequirement(operators: [a.address], threshold: 1)
        let wrong = ApprovalMessage(file: "demo.toml", sha256: castPolicySHA256, chainId: 1)
        let signature = try wrong.sign(with: a)
        let error = try #require(throws: ApprovalError.self) {
            try PolicyTool.addApproval(policyPath: dir.policyPath, signature: Hex.encode(signature.rsv), requirement: requirement, now: approvalTime)
        }
        #expect(error.kind == .unlistedOperator)
        #expect(error.message.contains("chain_id 31337"))
        // Recorded by hand with the chain it claims, it still does not count.
        var approvals = PolicyApprovals()
        approvals.record(PolicyApproval(operatorAddress: a.address, sha256: castPolicySHA256, chainId: 1, signature: signature.rsv, time: approvalTime))
        try approvals.save(forPolicy: dir.policyPath)
        #expect(throws: ApprovalError.self) { try ApprovedPolicy.load(path: dir.policyPath, requirement: requirement) }
        #expect(try PolicyTool.status(policyPath: dir.policyPath, requirement: requirement).entries.map(\.state) == [.wrongChain])
        // Claiming the right chain with that signature: the signature does not verify.
        approvals = PolicyApprovals()
        approvals.record(PolicyApproval(operatorAddress: a.address, sha256: castPolicySHA256, chainId: 31337, signature: signature.rsv, time: approvalTime))
        try approvals.save(forPolicy: dir.policyPath)
        #expect(throws: ApprovalError.self) { try ApprovedPolicy.load(path: dir.policyPath, requirement: requirement) }
        #expect(try PolicyTool.status(policyPath: dir.policyPath, requirement: requirement).entries.map(\.state) == [.invalidSignature])
    }

    @Test("the same operator twice counts once")
    func sameOperatorTwice() throws {
        let dir = try PolicyDirectory()
        let a = try testKey(1), b = try testKey(2)
        let requirement = try ApprovalRequirement(operators: [a.address, b.address], threshold: 2)
        let message = try PolicyTool.message(policyPath: dir.policyPath)
        let signature = try message.sign(with: a).rsv
        // Two records of the same operator (one with v 0/1 instead of 27/28): written by hand,
        // since the tools replace an operator's record for the same hash.
        var lowV = signature
        lowV[64] -= 27
        let approvals = PolicyApprovals(records: [
            PolicyApproval(operatorAddress: a.address, sha256: message.sha256, chainId: 31337, signature: signature, time: approvalTime),
            PolicyApproval(operatorAddress: a.address, sha256: message.sha256, chainId: 31337, signature: lowV, time: approvalTime),
        ])
        try approvals.save(forPolicy: dir.policyPath)
        let error = try #require(throws: ApprovalError.self) { try ApprovedPolicy.load(path: dir.policyPath, requirement: requirement) }
        #expect(error.message.contains("has 1 of 2"))
        let status = try PolicyTool.status(policyPath: dir.policyPath, requirement: requirement)
        #expect(status.entries.map(\.state) == [.valid, .duplicate])
        // Approving again through the tool replaces the record instead of adding one.
        try PolicyTool.approve(policyPath: dir.policyPath, key: a, requirement: requirement, now: approvalTime)
        #expect(try PolicyApprovals.load(forPolicy: dir.policyPath).records.count == 1)
    }

    @Test("a signature from an unlisted key is refused and never counts")
    func unlistedKey() throws {
        let dir = try PolicyDirectory()
        let listed = try testKey(1), stranger = try testKey(9)
        let requirement = try ApprovalRequirement(operators: [listed.address], threshold: 1)
        let message = try PolicyTool.message(policyPath: dir.policyPath)
        let signature = try message.sign(with: stranger).rsv
        let error = try #require(throws: ApprovalError.self) {
            try PolicyTool.addApproval(policyPath: dir.policyPath, signature: Hex.encode(signature), requirement: requirement, now: approvalTime)
        }
        #expect(error.kind == .unlistedOperator)
        #expect(error.message.contains(stranger.address.checksummed))
        #expect(throws: ApprovalError.self) { try PolicyTool.approve(policyPath: dir.policyPath, key: stranger, requirement: requirement, now: approvalTime) }
        try PolicyApprovals(records: [
            PolicyApproval(operatorAddress: stranger.address, sha256: message.sha256, chainId: 31337, signature: signature, time: approvalTime)
        ]).save(forPolicy: dir.policyPath)
        #expect(throws: ApprovalError.self) { try ApprovedPolicy.load(path: dir.policyPath, requirement: requirement) }
        #expect(try PolicyTool.status(policyPath: dir.policyPath, requirement: requirement).entries.map(\.state) == [.unlistedOperator])
    }

    @Test("a malformed signature is refused")
    func malformedSignature() throws {
        let dir = try PolicyDirectory()
        let requirement = try ApprovalRequirement(operators: [try testKey(1).address], threshold: 1)
        for text in ["0x1234", "zz", String(castSignature.dropLast(2)) + "05"] {
            let error = try #require(throws: ApprovalError.self) {
                try PolicyTool.addApproval(policyPath: dir.policyPath, signature: text, requirement: requirement, now: approvalTime)
            }
            #expect(error.kind == .invalidSignature)
        }
    }

    @Test("approvals file round trip and strict reading")
    func approvalsFile() throws {
        let dir = try PolicyDirectory()
        let a = try testKey(1)
        let requirement = try ApprovalRequirement(operators: [a.address], threshold: 1)
        let approval = try PolicyTool.approve(policyPath: dir.policyPath, key: a, requirement: requirement, now: approvalTime)
        let loaded = try PolicyApprovals.load(forPolicy: dir.policyPath)
        #expect(loaded.records == [approval])
        let text = try String(contentsOfFile: PolicyApprovals.path(forPolicy: dir.policyPath), encoding: .utf8)
        #expect(text.contains("\"time\": \"2025-06-15T15:06:40Z\""))
        #expect(throws: ApprovalError.self) { try PolicyApprovals(json: Array(#"{"approvals": [{"operator": "0x00"}]}"#.utf8), name: "x") }
        #expect(throws: ApprovalError.self) { try PolicyApprovals(json: Array(#"{"approvals": [], "extra": 1}"#.utf8), name: "x") }
    }

    @Test("approving with an operator's keystore")
    func approveWithKeystore() throws {
        let dir = try PolicyDirectory()
        let a = try testKey(3)
        let keystore = try Keystore.encrypt(a, password: "correct horse", kdf: .pbkdf2(.init(iterations: 2)))
        let keystorePath = dir.directory + "/operator.json"
        try Data(keystore.json.utf8).write(to: URL(fileURLWithPath: keystorePath))
        let requirement = try ApprovalRequirement(operators: [a.address], threshold: 1)
        // A keystore that group or others can read is refused, as the signer's own keys are.
        try chmodChecked(keystorePath, 0o644)
        let insecure = try #require(throws: ApprovalError.self) {
            try PolicyTool.approve(policyPath: dir.policyPath, keystorePath: keystorePath, password: Array("correct horse".utf8), requirement: requirement, now: approvalTime)
        }
        #expect(insecure.kind == .keystore)
        #expect(insecure.message.contains("chmod 600 \(keystorePath)"))
        try chmodChecked(keystorePath, 0o600)
        #expect(throws: ApprovalError.self) {
            try PolicyTool.approve(policyPath: dir.policyPath, keystorePath: keystorePath, password: Array("wrong".utf8), requirement: requirement, now: approvalTime)
        }
        try PolicyTool.approve(policyPath: dir.policyPath, keystorePath: keystorePath, password: Array("correct horse".utf8), requirement: requirement, now: approvalTime)
        #expect(try ApprovedPolicy.load(path: dir.policyPath, requirement: requirement).approvers == [a.address])
    }

    @Test("an invalid policy is not approvable", arguments: [
        ("schema = 2\n", PolicyError.Kind.unsupportedSchema),
        ("schema = 1\nchain_id = 1\n", .missingKey),
    ])
    func invalidPolicy(text: String, kind: PolicyError.Kind) throws {
        let dir = try PolicyDirectory(text: text)
        let requirement = try ApprovalRequirement(operators: [try testKey(1).address], threshold: 1)
        let error = try #require(throws: ApprovalError.self) { try ApprovedPolicy.load(path: dir.policyPath, requirement: requirement) }
        #expect(error.kind == .invalidPolicy)
        #expect((error.cause as? PolicyError)?.kind == kind)
    }

    @Test("requirements are checked")
    func requirement() throws {
        let a = try testKey(1).address
        #expect(throws: ApprovalError.self) { try ApprovalRequirement(operators: [a, a], threshold: 1) }
        #expect(throws: ApprovalError.self) { try ApprovalRequirement(operators: [a], threshold: 2) }
        #expect(throws: ApprovalError.self) { try ApprovalRequirement(operators: [a], threshold: 0) }
    }
}
