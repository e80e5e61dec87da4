import EVM
public import Foundation
public import Logging
import Systemd

/// The signer's composition root: everything `signer serve` builds, in one place that tests call
/// with a test config. Start-up fails closed: unreadable keys, an unapproved policy or an
/// unusable ledger stop the signer with a message that says what to run.
public final class SignerApp: @unchecked Sendable {
    public let config: SignerConfig
    public let service: SignerService
    public let server: UnixSocketServer
    private let store: SignerStore
    private let keys: KeySet
    private let listener: UnixSocketListener
    private let requirement: ApprovalRequirement
    private let logger: Logger

    /// Loads keys, the approved policy and the ledger, binds the socket (or adopts systemd's)
    /// and starts answering.
    public init(config: SignerConfig, environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger) throws {
        self.config = config
        self.logger = logger
        // First: a connection bound the process cannot hold is a configuration error.
        if let raised = try OpenFileLimit.ensure(servingUpTo: config.socket.maxConnections) {
            logger.info("raised the open-file limit for max_connections", metadata: [
                "signer.nofile.from": "\(raised.from)", "signer.nofile.to": "\(raised.to)",
                "signer.connections.limit": "\(config.socket.maxConnections)",
            ])
        }
        let directory = KeyStoreDirectory(
            path: config.keys.directory, environment: environment,
            passwords: config.keys.passwords.mapValues { source in
                switch source {
                case .file(let path): .file(path)
                case .credential(let name): .credential(name)
                }
            })
        keys = try directory.load(logger: logger)
        requirement = try ApprovalRequirement(operators: config.approval.operators, threshold: config.approval.threshold)
        let policy = try ApprovedPolicy.load(path: config.policyFile, requirement: requirement)
        let uncovered = keys.addresses.filter { !policy.policy.accounts.isEmpty && !policy.policy.accounts.contains($0) }
        if !uncovered.isEmpty {
            logger.warning("keys the policy does not cover will sign nothing", metadata: [
                "signer.accounts": "\(uncovered.map(\.checksummed).joined(separator: ","))",
            ])
        }
        store = try SignerStore(path: config.databasePath, options: .init(commitTimeout: config.commitTimeout), logger: logger)
        service = SignerService(policy: policy, keys: keys, store: store, logger: logger)
        let transport = TransportConfiguration(socket: config.socket)
        let inherited = try Systemd.listenFileDescriptors().map(\.fileDescriptor)
        listener = try UnixSocketListener(configuration: transport, inheritedFileDescriptors: inherited, logger: logger)
        server = UnixSocketServer(
            listener: listener, configuration: transport, handler: RPCDispatcher(methods: service, logger: logger), logger: logger)
        server.start()
        logger.notice("signer ready", metadata: [
            "signer.policy": "\(policy.file)", "signer.policy.sha256": "\(policy.sha256)",
            "signer.keys": "\(keys.count)", "signer.socket": "\(config.socket.path)",
        ])
    }

    /// SIGHUP: a newly approved policy file replaces the active one atomically; a changed but
    /// unapproved (or invalid) file leaves the old approved policy active and is logged as an
    /// error. Returns whether the policy changed.
    @discardableResult
    public func reloadPolicy() -> Bool {
        do {
            let fresh = try ApprovedPolicy.load(path: config.policyFile, requirement: requirement)
            let current = service.policy
            guard fresh.sha256 != current.sha256 else {
                logger.info("policy unchanged on reload", metadata: ["signer.policy.sha256": "\(current.sha256)"])
                return false
            }
            service.activate(fresh)
            logger.notice("approved policy activated", metadata: [
                "signer.policy.sha256": "\(fresh.sha256)", "signer.policy.previous": "\(current.sha256)",
            ])
            return true
        } catch {
            logger.error("policy reload refused; the previous approved policy stays active", metadata: [
                "signer.error": "\(error)", "signer.policy.sha256": "\(service.policy.sha256)",
            ])
            return false
        }
    }

    /// Calls `handler` once if the ledger fails (a commit that did not go through): from then
    /// on every request is refused, and the process should stop so that it is restarted.
    public func whenLedgerFails(_ handler: @escaping @Sendable (SignerStoreError) -> Void) {
        store.whenFailed(handler)
    }

    /// Graceful stop: stop accepting, let requests in flight finish, close the ledger, release
    /// (zero) the keys.
    public func shutdown(gracePeriod: Duration = .seconds(10)) {
        _ = server.shutdown(gracePeriod: gracePeriod)
        listener.close()
        store.close()
        keys.release()
        logger.notice("signer stopped")
    }
}
