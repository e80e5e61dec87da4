public import EVM
internal import Synchronization

/// The signer's decrypted keys: one ``PrivateKey`` per address, decrypted once at start by
/// ``KeyStoreDirectory/load(logger:)``.
///
/// ## Zeroing at exit
/// ``PrivateKey`` zeroes its 32 bytes (with `explicit_bzero`) when it is deinitialised, and the
/// set is meant to hold the only long-lived references to its keys: ``withKey(for:_:)`` lends a
/// key for the duration of a call and nothing else hands one out. So the keys are zeroed as soon
/// as the set lets go of them:
///
/// - ``release()`` drops every key at once. The composition root of `signer serve` calls it when
///   its service group has finished (after SIGTERM or SIGINT, once in-flight requests are done),
///   before the process exits; after it, lookups find nothing and signing fails closed.
/// - If the set itself is deinitialised, its keys go with it.
///
/// A process killed with SIGKILL, or one that crashes, exits without running either; the kernel
/// frees its memory, and core dumps should be disabled for the service (systemd's default
/// `LimitCORE=0` for services without a `LimitCORE=` of their own, or `prctl(PR_SET_DUMPABLE, 0)`).
///
/// ```swift
/// let keys = try KeyStoreDirectory(path: config.keysDirectory, environment: environment).load(logger: logger)
/// defer { keys.release() }  // after the service group returns
/// try await serviceGroup.run()
/// ```
///
/// The set is safe to share between tasks: lookups take a lock only to fetch the key, and
/// signing happens outside it.
public final class KeySet: Sendable, CustomStringConvertible {
    /// What is known about a loaded key besides its bytes: its address and the keystore file it
    /// came from.
    public struct Entry: Hashable, Sendable {
        /// The account address.
        public let address: Address
        /// The keystore file's path.
        public let file: String

        public init(address: Address, file: String) {
            self.address = address
            self.file = file
        }
    }

    private let keys: Mutex<[Address: PrivateKey]>
    /// The loaded keys' addresses and files, sorted by address (kept after ``release()``).
    public let entries: [Entry]

    /// A set of keys with the file each came from.
    ///
    /// - Throws: ``KeysError`` of kind `.duplicateAddress` when two keys have the same address.
    public init(_ keys: [(key: PrivateKey, file: String)]) throws(KeysError) {
        var byAddress: [Address: PrivateKey] = [:]
        var files: [Address: String] = [:]
        for (key, file) in keys {
            if let other = files[key.address] {
                throw KeysError(
                    .duplicateAddress,
                    "\(other) and \(file) hold the same key (\(key.address.checksummed)); remove one of them")
            }
            byAddress[key.address] = key
            files[key.address] = file
        }
        self.keys = Mutex(byAddress)
        self.entries = files.map { Entry(address: $0.key, file: $0.value) }.sorted { $0.address < $1.address }
    }

    /// The addresses whose keys are held, sorted (empty after ``release()``).
    public var addresses: [Address] {
        keys.withLock { Array($0.keys) }.sorted()
    }

    /// The number of keys held.
    public var count: Int { keys.withLock { $0.count } }

    /// Whether the key for `address` is held.
    public func contains(_ address: Address) -> Bool {
        keys.withLock { $0[address] != nil }
    }

    /// Lends the key for `address` to `body`, or returns nil when no such key is held (or the
    /// set was released). Do not keep the key beyond the call: that would keep its bytes alive
    /// after ``release()``.
    public func withKey<R, E: Error>(for address: Address, _ body: (PrivateKey) throws(E) -> R) throws(E) -> R? {
        guard let key = keys.withLock({ $0[address] }) else { return nil }
        return try body(key)
    }

    /// Drops every key, so that each ``PrivateKey`` is deinitialised and zeroes its bytes (unless
    /// a ``withKey(for:_:)`` call in progress still borrows it, in which case that happens when
    /// the call returns). Idempotent.
    public func release() {
        let dropped = keys.withLock { keys in
            let all = keys
            keys = [:]
            return all
        }
        _ = consume dropped
    }

    /// Whether ``release()`` has been called (or the set was empty).
    public var isEmpty: Bool { keys.withLock { $0.isEmpty } }

    /// The addresses only.
    public var description: String {
        "KeySet(\(entries.map(\.address.checksummed).joined(separator: ", ")))"
    }
}
