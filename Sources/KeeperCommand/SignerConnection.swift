import Keeper
import Logging

/// Connects `keeper run` to the signer process.
enum SignerConnection {
    /// The signer client for `[signer]`; nil until SignerWire's client is on main.
    static func make(config: KeeperConfig, logger: Logger) -> (any TransactionSigner)? {
        nil
    }
}
