public import EVM

/// Who must approve a policy: the operators listed in the signer's config, and how many distinct
/// ones of them (M of N).
public struct ApprovalRequirement: Hashable, Sendable {
    /// The operators' Ethereum addresses.
    public let operators: [Address]
    /// How many distinct operators must have approved the current bytes.
    public let threshold: Int

    /// Throws unless the operators are distinct and 1 <= threshold <= operators.count.
    public init(operators: [Address], threshold: Int) throws(ApprovalError) {
        guard Set(operators).count == operators.count else {
            throw ApprovalError(.invalidRequirement, "an operator is listed twice; list each operator address once")
        }
        guard threshold >= 1, threshold <= operators.count else {
            throw ApprovalError(.invalidRequirement, "the approval threshold \(threshold) must be between 1 and the number of operators (\(operators.count))")
        }
        self.operators = operators
        self.threshold = threshold
    }

    public func isOperator(_ address: Address) -> Bool { operators.contains(address) }
}
