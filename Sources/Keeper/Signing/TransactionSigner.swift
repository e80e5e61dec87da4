public import EVM

/// A complete EIP-1559 transaction for the signer: everything is fixed by the keeper (nonce,
/// gas, fees), so asking again after a crash gives the identical transaction.
public struct SigningRequest: Sendable, Hashable {
    public var chainID: UInt64
    public var from: Address
    public var to: Address
    public var nonce: UInt64
    public var gasLimit: UInt64
    public var fees: Fees
    public var value: U256
    public var data: [UInt8]
    /// The function's canonical signature, `pushPrice(bytes32,uint256,uint256)`: the signer's
    /// policy matches on it.
    public var methodSignature: String?

    public init(
        chainID: UInt64, from: Address, to: Address, nonce: UInt64, gasLimit: UInt64, fees: Fees, value: U256,
        data: [UInt8], methodSignature: String?
    ) {
        self.chainID = chainID
        self.from = from
        self.to = to
        self.nonce = nonce
        self.gasLimit = gasLimit
        self.fees = fees
        self.value = value
        self.data = data
        self.methodSignature = methodSignature
    }

    /// The transaction as the EVM module types it.
    public var transaction: Transaction {
        .dynamicFee(DynamicFeeTransaction(
            chainId: chainID, nonce: nonce, maxPriorityFeePerGas: fees.maxPriorityFeePerGas, maxFeePerGas: fees.maxFeePerGas,
            gasLimit: gasLimit, to: to, value: value, data: data))
    }
}

/// What the signer returns: the raw bytes for `eth_sendRawTransaction` and their hash.
public struct SignedRawTransaction: Sendable, Hashable {
    public var raw: [UInt8]
    public var hash: [UInt8]

    public init(raw: [UInt8], hash: [UInt8]) {
        self.raw = raw
        self.hash = hash
    }
}

/// Why the signer did not sign.
public struct TransactionSignerError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The policy refused: the rule that decided, and its reason. Final for this transaction.
        case refused(rule: String)
        /// The signer could not be reached or did not answer in time: try again later.
        case unavailable
        /// Anything else (a protocol error, an answer that does not match the request).
        case failed
    }

    public let kind: Kind
    public let message: String
    public let cause: (any Error & Sendable)?

    public init(_ kind: Kind, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.kind = kind
        self.message = message
        self.cause = cause
    }

    public static func refused(rule: String, reason: String) -> TransactionSignerError {
        TransactionSignerError(.refused(rule: rule), reason)
    }

    /// The refusing rule, when the policy refused.
    public var rule: String? { if case .refused(let rule) = kind { rule } else { nil } }

    public var description: String {
        switch kind {
        case .refused(let rule): "the signer refused under rule '\(rule)': \(message)"
        case .unavailable: "the signer is unavailable: \(message)" + (cause.map { " (\($0))" } ?? "")
        case .failed: "signing failed: \(message)" + (cause.map { " (\($0))" } ?? "")
        }
    }
}

/// The keeper's view of the signer: who it signs for, and signing one transaction. The tick
/// depends on this protocol only; the daemon plugs in the signer's Unix-socket client, tests a
/// local-key signer.
public protocol TransactionSigner: Sendable {
    /// The accounts the signer holds keys for.
    func accounts() async throws(TransactionSignerError) -> [Address]

    /// Signs `request` exactly as given, or refuses. Signing an identical request again must give
    /// the identical transaction (signatures are deterministic, RFC 6979).
    func sign(_ request: SigningRequest) async throws(TransactionSignerError) -> SignedRawTransaction
}
