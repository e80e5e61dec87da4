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
    /// `signer policy approve FILE --keystore K`: reads the operator's keystore (a regular file
    /// owned by this user that group and others cannot read or write, as for the signer's own
    /// keys), decrypts it with `password` (read by the command from a file or a prompt, never from
    /// argv), then ``approve(policyPath:key:requirement:now:)``. The key is released (and zeroed)
    /// on return.
    @discardableResult
    public static func approve(policyPath: String, keystorePath: String, password: borrowing SecretBytes, requirement: ApprovalRequirement?, now: Date) throws(ApprovalError) -> PolicyApproval {
        let keystore: Keystore
        do {
            keystore = try Keystore(jsonBytes: SecureFile.readKeystore(at: keystorePath))
        } catch let error as KeysError {
            throw ApprovalError(.keystore, error.message, cause: error)
        } catch {
            throw ApprovalError(.keystore, "\(keystorePath) is not a usable keystore: \(error)", cause: error)
        }
        let key: PrivateKey
        do {
            key = try password.withUnsafeBytes { (bytes) throws(KeystoreError) in try keystore.decrypt(password: bytes) }
        } catch where error.kind == .wrongPassword {
            throw ApprovalError(.keystore, "wrong password for the keystore \(keystorePath); check the password file or what you typed", cause: error)
        } catch {
            throw ApprovalError(.keystore, "cannot decrypt the keystore \(keystorePath): \(error.message)", cause: error)
        }
        return try approve(policyPath: policyPath, key: key, requirement: requirement, now: now)
    }

    /// The same with the password in an array (for tests); the array is zeroed.
    @discardableResult
    public static func approve(policyPath: String, keystorePath: String, password: [UInt8], requirement: ApprovalRequirement?, now: Date) throws(ApprovalError) -> PolicyApproval {
        var bytes = password
        let secret = SecretBytes(consuming: &bytes)
        return try approve(policyPath: policyPath, keystorePath: keystorePath, password: secret, requirement: requirement, now: now)
    }
}
