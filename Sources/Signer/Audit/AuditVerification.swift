/// The outcome of ``AuditLog/verify(_:)``: how many rows were checked, the head, and the first
/// problem, if any.
public struct AuditVerification: Hashable, Sendable, CustomStringConvertible {
    /// The first thing wrong with the log.
    public struct Problem: Hashable, Sendable, CustomStringConvertible {
        /// Stable categories.
        public enum Kind: String, Hashable, Sendable {
            /// One or more sequence numbers are missing: rows were deleted.
            case missingRows
            /// A sequence number below 1, or not above the previous row's.
            case badSequence
            /// The row does not hash to its stored hash given the row before it: the row (or the
            /// one before) was edited, or a row was inserted.
            case hashMismatch
            /// A column holds a value no signer writes (NULL, wrong type, unknown decision).
            case malformedRow
            /// The anchor names another head than the last row: rows were removed from the end,
            /// or appended without the signer.
            case anchorMismatch
            /// Rows but no anchor (or an anchor without rows).
            case anchorMissing
        }

        public let kind: Kind
        /// The first bad sequence number (for a truncated tail, the first missing one).
        public let sequence: Int64
        /// What was found, in a sentence.
        public let message: String

        public var description: String { "row \(sequence): \(message)" }
    }

    /// Rows read.
    public let rowCount: Int64
    /// The last row, when there is one.
    public let head: AuditAnchor?
    /// The anchor as stored.
    public let anchor: AuditAnchor?
    /// Nil when the log is whole.
    public let problem: Problem?

    public var isValid: Bool { problem == nil }

    public var description: String {
        if let problem { return "audit log is NOT intact: \(problem)" }
        guard let head else { return "audit log is empty and intact" }
        return "audit log intact: \(rowCount) rows, head at row \(head.sequence) (\(hex(head.rowHash))), anchor matches"
    }
}

func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = Array("0x".utf8)
    out.reserveCapacity(2 + bytes.count * 2)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}
