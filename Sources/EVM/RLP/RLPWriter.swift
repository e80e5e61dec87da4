/// Writes RLP straight into one pre-sized byte buffer.
///
/// The ``RLP`` tree costs an allocation per field; transaction signing runs on a hot path, so it
/// measures each item first (the static `count` functions), reserves the exact size once, and
/// appends the items in order. The output is byte-for-byte what ``RLP/encoded`` gives for the
/// same items.
struct RLPWriter {
    /// The bytes written so far.
    private(set) var bytes: [UInt8]

    /// An empty writer whose buffer holds `capacity` bytes without growing.
    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    // MARK: Sizes

    /// The size of the header in front of a payload of `length` bytes (string or list).
    @inline(__always)
    static func headerCount(_ length: Int) -> Int {
        length < 56 ? 1 : 1 + (Int.bitWidth - length.leadingZeroBitCount + 7) / 8
    }

    /// The size of the encoding of an unsigned integer.
    @inline(__always)
    static func count(_ value: UInt64) -> Int {
        value < 0x80 ? 1 : 1 + (64 - value.leadingZeroBitCount + 7) / 8
    }

    /// The size of the encoding of an unsigned integer.
    @inline(__always)
    static func count(_ value: U256) -> Int {
        if value.w1 | value.w2 | value.w3 == 0 { return count(value.w0) }
        return 1 + (value.bitLength + 7) / 8
    }

    /// The size of the encoding of a byte string.
    @inline(__always)
    static func count(bytes: some Collection<UInt8>) -> Int {
        let n = bytes.count
        if n == 1, let first = bytes.first, first < 0x80 { return 1 }
        return headerCount(n) + n
    }

    /// The size of the encoding of an optional address (`nil` is the empty string).
    @inline(__always)
    static func count(_ address: Address?) -> Int { address == nil ? 1 : 21 }

    /// The size of a list whose items encode to `payload` bytes.
    @inline(__always)
    static func count(listPayload payload: Int) -> Int { headerCount(payload) + payload }

    // MARK: Writing

    /// Appends one raw byte (a transaction type prefix).
    @inline(__always)
    mutating func append(rawByte byte: UInt8) { bytes.append(byte) }

    /// Appends the header of a list whose items encode to `payload` bytes.
    @inline(__always)
    mutating func appendListHeader(payload: Int) { appendHeader(payload, base: 0xc0) }

    /// Appends an unsigned integer as its minimal big-endian byte string.
    @inline(__always)
    mutating func append(_ value: UInt64) {
        if value == 0 {
            bytes.append(0x80)
        } else if value < 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value))
        } else {
            let n = (64 - value.leadingZeroBitCount + 7) / 8
            bytes.append(0x80 + UInt8(truncatingIfNeeded: n))
            var shift = (n - 1) * 8
            while shift >= 0 {
                bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
                shift -= 8
            }
        }
    }

    /// Appends an unsigned integer as its minimal big-endian byte string.
    @inline(__always)
    mutating func append(_ value: U256) {
        if value.w1 | value.w2 | value.w3 == 0 {
            append(value.w0)
            return
        }
        let n = (value.bitLength + 7) / 8
        bytes.append(0x80 + UInt8(truncatingIfNeeded: n))
        for i in 0..<n {
            let bitIndex = (n - 1 - i) * 8
            bytes.append(UInt8(truncatingIfNeeded: value[limb: bitIndex / 64] >> UInt64(bitIndex % 64)))
        }
    }

    /// Appends a byte string.
    @inline(__always)
    mutating func append(bytes string: [UInt8]) {
        if string.count == 1, string[0] < 0x80 {
            bytes.append(string[0])
        } else {
            appendHeader(string.count, base: 0x80)
            bytes.append(contentsOf: string)
        }
    }

    /// Appends a 32-byte word (a storage key or signature component) with all its bytes.
    @inline(__always)
    mutating func append(word: U256) {
        bytes.append(0xa0)
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: 32))
        word.writeBigEndian(into: &bytes, at: start)
    }

    /// Appends an optional address: 20 bytes, or the empty string for `nil`.
    @inline(__always)
    mutating func append(_ address: Address?) {
        if let address {
            bytes.append(0x94)
            bytes.append(contentsOf: address.bytes)
        } else {
            bytes.append(0x80)
        }
    }

    @inline(__always)
    private mutating func appendHeader(_ length: Int, base: UInt8) {
        if length < 56 {
            bytes.append(base + UInt8(truncatingIfNeeded: length))
            return
        }
        let n = (Int.bitWidth - length.leadingZeroBitCount + 7) / 8
        bytes.append(base + 55 + UInt8(truncatingIfNeeded: n))
        var shift = (n - 1) * 8
        while shift >= 0 {
            bytes.append(UInt8(truncatingIfNeeded: length >> shift))
            shift -= 8
        }
    }
}
