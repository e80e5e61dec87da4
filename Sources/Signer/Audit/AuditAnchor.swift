/// The head of the audit chain: the last row's sequence number and hash. The store writes it to
/// the `audit_anchor` table in the same transaction as the rows, and logs it (see
/// ``SignerStore``), because removing rows from the end leaves a chain that is whole by itself.
public struct AuditAnchor: Hashable, Sendable {
    public var sequence: Int64
    public var rowHash: [UInt8]

    public init(sequence: Int64, rowHash: [UInt8]) {
        self.sequence = sequence
        self.rowHash = rowHash
    }
}
