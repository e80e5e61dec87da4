import Synchronization

/// Whether the keeper has told systemd `READY=1`, which it does after its first good tick.
///
/// The tick loop sets it; the SIGHUP reload reads it, because `RELOADING=1` and the `READY=1`
/// that ends a reload are only for a service that is up: sent before the first good tick, they
/// would tell systemd that a keeper which has not yet read the chain is started.
public final class ServiceReadiness: Sendable {
    private let ready = Atomic<Bool>(false)

    public init() {}

    /// Whether `READY=1` was sent.
    public var isReady: Bool { ready.load(ordering: .acquiring) }

    /// Records that the service is ready; true only for the first call, which sends `READY=1`.
    func becomeReady() -> Bool {
        !ready.exchange(true, ordering: .acquiringAndReleasing)
    }
}
