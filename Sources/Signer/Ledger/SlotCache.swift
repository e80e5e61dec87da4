import EVM

/// (account, chain, nonce): where the nonce replacement rule applies.
struct NonceSlotKey: Hashable, Sendable {
    var account: Address
    var chainId: UInt64
    var nonce: UInt64

    var accountChain: AccountChain { AccountChain(account: account, chainId: chainId) }
}

/// The transactions signed per nonce slot, for the slots used since start: a bounded cache over
/// the `signed_transactions` table. Pure value type.
///
/// An entry is *pinned* while some of its transactions are not yet durable (reserved, or in a
/// batch not yet committed): a pinned entry is never evicted, so a slot read back from the
/// database after eviction always holds everything that was signed for it.
struct SlotCache {
    struct Entry {
        var signed: [Transaction]
        var pins: Int
    }

    private(set) var entries: [NonceSlotKey: Entry] = [:]
    private var order: [NonceSlotKey] = []
    private var orderHead = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    subscript(key: NonceSlotKey) -> Entry? { entries[key] }

    /// Installs the slot as read from the database (or empty for a slot never signed).
    mutating func install(_ key: NonceSlotKey, signed: [Transaction]) {
        guard entries[key] == nil else { return }
        entries[key] = Entry(signed: signed, pins: 0)
        order.append(key)
        evictIfNeeded()
    }

    /// Records a transaction reserved for the slot and pins the slot.
    mutating func append(_ transaction: Transaction, at key: NonceSlotKey) {
        if entries[key] == nil {
            entries[key] = Entry(signed: [], pins: 0)
            order.append(key)
        }
        entries[key]!.signed.append(transaction)
        entries[key]!.pins += 1
    }

    /// Takes back a reserved transaction (the reservation was declined) and unpins.
    mutating func removeReserved(_ transaction: Transaction, at key: NonceSlotKey) {
        guard var entry = entries[key] else { return }
        if let index = entry.signed.lastIndex(of: transaction) { entry.signed.remove(at: index) }
        entry.pins = max(0, entry.pins - 1)
        entries[key] = entry
    }

    /// The transaction is durable: unpins.
    mutating func unpin(_ key: NonceSlotKey) {
        guard entries[key] != nil else { return }
        entries[key]!.pins = max(0, entries[key]!.pins - 1)
    }

    /// Evicts unpinned entries, oldest first, while over capacity.
    mutating func evictIfNeeded() {
        var budget = order.count - orderHead
        while entries.count > capacity, orderHead < order.count, budget > 0 {
            budget -= 1
            let key = order[orderHead]
            orderHead += 1
            if let entry = entries[key], entry.pins > 0 {
                order.append(key)
            } else {
                entries[key] = nil
            }
        }
        if orderHead > 1024, orderHead * 2 > order.count {
            order.removeFirst(orderHead)
            orderHead = 0
        }
    }
}
