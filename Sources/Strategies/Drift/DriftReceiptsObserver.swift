public import Oracle

/// The drift-receipts strategy's observer: ``DriftObserver`` (monitoring snapshots, receipts,
/// `hasReceipt` at the pinned block), then every receipt not yet registered is written to the
/// ``ReceiptArchive`` before the strategy can plan its submission, so each hash the keeper
/// registers has its canonical JSON archived. A failing archive fails the observation: no
/// receipt is submitted whose bytes could not be kept.
public struct DriftReceiptsObserver: Observer {
    public let inner: DriftObserver
    public let archive: ReceiptArchive

    public init(inner: DriftObserver, archive: ReceiptArchive) {
        self.inner = inner
        self.archive = archive
    }

    public var strategy: String { inner.strategy }

    public func observe(at block: BlockHeader, context: ObservationContext) async throws -> any Sendable {
        let (snapshots, problems) = try await inner.load()
        let observation = try await inner.observe(snapshots: snapshots, problems: problems, at: block, context: context)
        for entry in observation.entries where !entry.registered {
            try archive.archive(entry.receipt, modelId: entry.snapshot.modelId, now: block.timestamp)
        }
        return observation
    }
}
