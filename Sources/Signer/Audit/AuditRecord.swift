import EVM
import Foundation

/// One row of the audit log as stored: its sequence number, its fields and its place in the hash
/// chain.
///
/// ## The chain
/// `rowHash = keccak256(previousRowHash || canonicalEncoding)`, where the previous hash of row 1
/// is 32 zero bytes and the canonical encoding is, in order (integers big-endian, `bytes(x)` =
/// 4-byte length then `x`, `optional(x)` = `0x00`, or `0x01` then `x`):
///
/// | field             | encoding                                   |
/// |-------------------|--------------------------------------------|
/// | domain            | `bytes("keeper-signer audit v1")`          |
/// | sequence          | 8 bytes                                    |
/// | time              | 8 bytes, microseconds since 1970 (signed)  |
/// | peer uid          | 4 bytes                                    |
/// | peer pid          | 4 bytes (two's complement)                 |
/// | request digest    | `bytes(digest)`                            |
/// | method            | `bytes(utf8)`                              |
/// | decision          | 1 byte: 1 allowed, 0 refused               |
/// | rule              | `optional(bytes(utf8))`                    |
/// | reason            | `optional(bytes(utf8))`                    |
/// | transaction hash  | `optional(bytes(hash))`                    |
///
/// Every field is length-delimited, so no two different rows encode alike. Editing any field,
/// or moving a row to another sequence number, changes its hash and breaks every later link.
public struct AuditRecord: Hashable, Sendable {
    /// The row's position, from 1 without gaps.
    public var sequence: Int64
    public var entry: AuditEntry
    /// The row's hash in the chain (32 bytes).
    public var rowHash: [UInt8]

    public init(sequence: Int64, entry: AuditEntry, rowHash: [UInt8]) {
        self.sequence = sequence
        self.entry = entry
        self.rowHash = rowHash
    }

    /// The hash that precedes row 1.
    public static let genesisHash = [UInt8](repeating: 0, count: 32)

    /// The row that follows `previousHash` at `sequence`.
    public static func chained(_ entry: AuditEntry, sequence: Int64, previousHash: [UInt8]) -> AuditRecord {
        AuditRecord(
            sequence: sequence, entry: entry,
            rowHash: hash(previousHash: previousHash, encoding: encode(entry, sequence: sequence, timeMicros: entry.timeMicros)))
    }

    /// `keccak256(previousHash || encoding)`.
    static func hash(previousHash: [UInt8], encoding: [UInt8]) -> [UInt8] {
        var hasher = Keccak256()
        hasher.update(previousHash)
        hasher.update(encoding)
        return hasher.finalize()
    }

    /// The canonical encoding (see the type's documentation). `timeMicros` is passed separately
    /// so that verification hashes the stored integer, not a `Date` rebuilt from it.
    static func encode(_ entry: AuditEntry, sequence: Int64, timeMicros: Int64) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + entry.request.method.utf8.count + (entry.reason?.utf8.count ?? 0))
        appendBytes(&out, domain)
        appendInteger(&out, UInt64(bitPattern: sequence))
        appendInteger(&out, UInt64(bitPattern: timeMicros))
        appendInteger(&out, entry.request.peerUID)
        appendInteger(&out, UInt32(bitPattern: entry.request.peerPID))
        appendBytes(&out, entry.request.requestDigest)
        appendBytes(&out, Array(entry.request.method.utf8))
        out.append(entry.decision == .allowed ? 1 : 0)
        appendOptional(&out, entry.rule.map { Array($0.utf8) })
        appendOptional(&out, entry.reason.map { Array($0.utf8) })
        appendOptional(&out, entry.transactionHash)
        return out
    }

    private static let domain = Array("keeper-signer audit v1".utf8)

    private static func appendInteger<T: FixedWidthInteger>(_ out: inout [UInt8], _ value: T) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }

    private static func appendBytes(_ out: inout [UInt8], _ bytes: [UInt8]) {
        appendInteger(&out, UInt32(truncatingIfNeeded: bytes.count))
        out.append(contentsOf: bytes)
    }

    private static func appendOptional(_ out: inout [UInt8], _ bytes: [UInt8]?) {
        guard let bytes else {
            out.append(0)
            return
        }
        out.append(1)
        appendBytes(&out, bytes)
    }
}
