/// Keccak-256 as Ethereum uses it: the original Keccak padding (0x01 ... 0x80), not SHA3-256's
/// (0x06). Debian's OpenSSL 3.0 has no Keccak, so the permutation is our own
/// (``keccakF1600(_:)``), checked against the Keccak team's known answers.
///
/// One-shot: `Keccak256.hash(bytes)`. Incremental: `var h = Keccak256(); h.update(a);
/// h.update(b); let digest = h.finalize()`.
public struct Keccak256: Sendable {
    /// Bytes absorbed per permutation: 1600 - 2 * 256 bits.
    public static let rate = 136

    private var lanes = InlineArray<25, UInt64>(repeating: 0)
    private var pending = InlineArray<136, UInt8>(repeating: 0)
    private var pendingCount = 0

    public init() {}

    /// Absorbs more input.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        let count = bytes.count
        if pendingCount > 0 {
            let take = Swift.min(Self.rate - pendingCount, count)
            for i in 0..<take { pending[pendingCount + i] = bytes[i] }
            pendingCount += take
            offset = take
            guard pendingCount == Self.rate else { return }
            absorbPending()
        }
        while count - offset >= Self.rate {
            absorbBlock(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + Self.rate)]))
            offset += Self.rate
        }
        for i in offset..<count { pending[i - offset] = bytes[i] }
        pendingCount = count - offset
    }

    /// Absorbs more input.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        if let done: Void = bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) {
            return done
        }
        let copy = Array(bytes)
        copy.withUnsafeBytes { update($0) }
    }

    /// Pads, squeezes and returns the 32-byte digest.
    public consuming func finalize() -> [UInt8] {
        for i in pendingCount..<Self.rate { pending[i] = 0 }
        pending[pendingCount] ^= 0x01
        pending[Self.rate - 1] ^= 0x80
        absorbPending()
        var out = [UInt8](repeating: 0, count: 32)
        for lane in 0..<4 {
            let v = lanes[lane]
            for b in 0..<8 { out[lane * 8 + b] = UInt8(truncatingIfNeeded: v >> UInt64(b * 8)) }
        }
        return out
    }

    private mutating func absorbPending() {
        let block = pending
        withUnsafeBytes(of: block) { absorbBlock($0) }
        pendingCount = 0
    }

    private mutating func absorbBlock(_ block: UnsafeRawBufferPointer) {
        keccakF1600(&lanes, absorbing: block.baseAddress, lanesToMix: Self.rate / 8)
    }

    /// The Keccak-256 digest of `bytes`.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var h = Keccak256()
        h.update(bytes)
        return h.finalize()
    }

    /// The Keccak-256 digest of `bytes`.
    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var h = Keccak256()
        h.update(bytes)
        return h.finalize()
    }

    /// The Keccak-256 digest of the UTF-8 bytes of `text`.
    public static func hash(_ text: String) -> [UInt8] {
        hash(Array(text.utf8))
    }
}
