public import EVM

/// What the emission-minting strategy knows at one block: each credential's rate and each
/// current holder's `accruedUntil`, read from the chain at the pinned block (the subgraph only
/// said which credentials and holders exist).
public struct EmissionObservation: Sendable, Hashable {
    public struct Holder: Sendable, Hashable {
        public var address: Address
        /// The chain's `accruedUntil(credentialId, holder)`: where the last mint stopped.
        public var accruedUntil: UInt64

        public init(address: Address, accruedUntil: UInt64) {
            self.address = address
            self.accruedUntil = accruedUntil
        }
    }

    public struct Credential: Sendable, Hashable {
        public var credentialId: U256
        public var name: String
        /// The chain's `ratePerSecond(credentialId)`: wei per second per holder.
        public var ratePerSecond: U256
        /// Current holders (the chain's `isHolder`), in address order.
        public var holders: [Holder]

        public init(credentialId: U256, name: String, ratePerSecond: U256, holders: [Holder]) {
            self.credentialId = credentialId
            self.name = name
            self.ratePerSecond = ratePerSecond
            self.holders = holders
        }
    }

    public var credentials: [Credential]
    /// Holders the subgraph listed that the chain no longer has (removed): not minted.
    public var removedHolders: Int

    public init(credentials: [Credential], removedHolders: Int = 0) {
        self.credentials = credentials
        self.removedHolders = removedHolders
    }
}

/// Reads an ``EmissionObservation``: credentials and holders from the credentials subgraph
/// (`credentials`, `credentialHolders` paged by id), then through Multicall3 at the pinned block
/// `credentials(id)` (name, rate, existence), `isHolder` and `accruedUntil` per holder.
public struct EmissionObserver: Observer {
    public let strategy: String
    public let token: Address
    public let subgraph: String
    /// Credential ids to watch; empty = every credential.
    public let credentialIds: [U256]

    /// Vyper's getter of a struct with a string returns one tuple (encoded behind an offset).
    static let credentialsFunction = try! ABIFunction(parsing: """
        function credentials(uint256) view returns ((string name, uint256 ratePerSecond, uint256 holderCount, \
        uint256 createdAt, bool exists) credential)
        """)
    static let isHolder = try! ABIFunction(parsing: "function isHolder(uint256 credentialId, address holder) view returns (bool)")
    static let accruedUntil = try! ABIFunction(parsing: "function accruedUntil(uint256 credentialId, address holder) view returns (uint256)")

    public init(strategy: String, token: Address, subgraph: String, credentialIds: [U256] = []) {
        self.strategy = strategy
        self.token = token
        self.subgraph = subgraph
        self.credentialIds = credentialIds
    }

    public func observe(at block: BlockHeader, context: ObservationContext) async throws -> any Sendable {
        guard let client = context.subgraphs[subgraph] else {
            throw MarketObserver.Failure("no subgraph named '\(subgraph)' is configured; add it to [subgraphs] or set the strategy's 'subgraph' key")
        }
        let holderRows = try await client.all("credentialHolders", fields: "holder credential { credentialId }")
        var discovered: [U256: Set<Address>] = [:]
        for row in holderRows {
            guard let holderText = row["holder"]?.stringValue, let holder = try? Address(holderText),
                  let idText = Self.text(row["credential"]?["credentialId"]), let id = U256(decimal: idText)
            else { throw MarketObserver.Failure("subgraph '\(subgraph)' gave a credential holder without holder and credentialId") }
            discovered[id, default: []].insert(holder)
        }
        var ids = credentialIds
        if ids.isEmpty {
            let credentialRows = try await client.all("credentials", fields: "credentialId")
            for row in credentialRows {
                guard let text = Self.text(row["credentialId"]), let id = U256(decimal: text) else {
                    throw MarketObserver.Failure("subgraph '\(subgraph)' gave a credential without a decimal credentialId")
                }
                ids.append(id)
            }
            ids.sort()
        }
        return try await read(ids: ids, holders: discovered, at: block, context: context)
    }

    /// The chain's view of the given credentials and holders at `block`.
    public func read(ids: [U256], holders: [U256: Set<Address>], at block: BlockHeader, context: ObservationContext)
        async throws -> EmissionObservation
    {
        let tag = BlockTag.number(block.number)
        let heads = try await MarketObserver.read(context.multicall, ids.map { (token, Self.credentialsFunction, [.uint($0)]) }, at: tag)
        var pairs: [(U256, Address)] = []
        for id in ids {
            for holder in (holders[id] ?? []).sorted(by: { $0.lowercaseHex < $1.lowercaseHex }) { pairs.append((id, holder)) }
        }
        var calls: [(Address, ABIFunction, [ABIValue])] = []
        for (id, holder) in pairs {
            calls.append((token, Self.isHolder, [.uint(id), .address(holder)]))
            calls.append((token, Self.accruedUntil, [.uint(id), .address(holder)]))
        }
        let rows = try await MarketObserver.read(context.multicall, calls, at: tag)
        var byCredential: [U256: [EmissionObservation.Holder]] = [:]
        var removed = 0
        for (k, (id, holder)) in pairs.enumerated() {
            guard let isHolder = rows[2 * k].first?.boolValue, let until = rows[2 * k + 1].first?.uintValue?.uint64 else {
                throw MarketObserver.Failure("isHolder/accruedUntil(\(id), \(holder)) at \(token) did not decode")
            }
            if isHolder {
                byCredential[id, default: []].append(EmissionObservation.Holder(address: holder, accruedUntil: until))
            } else {
                removed += 1
            }
        }
        var credentials: [EmissionObservation.Credential] = []
        for (id, head) in zip(ids, heads) {
            let row = head.first?.elements ?? []
            guard row.count == 5, let name = row[0].stringValue, let rate = row[1].uintValue, let exists = row[4].boolValue else {
                throw MarketObserver.Failure("credentials(\(id)) at \(token) did not decode as a CredentialToken credential")
            }
            guard exists else { continue }
            credentials.append(EmissionObservation.Credential(
                credentialId: id, name: name, ratePerSecond: rate, holders: byCredential[id] ?? []))
        }
        return EmissionObservation(credentials: credentials, removedHolders: removed)
    }

    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s)?: s
        case .number(let n)?: n
        default: nil
        }
    }
}
