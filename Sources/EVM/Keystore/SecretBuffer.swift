#if canImport(Glibc)
internal import Glibc
#endif

/// Heap bytes for secrets (passwords, derived keys, decrypted keys): never copied (the type is
/// noncopyable) and zeroed with `explicit_bzero` when released, which the optimiser cannot remove.
struct SecretBuffer: ~Copyable {
    /// The bytes; at least one byte is always allocated so `baseAddress` is never nil.
    let storage: UnsafeMutableRawBufferPointer
    /// The number of bytes in use.
    let count: Int

    /// `count` zero bytes.
    init(count: Int) {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        self.count = count
    }

    /// A copy of `bytes`. The caller remains responsible for its own copy.
    init(copying bytes: some Sequence<UInt8>) {
        var collected = Array(bytes)
        self.init(count: collected.count)
        collected.withUnsafeMutableBytes { source in
            if source.count > 0 {
                storage.baseAddress!.copyMemory(from: source.baseAddress!, byteCount: source.count)
                explicit_bzero(source.baseAddress!, source.count)
            }
        }
    }

    deinit {
        explicit_bzero(storage.baseAddress!, storage.count)
        storage.deallocate()
    }

    /// Pointer to the first byte (valid while `self` lives).
    var baseAddress: UnsafeMutableRawPointer { storage.baseAddress! }

    /// Typed pointer to the first byte.
    var bytes: UnsafeMutablePointer<UInt8> { storage.baseAddress!.assumingMemoryBound(to: UInt8.self) }

    /// A read-only view of `range`.
    func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        return UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[range])
    }
}

/// Zeroes an array's storage in place (for temporaries that held secrets).
func wipe(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { raw in
        if let base = raw.baseAddress { explicit_bzero(base, raw.count) }
    }
}
