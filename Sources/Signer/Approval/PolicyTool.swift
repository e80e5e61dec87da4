public import EVM
public import Foundation

/// The `signer policy ...` commands as functions: the command-line wiring only parses arguments,
/// reads the password, and prints what these return.
public enum PolicyTool {
    /// `signer policy message FILE`: the exact text to sign for the file's current bytes.
    public static func message(policyPath: String) throws(ApprovalError) -> ApprovalMessage {
        let file = PolicyFile(path: policyPath)
        let bytes = try file.read()
        let policy = try file.parse(bytes)
        return ApprovalMessage(file: file.name, sha256: ApprovalMessage.sha256Hex(bytes), chainId: policy.chainId)
    }

    /// `signer policy approve FILE --keystore K`, after the keystore was decrypted: signs the
    /// message for the current bytes and records the approval beside the file. With a
    /// `requirement`, a key that is not a listed operator is refused.
    @discardableResult
    public static func approve(policyPath: String, key: PrivateKey, requirement: ApprovalRequirement?, now: Date) throws(ApprovalError) -> PolicyApproval {
        if let requirement, !requirement.isOperator(key.address) {
            throw ApprovalError(.unlistedOperator, "\(key.address) is not an operator in the signer's config (operators: \(requirement.operators.map(\.checksummed).joined(separator: ", "))); approve with an operator's keystore")
        }
        let message = try message(policyPath: policyPath)
        let signature: Signature
        do {
            signature = try message.sign(with: key)
        } catch {
            throw ApprovalError(.invalidSignature, "signing the approval failed: \(error)", cause: error)
        }
        let approval = PolicyApproval(operatorAddress: key.address, sha256: message.sha256, chainId: message.chainId, signature: signature.rsv, time: now)
        var approvals = try PolicyApprovals.load(forPolicy: policyPath)
        approvals.record(approval)
        try approvals.save(forPolicy: policyPath)
        return approval
    }

    /// `signer policy add-approval FILE --signature 0x..`: records an approval made elsewhere
    /// (`cast wallet sign`, a hardware wallet). The 65-byte `r || s || v` signature (v 0/1 or
    /// 27/28) must be over the message for the file's current bytes and chain and recover to a
    /// listed operator.
    @discardableResult
    public static func addApproval(policyPath: String, signature text: String, requirement: ApprovalRequirement, now: Date) throws(ApprovalError) -> PolicyApproval {
        let message = try message(policyPath: policyPath)
        guard let bytes = try? Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)), let signature = try? Signature(rsv: bytes) else {
            throw ApprovalError(.invalidSignature, "'\(text.prefix(20))..' is not a 65-byte signature; pass the 0x-prefixed r||s||v hex that 'cast wallet sign' prints")
        }
        guard let signer = message.signer(of: signature) else {
            throw ApprovalError(.invalidSignature, "the signature does not recover to any key; pass the signature that 'cast wallet sign' printed")
        }
        guard requirement.isOperator(signer) else {
            throw ApprovalError(.unlistedOperator, "the signature recovers to \(signer), which is not a listed operator; it was made with another key, or over another message (sign exactly the text of 'signer policy message \(message.file)': file \(message.file), sha256 \(message.sha256.prefix(12)).., chain_id \(message.chainId))")
        }
        let approval = PolicyApproval(operatorAddress: signer, sha256: message.sha256, chainId: message.chainId, signature: signature.rsv, time: now)
        var approvals = try PolicyApprovals.load(forPolicy: policyPath)
        approvals.record(approval)
        try approvals.save(forPolicy: policyPath)
        return approval
    }

    /// `signer policy status FILE`: who approved which hash, and whether the current bytes meet
    /// the threshold.
    public static func status(policyPath: String, requirement: ApprovalRequirement) throws(ApprovalError) -> PolicyApprovalStatus {
        let file = PolicyFile(path: policyPath)
        let bytes = try file.read()
        let policy = try file.parse(bytes)
        return PolicyApprovalStatus(file: file.name, bytes: bytes, chainId: policy.chainId, approvals: try PolicyApprovals.load(forPolicy: policyPath), requirement: requirement)
    }
}

extension PolicyTool {
    /// `signer policy approve FILE --keystore K`: decrypts the operator's keystore with
    /// `password` (read by the command from a file or a prompt, never from argv), then
    /// ``approve(policyPath:key:requirement:now:)``. The key is released (and zeroed) on return.
    @discardableResult
    public static func approve(policyPath: String, keystorePath: String, password: [UInt8], requirement: ApprovalRequirement?, now: Date) throws(ApprovalError) -> PolicyApproval {
        guard let data = FileManager.default.contents(atPath: keystorePath) else {
            throw ApprovalError(.io, "cannot read the keystore '\(keystorePath)'; check that it exists and is readable")
        }
        let key: PrivateKey
        do {
            key = try Keystore(jsonBytes: Array(data)).decrypt(password: password)
        } catch {
            throw ApprovalError(.keystore, "cannot decrypt the keystore '\((keystorePath as NSString).lastPathComponent)': \(error)", cause: error)
        }
        return try approve(policyPath: policyPath, key: key, requirement: requirement, now: now)
    }

    /// A password file's contents without one trailing newline (`\n` or `\r\n`).
    public static func readPassword(file path: String) throws(ApprovalError) -> [UInt8] {
        guard var bytes = FileManager.default.contents(atPath: path).map(Array.init) else {
            throw ApprovalError(.io, "cannot read the password file '\(path)'; check that it exists and is readable")
        }
        if bytes.last == 0x0A { bytes.removeLast(); if bytes.last == 0x0D { bytes.removeLast() } }
        return bytes
    }
}
