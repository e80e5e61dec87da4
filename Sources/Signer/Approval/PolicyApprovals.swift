public import EVM
public import Foundation

/// One operator's approval of one version of a policy file, as stored in the approvals file.
public struct PolicyApproval: Hashable, Sendable {
    /// The operator the signature claims to come from.
    public var operatorAddress: Address
    /// The SHA-256 (hex) of the policy bytes that were approved.
    public var sha256: String
    /// The chain id in the signed message.
    public var chainId: UInt64
    /// The 65-byte `r || s || v` signature of the ``ApprovalMessage``.
    public var signature: [UInt8]
    /// When it was recorded.
    public var time: Date

    public init(operatorAddress: Address, sha256: String, chainId: UInt64, signature: [UInt8], time: Date) {
        self.operatorAddress = operatorAddress
        self.sha256 = sha256
        self.chainId = chainId
        self.signature = signature
        self.time = time
    }

    /// The message this approval signs for policy file `file`.
    public func message(file: String) -> ApprovalMessage {
        ApprovalMessage(file: file, sha256: sha256, chainId: chainId)
    }

    /// Whether the signature recovers to ``operatorAddress`` over the message for `file`.
    public func isValid(file: String) -> Bool {
        guard let signature = try? Signature(rsv: signature) else { return false }
        return message(file: file).signer(of: signature) == operatorAddress
    }
}

/// The approvals kept beside a policy file, in `<policy file>.approvals.json`, so operators can
/// keep them in the same repository as the policy:
///
/// ```json
/// {
///   "approvals": [
///     {"operator": "0x…", "sha256": "…", "chain_id": 31337, "signature": "0x…", "time": "2025-06-01T12:00:00Z"}
///   ]
/// }
/// ```
///
/// Records of older versions stay in the file (``ApprovedPolicy`` counts only those for the
/// current bytes); one operator has at most one record per hash.
public struct PolicyApprovals: Hashable, Sendable {
    public var records: [PolicyApproval]

    public init(records: [PolicyApproval] = []) {
        self.records = records
    }

    /// `demo.toml` -> `demo.toml.approvals.json`.
    public static func path(forPolicy policyPath: String) -> String {
        policyPath + ".approvals.json"
    }

    /// Reads the approvals of a policy; a missing file is no approvals.
    public static func load(forPolicy policyPath: String) throws(ApprovalError) -> PolicyApprovals {
        let path = path(forPolicy: policyPath)
        guard FileManager.default.fileExists(atPath: path) else { return PolicyApprovals() }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ApprovalError(.io, "cannot read the approvals file '\(path)'; check its permissions")
        }
        return try PolicyApprovals(json: Array(data), name: (path as NSString).lastPathComponent)
    }

    /// Parses the JSON form; `name` names the file in errors.
    public init(json: [UInt8], name: String) throws(ApprovalError) {
        func bad(_ what: String) -> ApprovalError {
            ApprovalError(.malformedApprovals, "\(name): \(what); fix or remove the entry (approvals can be made again with 'signer policy approve')")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any],
              let list = object["approvals"] as? [[String: Any]], object.count == 1
        else { throw bad("expected {\"approvals\": [ ... ]}") }
        var records: [PolicyApproval] = []
        for (i, entry) in list.enumerated() {
            guard Set(entry.keys) == ["operator", "sha256", "chain_id", "signature", "time"] else {
                throw bad("approval #\(i) must have exactly the keys operator, sha256, chain_id, signature, time")
            }
            guard let operatorText = entry["operator"] as? String, let address = try? Address(operatorText) else { throw bad("approval #\(i): operator is not an address") }
            guard let sha = entry["sha256"] as? String, sha.utf8.count == 64, (try? Hex.decode(sha)) != nil, sha == sha.lowercased() else {
                throw bad("approval #\(i): sha256 must be 64 lowercase hex digits")
            }
            guard let chain = entry["chain_id"] as? NSNumber, let chainId = UInt64(exactly: chain.doubleValue), chain.stringValue == String(chainId) else {
                throw bad("approval #\(i): chain_id must be a positive integer")
            }
            guard let signatureText = entry["signature"] as? String, let signature = try? Hex.decode(signatureText), signature.count == 65 else {
                throw bad("approval #\(i): signature must be 0x and 130 hex digits")
            }
            guard let timeText = entry["time"] as? String, let time = try? Date(timeText, strategy: .iso8601) else {
                throw bad("approval #\(i): time must be an ISO 8601 time such as 2025-06-01T12:00:00Z")
            }
            records.append(PolicyApproval(operatorAddress: address, sha256: sha, chainId: chainId, signature: signature, time: time))
        }
        self.records = records
    }

    /// The JSON form, one approval per line.
    public var json: String {
        let lines = records.map { r in
            "    {\"operator\": \"\(r.operatorAddress.checksummed)\", \"sha256\": \"\(r.sha256)\", \"chain_id\": \(r.chainId), \"signature\": \"\(Hex.encode(r.signature))\", \"time\": \"\(r.time.formatted(.iso8601))\"}"
        }
        return "{\n  \"approvals\": [\n" + lines.joined(separator: ",\n") + (lines.isEmpty ? "" : "\n") + "  ]\n}\n"
    }

    /// Adds a record, replacing the same operator's record for the same hash.
    public mutating func record(_ approval: PolicyApproval) {
        records.removeAll { $0.operatorAddress == approval.operatorAddress && $0.sha256 == approval.sha256 }
        records.append(approval)
    }

    /// Writes the approvals file beside the policy (to a temporary file, then renamed over it).
    public func save(forPolicy policyPath: String) throws(ApprovalError) {
        let path = Self.path(forPolicy: policyPath)
        do {
            try Data(json.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ApprovalError(.io, "cannot write the approvals file '\(path)': \(error.localizedDescription); check that its directory is writable")
        }
    }
}
