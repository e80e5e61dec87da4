public import EVM

/// The contracts named in the keeper's config (`[contracts.NAME]`): address and ABI. Strategies
/// refer to contracts by these names, so an address lives in one place.
public struct ContractDirectory: Sendable {
    /// One configured contract.
    public struct Contract: Sendable, Hashable {
        public var name: String
        public var address: Address
        /// The ABI from the configured file, when one was given.
        public var abi: ContractABI?

        public init(name: String, address: Address, abi: ContractABI? = nil) {
            self.name = name
            self.address = address
            self.abi = abi
        }
    }

    public private(set) var byName: [String: Contract]

    public init(_ contracts: [Contract] = []) {
        byName = Dictionary(contracts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public subscript(name: String) -> Contract? { byName[name] }

    /// The contract called `name`, or an error naming the config key that refers to it.
    public func require(_ name: String, for key: String) throws(StrategyConfigError) -> Contract {
        guard let contract = byName[name] else {
            let known = byName.keys.sorted().joined(separator: ", ")
            throw StrategyConfigError(key: key, message: "names the contract '\(name)', which is not in [contracts] (known: \(known.isEmpty ? "none" : known))")
        }
        return contract
    }
}

/// A strategy section of the config that cannot be used: the key and what is wrong with it.
public struct StrategyConfigError: Error, Sendable, CustomStringConvertible {
    /// The key path, such as `strategies.twap-push.feeds[0].pools`.
    public let key: String
    public let message: String

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "key '\(key)': \(message)" }
}
