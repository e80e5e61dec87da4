import EVM
import Foundation

/// A spend row: the record the budgets count, and the hash of the transaction it came from.
struct SpendRow: Hashable, Sendable {
    var record: SpendRecord
    var transactionHash: [UInt8]
}

/// A signed-transaction row: what the nonce rule reads back after a restart.
struct SignedRow: Hashable, Sendable {
    var key: NonceSlotKey
    var signed: SignedTransaction
    var at: Date
}

/// The records waiting for the next commit.
struct PendingWrites: Sendable {
    var spends: [SpendRow] = []
    var signed: [SignedRow] = []
    var audits: [AuditEntry] = []
    /// Slots to unpin once this batch is durable (see ``SlotCache``).
    var unpin: [NonceSlotKey] = []

    var isEmpty: Bool { spends.isEmpty && signed.isEmpty && audits.isEmpty }
}

/// The group-commit protocol as a value-type state machine; ``SignerStore`` runs it under its lock
/// and does the I/O.
///
/// Records are appended to the *open* batch. The committer takes the open batch whole as soon as
/// it is idle (so a lone request is committed at once, without a timer) and while it writes and
/// fsyncs, new records gather in the next open batch: under load, batches grow by themselves to
/// what arrives during one commit. Batches commit in order, so "batch `n` is durable" means
/// every batch up to `n` is. The first failure is final: that batch and every later one fail.
struct GroupCommit {
    /// A batch taken by the committer.
    struct Batch: Sendable {
        var number: UInt64
        var writes: PendingWrites
    }

    /// Where a batch stands.
    enum Status: Equatable {
        case pending
        case durable
        case failed(SignerStoreError)
    }

    private(set) var pending = PendingWrites()
    /// The number of the batch being filled.
    private(set) var openBatch: UInt64 = 1
    /// Every batch up to this number is committed.
    private(set) var durableBatch: UInt64 = 0
    /// Whether the committer holds a batch it has not finished.
    private(set) var isCommitting = false
    /// The first commit failure; from then on nothing commits.
    private(set) var failure: SignerStoreError?

    /// Adds records to the open batch. Returns the batch to wait for, and whether the committer
    /// should be woken (it is idle and had nothing to do).
    mutating func append(_ add: (inout PendingWrites) -> Void) -> (batch: UInt64, wakeCommitter: Bool) {
        let wasEmpty = pending.isEmpty
        add(&pending)
        return (openBatch, wasEmpty && !isCommitting)
    }

    /// The committer takes everything pending as one batch; nil when there is nothing to write
    /// or after a failure.
    mutating func takeBatch() -> Batch? {
        guard failure == nil, !isCommitting, !pending.isEmpty else { return nil }
        let batch = Batch(number: openBatch, writes: pending)
        pending = PendingWrites()
        openBatch += 1
        isCommitting = true
        return batch
    }

    /// The committer's transaction for `batch` committed.
    mutating func committed(_ batch: UInt64) {
        precondition(batch == durableBatch + 1 && isCommitting, "batches commit in order, one at a time")
        durableBatch = batch
        isCommitting = false
    }

    /// The committer's transaction for `batch` failed: it and everything after it fail.
    mutating func failed(_ batch: UInt64, _ error: SignerStoreError) {
        isCommitting = false
        if failure == nil { failure = error }
    }

    /// Where batch `number` stands.
    func status(_ number: UInt64) -> Status {
        if number <= durableBatch { return .durable }
        if let failure { return .failed(failure) }
        return .pending
    }
}
