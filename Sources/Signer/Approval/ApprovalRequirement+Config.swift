import Foundation

extension ApprovalRequirement {
    /// The requirement of the signer's config: its `[approval]` table (`operators`, `threshold`).
    public init(_ approval: SignerConfig.Approval) throws(ApprovalError) {
        try self.init(operators: approval.operators, threshold: approval.threshold)
    }

    /// Reads the signer's config file (`signer.toml`, checked whole, as `signer serve` reads it)
    /// and returns its `[approval]` requirement, so that the policy commands count approvals
    /// exactly as the signer will. Errors name the file, line and key.
    public static func load(configPath: String) throws(ApprovalError) -> ApprovalRequirement {
        let config: SignerConfig
        do {
            config = try SignerConfig.load(path: configPath)
        } catch {
            throw ApprovalError(.invalidRequirement, "\(error)", cause: error)
        }
        return try ApprovalRequirement(config.approval)
    }
}
