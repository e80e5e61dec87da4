import EVM
public import Oracle
public import TOML

/// `kind = "emission-minting"`:
/// ```
/// [strategies.emissions]
/// kind = "emission-minting"
/// contract = "CredentialToken"     # [contracts] name of the credential token
/// subgraph = "credentials"         # [subgraphs] name used for discovery
/// credentials = [0, 1]             # credential ids; default: every credential
/// minimum_amount = "1 ether"       # mint a holder once its accrual reaches this (token wei; units allowed)
/// interval_seconds = 86400         # ... or once its last mint is this old
/// max_batch_size = 100             # holders per mintEmissions call (the contract allows 256)
/// max_batches_per_tick = 10        # calls per credential per tick; the rest wait
/// cooldown_seconds = 120           # after planning a mint for a credential, wait this long
/// ```
public enum EmissionMintingKind: StrategyKind {
    public static let kind = "emission-minting"

    public static func make(name: String, table: TOML.Table, environment: StrategyEnvironment) throws -> (any Observer, any Strategy) {
        let path = table.keyPath
        let token = try environment.contracts.require(try table.optionalString("contract") ?? "CredentialToken", for: "\(path).contract")
        let subgraph = try table.optionalString("subgraph") ?? "credentials"
        var ids: [U256] = []
        if let array = try table.optionalArray("credentials") {
            for (i, id) in try array.integers().enumerated() {
                guard id >= 0 else { throw array.error(at: i, "a credential id is 0 or more") }
                ids.append(U256(UInt64(id)))
            }
        }
        let minimum: U256
        switch table.value("minimum_amount") {
        case nil:
            minimum = U256.pow10(18)!
        case .integer(let n)? where n >= 0:
            minimum = U256(UInt64(n))
        case .string(let text)?:
            switch EtherAmount.parse(text) {
            case .success(let v): minimum = v
            case .failure(let e): throw table.error(key: "minimum_amount", "\(e.message); for example \"1 ether\" (token wei with 18 decimals) or \"1000000\"")
            }
        default:
            throw table.error(key: "minimum_amount", "expected an amount of token wei: an integer, or a string such as \"1 ether\"")
        }
        let interval = try table.optionalInt("interval_seconds") ?? 86_400
        guard interval >= 1 else { throw table.error(key: "interval_seconds", "must be at least 1 second") }
        let batch = try table.optionalInt("max_batch_size") ?? 100
        guard (1...EmissionMinting.contractMaxBatch).contains(batch) else {
            throw table.error(key: "max_batch_size", "must be 1 to \(EmissionMinting.contractMaxBatch) (the contract's limit per call)")
        }
        let batches = try table.optionalInt("max_batches_per_tick") ?? 10
        guard batches >= 1 else { throw table.error(key: "max_batches_per_tick", "must be at least 1") }
        let cooldown = try table.optionalInt("cooldown_seconds") ?? 120
        guard cooldown >= 0 else { throw table.error(key: "cooldown_seconds", "must be 0 or more seconds") }
        let observer = EmissionObserver(strategy: name, token: token.address, subgraph: subgraph, credentialIds: ids)
        let strategy = EmissionMinting(name: name, config: .init(
            token: token,
            policy: EmissionAccrual.Policy(minimumAmount: minimum, interval: UInt64(interval), maxBatchSize: batch, maxBatches: batches),
            cooldownSeconds: UInt64(cooldown)))
        return (observer, strategy)
    }
}
