import Keeper
import Logging

/// Connects `keeper run` to the signer process over its Unix socket (`[signer]`).
enum SignerConnection {
    static func make(config: KeeperConfig, logger: Logger) -> (any TransactionSigner)? {
        SocketTransactionSigner(socketPath: config.signer.socket, timeout: config.signer.timeout, logger: logger)
    }
}
