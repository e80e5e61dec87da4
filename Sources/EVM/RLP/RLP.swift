/// Recursive Length Prefix, Ethereum's serialisation for transactions (Yellow Paper, appendix B).
///
/// Decoding is strict: a value that has a shorter encoding, a length with leading zeros, a
/// length that runs past the input, list items that do not fill their list exactly, and bytes
/// after the top-level item are all errors. Two encodings of one transaction would mean two
/// hashes for what a signer approved once.
public enum RLP: Hashable, Sendable {
    /// A byte string.
    case bytes([UInt8])
    /// A list of items.
    case list([RLP])

    /// An unsigned integer as its minimal big-endian byte string (zero is the empty string).
    public static func uint(_ value: U256) -> RLP { .bytes(value.minimalBigEndianBytes) }

    /// An unsigned integer as its minimal big-endian byte string (zero is the empty string).
    public static func uint(_ value: UInt64) -> RLP { .uint(U256(value)) }
}

// MARK: - Encoding

extension RLP {
    /// The encoding of this item.
    public var encoded: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(encodedCount)
        encode(into: &out)
        return out
    }

    /// Appends the encoding of this item to `out`.
    public func encode(into out: inout [UInt8]) {
        switch self {
        case .bytes(let b):
            if b.count == 1, b[0] < 0x80 {
                out.append(b[0])
            } else {
                RLP.appendHeader(length: b.count, shortBase: 0x80, into: &out)
                out.append(contentsOf: b)
            }
        case .list(let items):
            let payload = items.reduce(0) { $0 + $1.encodedCount }
            RLP.appendHeader(length: payload, shortBase: 0xc0, into: &out)
            for item in items { item.encode(into: &out) }
        }
    }

    /// The size of this item's encoding, computed without encoding it.
    public var encodedCount: Int {
        switch self {
        case .bytes(let b):
            return b.count == 1 && b[0] < 0x80 ? 1 : RLP.headerCount(length: b.count) + b.count
        case .list(let items):
            let payload = items.reduce(0) { $0 + $1.encodedCount }
            return RLP.headerCount(length: payload) + payload
        }
    }

    static func headerCount(length: Int) -> Int {
        length < 56 ? 1 : 1 + (Int.bitWidth - length.leadingZeroBitCount + 7) / 8
    }

    static func appendHeader(length: Int, shortBase: UInt8, into out: inout [UInt8]) {
        if length < 56 {
            out.append(shortBase + UInt8(length))
            return
        }
        let lengthBytes = (Int.bitWidth - length.leadingZeroBitCount + 7) / 8
        out.append(shortBase + 55 + UInt8(lengthBytes))
        for i in stride(from: lengthBytes - 1, through: 0, by: -1) {
            out.append(UInt8(truncatingIfNeeded: length >> (i * 8)))
        }
    }
}

// MARK: - Decoding

extension RLP {
    /// Decodes exactly one item that spans all of `input`.
    public static func decode(_ input: some Collection<UInt8>) throws(RLPError) -> RLP {
        let bytes = Array(input)
        var offset = 0
        let item = try decodeItem(bytes, &offset, end: bytes.count)
        guard offset == bytes.count else {
            throw RLPError(.trailingBytes, at: offset, "\(bytes.count - offset) bytes follow the top-level item")
        }
        return item
    }

    private static func decodeItem(_ b: [UInt8], _ offset: inout Int, end: Int) throws(RLPError) -> RLP {
        guard offset < end else { throw RLPError(.truncated, at: offset, "expected an item, found the end of input") }
        let start = offset
        let prefix = b[offset]
        offset += 1
        switch prefix {
        case 0x00...0x7f:
            return .bytes([prefix])
        case 0x80...0xbf:
            let length = try readLength(b, &offset, end: end, prefix: prefix, shortBase: 0x80, at: start)
            let payload = Array(b[offset..<(offset + length)])
            if length == 1, payload[0] < 0x80 {
                throw RLPError(.nonCanonical, at: start, "a single byte below 0x80 must encode as itself")
            }
            offset += length
            return .bytes(payload)
        default:
            let length = try readLength(b, &offset, end: end, prefix: prefix, shortBase: 0xc0, at: start)
            let listEnd = offset + length
            var items: [RLP] = []
            while offset < listEnd {
                items.append(try decodeItem(b, &offset, end: listEnd))
            }
            return .list(items)
        }
    }

    /// Reads the payload length that follows `prefix` and checks that it is canonical and fits.
    private static func readLength(
        _ b: [UInt8], _ offset: inout Int, end: Int, prefix: UInt8, shortBase: UInt8, at start: Int
    ) throws(RLPError) -> Int {
        let length: Int
        if prefix <= shortBase + 55 {
            length = Int(prefix - shortBase)
        } else {
            let lengthBytes = Int(prefix - shortBase - 55)
            guard offset + lengthBytes <= end else {
                throw RLPError(.truncated, at: start, "length of length \(lengthBytes) runs past the end")
            }
            guard b[offset] != 0 else {
                throw RLPError(.nonCanonical, at: start, "long length has a leading zero byte")
            }
            guard lengthBytes <= 7 else {
                throw RLPError(.tooLong, at: start, "a length of \(lengthBytes) bytes cannot be addressed")
            }
            var value = 0
            for i in 0..<lengthBytes { value = value << 8 | Int(b[offset + i]) }
            offset += lengthBytes
            guard value >= 56 else {
                throw RLPError(.nonCanonical, at: start, "long form used for a length of \(value) (below 56)")
            }
            length = value
        }
        guard length <= end - offset else {
            throw RLPError(.truncated, at: start, "payload of \(length) bytes runs past the end (\(end - offset) left)")
        }
        return length
    }
}

// MARK: - Typed access

extension RLP {
    /// The byte string, or an error if this is a list.
    public func asBytes() throws(RLPError) -> [UInt8] {
        guard case .bytes(let b) = self else { throw RLPError(.unexpectedType, at: nil, "expected a byte string, found a list") }
        return b
    }

    /// The list items, or an error if this is a byte string.
    public func asList() throws(RLPError) -> [RLP] {
        guard case .list(let items) = self else { throw RLPError(.unexpectedType, at: nil, "expected a list, found a byte string") }
        return items
    }

    /// A canonical unsigned integer: no leading zero bytes, at most 32 bytes.
    public func asU256() throws(RLPError) -> U256 {
        let b = try asBytes()
        guard b.first != 0 else { throw RLPError(.nonCanonical, at: nil, "integer has a leading zero byte") }
        guard let value = U256(bigEndian: b) else { throw RLPError(.tooLong, at: nil, "integer of \(b.count) bytes exceeds 256 bits") }
        return value
    }

    /// A canonical unsigned integer that fits in 64 bits.
    public func asUInt64() throws(RLPError) -> UInt64 {
        guard let v = try asU256().uint64 else { throw RLPError(.tooLong, at: nil, "integer exceeds 64 bits") }
        return v
    }
}

/// Why bytes are not canonical RLP, or not the shape a caller expected.
public struct RLPError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable categories, for callers that branch and for metric labels.
    public enum Kind: String, Hashable, Sendable {
        case truncated, trailingBytes, nonCanonical, tooLong, unexpectedType
    }

    public let kind: Kind
    /// Byte offset of the offending item in the input, when known.
    public let offset: Int?
    public let message: String

    init(_ kind: Kind, at offset: Int?, _ message: String) {
        self.kind = kind
        self.offset = offset
        self.message = message
    }

    public var description: String {
        offset.map { "invalid RLP at byte \($0): \(message)" } ?? "invalid RLP: \(message)"
    }
}
