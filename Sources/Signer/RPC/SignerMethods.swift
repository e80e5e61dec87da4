public import EVM
public import SignerWire

/// What the signer does for each method: implemented by the signer's core (keys, policy,
/// ledger). The dispatcher has already parsed and strictly validated the params.
///
/// Methods are called synchronously on the connection's thread, concurrently from several
/// connections: implementations must be thread-safe, and should not block for long (a slow
/// method holds only its own connection, but a connection slot all the same). When the context
/// carries a ``RequestContext/durability``, a method queues its durable records there instead of
/// waiting for them: the dispatcher holds the answer until they are durable.
public protocol SignerMethods: Sendable {
    /// `account_list`.
    func accountList(context: RequestContext) throws(SignerMethodError) -> [Address]
    /// `account_signTransaction`: sign under the active policy, or refuse naming the rule.
    func signTransaction(
        _ transaction: TransactionArgs, methodSignature: String?, context: RequestContext
    ) throws(SignerMethodError) -> SignedTransactionResult
    /// `signer_status`.
    func status(context: RequestContext) throws(SignerMethodError) -> SignerStatus
    /// `signer_version`.
    func version(context: RequestContext) -> SignerVersion
    /// Called for each request answered with an error before reaching a method (malformed,
    /// unknown method, invalid params), so that the audit log can record it. Default: nothing.
    func rejected(_ error: RPCErrorObject, context: RequestContext)
}

extension SignerMethods {
    public func rejected(_ error: RPCErrorObject, context: RequestContext) {}
}

/// Who asked, and what exactly arrived.
public struct RequestContext: Sendable {
    /// The connected process.
    public var peer: PeerCredentials
    /// The request's id (null when it could not be read).
    public var id: RPCID
    /// The method name as sent (empty when it could not be read).
    public var method: String
    /// The request line exactly as received (without the newline), e.g. for the audit digest.
    public var rawRequest: ArraySlice<UInt8>
    /// Set when the request is one of a run whose answers are held until the end of the run: a
    /// method leaves its durability wait to it instead of waiting itself (nil: wait).
    public var durability: DeferredDurability?

    public init(peer: PeerCredentials, id: RPCID, method: String, rawRequest: ArraySlice<UInt8>, durability: DeferredDurability? = nil) {
        self.peer = peer
        self.id = id
        self.method = method
        self.rawRequest = rawRequest
        self.durability = durability
    }
}
