public import EVM

/// Something a strategy wants done on chain: one contract call, why, and a key that makes it
/// happen at most once.
///
/// The keeper persists an intent before signing it; a second intent with the same
/// ``idempotencyKey`` is never acted on again, across restarts.
public struct Intent: Sendable, Hashable {
    /// The strategy that wants it (its configured name).
    public var strategy: String
    /// `strategy/target/period`, for example `twap-push/ETH-USD/round-1700000400`.
    public var idempotencyKey: String
    /// For cooldowns: the thing acted on, for example `aave-protection/0xabc..`.
    public var subject: String
    /// The contract called.
    public var to: Address
    /// Its name from the keeper's config, for people.
    public var toName: String
    /// The function, with parameter names (for dry-run output and the signer's method hint).
    public var function: ABIFunction
    public var arguments: [ABIValue]
    public var value: U256
    /// Why, in a sentence an operator can check: "ETH-USD moved 1.2% (>= 0.5%) since the last push".
    public var reason: String
    /// A gas limit to use instead of the estimate (rarely needed).
    public var gasLimit: UInt64?

    public init(
        strategy: String, idempotencyKey: String, subject: String, to: Address, toName: String,
        function: ABIFunction, arguments: [ABIValue], value: U256 = .zero, reason: String, gasLimit: UInt64? = nil
    ) {
        self.strategy = strategy
        self.idempotencyKey = idempotencyKey
        self.subject = subject
        self.to = to
        self.toName = toName
        self.function = function
        self.arguments = arguments
        self.value = value
        self.reason = reason
        self.gasLimit = gasLimit
    }

    /// The calldata: selector and encoded arguments.
    public func calldata() throws(ABIError) -> [UInt8] {
        try function.encodeCall(arguments)
    }
}
