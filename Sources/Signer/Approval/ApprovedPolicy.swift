public import EVM
import Foundation

/// A policy whose current bytes carry enough valid approvals: the only kind the signer signs under.
public struct ApprovedPolicy: Sendable {
    /// The loaded policy.
    public let policy: Policy
    /// The policy file's base name.
    public let file: String
    /// The SHA-256 (hex) of the bytes that were loaded and approved.
    public let sha256: String
    /// The distinct listed operators whose approvals of these bytes are valid.
    public let approvers: [Address]

    /// Loads `path` and its approvals; throws ``ApprovalError`` `.notApproved` (with the command
    /// to run) unless the current bytes carry `requirement.threshold` valid approvals from distinct
    /// listed operators, and `.invalidPolicy` when the file does not load.
    ///
    /// The bytes are read once: the hash, the policy and the approvals all refer to the same read.
    public static func load(path: String, requirement: ApprovalRequirement) throws(ApprovalError) -> ApprovedPolicy {
        let file = PolicyFile(path: path)
        let bytes = try file.read()
        return try approve(bytes: bytes, file: file, approvals: PolicyApprovals.load(forPolicy: path), requirement: requirement)
    }

    /// The same check on bytes and approvals already in memory.
    public static func approve(bytes: [UInt8], fileName: String, approvals: PolicyApprovals, requirement: ApprovalRequirement) throws(ApprovalError) -> ApprovedPolicy {
        try approve(bytes: bytes, file: PolicyFile(path: fileName), approvals: approvals, requirement: requirement)
    }

    static func approve(bytes: [UInt8], file: PolicyFile, approvals: PolicyApprovals, requirement: ApprovalRequirement) throws(ApprovalError) -> ApprovedPolicy {
        let policy = try file.parse(bytes)
        let status = PolicyApprovalStatus(file: file.name, bytes: bytes, chainId: policy.chainId, approvals: approvals, requirement: requirement)
        guard status.isApproved else {
            var message = "policy '\(file.name)' has \(status.approvers.count) of \(requirement.threshold) required approvals for sha256 \(status.sha256.prefix(12))..; run 'signer policy approve \(file.name) --keystore KEYSTORE' or 'signer policy add-approval \(file.name) --signature 0x...' (sign the text of 'signer policy message \(file.name)')"
            let stale = status.entries.filter { $0.state == .otherVersion }.count
            if stale > 0 {
                message += "; \(stale) approval\(stale == 1 ? " is" : "s are") for other versions of the file, which changed since"
            }
            throw ApprovalError(.notApproved, message)
        }
        return ApprovedPolicy(policy: policy, file: file.name, sha256: status.sha256, approvers: status.approvers)
    }
}

/// Who approved which version of a policy, and whether the current bytes meet the threshold:
/// what `signer policy status FILE` prints.
public struct PolicyApprovalStatus: Sendable, CustomStringConvertible {
    /// What one recorded approval counts for.
    public enum State: String, Hashable, Sendable {
        /// Valid for the current bytes: counted.
        case valid
        /// The same operator approved the current bytes before: counted once.
        case duplicate
        /// For another version of the file (a different sha256).
        case otherVersion = "other-version"
        /// Signed for another chain id than the policy's.
        case wrongChain = "wrong-chain"
        /// The signature does not recover to the operator it names.
        case invalidSignature = "invalid-signature"
        /// A valid signature by a key that is not a listed operator.
        case unlistedOperator = "unlisted-operator"
    }

    public struct Entry: Hashable, Sendable {
        public var approval: PolicyApproval
        public var state: State
    }

    public let file: String
    /// The SHA-256 of the current bytes.
    public let sha256: String
    public let chainId: UInt64
    public let threshold: Int
    public let entries: [Entry]
    /// Distinct listed operators with a valid approval of the current bytes.
    public let approvers: [Address]

    public var isApproved: Bool { approvers.count >= threshold }

    public init(file: String, bytes: [UInt8], chainId: UInt64, approvals: PolicyApprovals, requirement: ApprovalRequirement) {
        let sha = ApprovalMessage.sha256Hex(bytes)
        var approvers: [Address] = []
        var entries: [Entry] = []
        for approval in approvals.records {
            let state: State
            if approval.sha256 != sha {
                state = .otherVersion
            } else if approval.chainId != chainId {
                state = .wrongChain
            } else if !approval.isValid(file: file) {
                state = .invalidSignature
            } else if !requirement.isOperator(approval.operatorAddress) {
                state = .unlistedOperator
            } else if approvers.contains(approval.operatorAddress) {
                state = .duplicate
            } else {
                state = .valid
                approvers.append(approval.operatorAddress)
            }
            entries.append(Entry(approval: approval, state: state))
        }
        self.file = file
        self.sha256 = sha
        self.chainId = chainId
        self.threshold = requirement.threshold
        self.entries = entries
        self.approvers = approvers
    }

    public var description: String {
        var lines = [
            "policy \(file)", "sha256 \(sha256)", "chain_id \(chainId)",
            "approvals \(approvers.count) of \(threshold) required: \(isApproved ? "APPROVED" : "NOT APPROVED")",
        ]
        for entry in entries {
            lines.append("  \(entry.approval.operatorAddress) \(entry.approval.time.formatted(.iso8601)) sha256 \(entry.approval.sha256.prefix(12)).. \(entry.state.rawValue)")
        }
        if !isApproved {
            lines.append("run 'signer policy approve \(file) --keystore KEYSTORE' or 'signer policy add-approval \(file) --signature 0x...'")
        }
        return lines.joined(separator: "\n")
    }
}

/// A policy file on disk: its base name, bytes and parsed form.
struct PolicyFile {
    let path: String
    var name: String { (path as NSString).lastPathComponent }

    func read() throws(ApprovalError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ApprovalError(.io, "cannot read the policy file '\(path)'; check that it exists and is readable")
        }
        return Array(data)
    }

    func parse(_ bytes: [UInt8]) throws(ApprovalError) -> Policy {
        do {
            return try Policy(tomlBytes: bytes, file: name)
        } catch {
            throw ApprovalError(.invalidPolicy, "policy '\(name)' does not load: \(error); fix it before approving", cause: error)
        }
    }
}
