public import Foundation
import EVM

/// Whether the signer answered a request (for `account_signTransaction`: signed it) or refused it.
public enum AuditDecision: String, Hashable, Sendable {
    case allowed
    case refused
}

/// Who asked for what, as the audit log records it: the part of a row the transport knows
/// before the policy has looked at the request.
public struct AuditRequest: Hashable, Sendable {
    /// When the request arrived (stored to the microsecond).
    public var time: Date
    /// The peer's uid and pid (`SO_PEERCRED`).
    public var peerUID: UInt32
    public var peerPID: Int32
    /// Keccak-256 of the request line as received.
    public var requestDigest: [UInt8]
    /// The JSON-RPC method, or a placeholder such as `"(malformed)"` when there is none.
    public var method: String

    public init(time: Date, peerUID: UInt32, peerPID: Int32, requestDigest: [UInt8], method: String) {
        self.time = time
        self.peerUID = peerUID
        self.peerPID = peerPID
        self.requestDigest = requestDigest
        self.method = method
    }

    /// The request as received: `line` is hashed (Keccak-256) into ``requestDigest``.
    public init(time: Date, peerUID: UInt32, peerPID: Int32, line: some Sequence<UInt8>, method: String) {
        self.init(time: time, peerUID: peerUID, peerPID: peerPID, requestDigest: Keccak256.hash(line), method: method)
    }
}

/// One row of the audit log before it takes its place in the chain: the request, the decision,
/// the rule that decided and the hash of the transaction signed, if any.
public struct AuditEntry: Hashable, Sendable {
    public var request: AuditRequest
    public var decision: AuditDecision
    /// The refusing rule id (`budget.count.1h`), or for an allowed signature what matched
    /// (`Markets (0x5FbD..) resolve(uint256,bool)`); nil when nothing was evaluated.
    public var rule: String?
    /// The refusal's sentence, nil when allowed.
    public var reason: String?
    /// The signed transaction's hash, when one was signed.
    public var transactionHash: [UInt8]?

    public init(request: AuditRequest, decision: AuditDecision, rule: String? = nil, reason: String? = nil, transactionHash: [UInt8]? = nil) {
        self.request = request
        self.decision = decision
        self.rule = rule
        self.reason = reason
        self.transactionHash = transactionHash
    }

    /// The time rounded to a whole microsecond, as stored and hashed.
    var timeMicros: Int64 { LedgerTime.micros(request.time) }
}
