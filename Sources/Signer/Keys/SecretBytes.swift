#if canImport(Glibc)
internal import Glibc
#endif

/// Bytes of a secret (a password, a private key in hex) in memory this value owns.
///
/// The type is noncopyable, so the bytes exist in exactly one heap buffer that no Swift array
/// or string ever shares; `deinit` zeroes it with `explicit_bzero` (which the optimiser cannot
/// remove as a dead store) before freeing it. The bytes are never printed: ``description``-like
/// conformances are deliberately absent, and they are reachable only through
/// ``withUnsafeBytes(_:)``.
///
/// ```swift
/// let password = try SecretBytes.readFile(at: "keys/keeper.password", ...)
/// let key = try password.withUnsafeBytes { try keystore.decrypt(password: $0) }
/// // `password` is zeroed when it goes out of scope.
/// ```
public struct SecretBytes: ~Copyable, @unchecked Sendable {
    /// The buffer; at least one byte is allocated so its base address is never nil.
    private let storage: UnsafeMutableRawBufferPointer
    /// The number of bytes in use (at most `storage.count`).
    public private(set) var count: Int

    /// A zero-filled buffer with room for `capacity` bytes and ``count`` 0.
    init(capacity: Int) {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(capacity, 1), alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        count = 0
    }

    /// A copy of `bytes`; the caller stays responsible for zeroing its own copy.
    public init(copying bytes: UnsafeRawBufferPointer) {
        self.init(capacity: bytes.count)
        if let base = bytes.baseAddress, bytes.count > 0 {
            storage.baseAddress!.copyMemory(from: base, byteCount: bytes.count)
        }
        count = bytes.count
    }

    /// Takes the bytes of `array` and zeroes the array's storage, leaving it empty: for tests and
    /// for callers that already hold a secret in an array (prefer reading straight into a
    /// `SecretBytes`). Only this array's storage is zeroed: other copies sharing it are not.
    public init(consuming array: inout [UInt8]) {
        self.init(capacity: array.count)
        let n = array.count
        array.withUnsafeMutableBytes { source in
            if let base = source.baseAddress, n > 0 {
                storage.baseAddress!.copyMemory(from: base, byteCount: n)
                explicit_bzero(base, n)
            }
        }
        count = n
        array.removeAll()
    }

    deinit {
        explicit_bzero(storage.baseAddress!, storage.count)
        storage.deallocate()
    }

    /// Whether there are no bytes.
    public var isEmpty: Bool { count == 0 }

    /// The number of bytes that fit without reallocation (secrets are never reallocated).
    var capacity: Int { storage.count }

    /// Lends the bytes to `body`. Do not copy them out; if you must, zero your copy.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: storage.baseAddress!, count: count))
    }

    /// Writable access to the whole buffer (its capacity), for reading into it; then set the
    /// length with ``setCount(_:)``.
    func withUnsafeMutableStorage<R, E: Error>(_ body: (UnsafeMutableRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(storage)
    }

    /// Sets the number of bytes in use; bytes past the new count are zeroed.
    mutating func setCount(_ newCount: Int) {
        precondition(newCount >= 0 && newCount <= storage.count)
        if newCount < count {
            explicit_bzero(storage.baseAddress! + newCount, count - newCount)
        }
        count = newCount
    }

    /// Drops one trailing `\n`, if there is one (password files usually end with a newline).
    mutating func dropOneTrailingNewline() {
        if count > 0, storage[count - 1] == UInt8(ascii: "\n") {
            setCount(count - 1)
        }
    }

    /// Constant-time comparison of two secrets' bytes (for "enter the password again").
    public func constantTimeEquals(_ other: borrowing SecretBytes) -> Bool {
        guard count == other.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<count {
            difference |= storage[i] ^ other.storage[i]
        }
        return difference == 0
    }
}
