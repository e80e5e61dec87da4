public import EVM
public import Strategies

/// An intent made concrete for one account at one block: simulated, with gas and fees. This is
/// what dry-run prints and what the keeper signs.
public struct PlannedTransaction: Sendable {
    /// What the simulation said.
    public enum Simulation: Sendable, Hashable {
        /// `eth_call` succeeded with this return data.
        case ok(returnData: [UInt8])
        /// The call reverted: the decoded reason and the raw revert bytes.
        case reverted(reason: String, data: [UInt8])
        /// The node could not be asked (RPC failure); the intent is not acted on this tick.
        case unavailable(String)

        public var isOK: Bool { if case .ok = self { true } else { false } }
    }

    public var intent: Intent
    public var calldata: [UInt8]
    public var from: Address
    public var simulation: Simulation
    /// `eth_estimateGas` at the snapshot's block (nil when the call reverts).
    public var gasEstimate: UInt64?
    /// The limit to sign: the estimate plus the configured margin, or the intent's own limit.
    public var gasLimit: UInt64?
    /// Fees for a new transaction now (nil when the base fee is above the cap).
    public var fees: Fees?
    /// Expected cost: estimate x (next base fee + tip), capped by the fee cap.
    public var expectedFeeWei: U256?
    /// Worst case: limit x max fee per gas (what the signer's fee budget counts).
    public var maxFeeWei: U256?
    /// The signer's verdict under a policy file, in dry-run with `--policy`.
    public var policyVerdict: String?

    /// Whether the keeper would go on to sign this.
    public var isActionable: Bool { simulation.isOK && gasLimit != nil && fees != nil }
}
