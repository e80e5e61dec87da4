/// One entry of an EIP-2930 access list: an account and the storage slots the transaction will
/// touch in it (they are charged at the warm price afterwards).
public struct AccessListEntry: Hashable, Sendable {
    /// The account.
    public var address: Address
    /// The storage keys, each a 32-byte slot number (written with all 32 bytes, not as a minimal
    /// integer).
    public var storageKeys: [U256]

    /// An entry for `address` with `storageKeys`.
    public init(address: Address, storageKeys: [U256] = []) {
        self.address = address
        self.storageKeys = storageKeys
    }
}

extension [AccessListEntry] {
    /// The size of the RLP encoding of this access list.
    var rlpCount: Int {
        var payload = 0
        for entry in self {
            payload += RLPWriter.count(listPayload: 21 + RLPWriter.count(listPayload: entry.storageKeys.count * 33))
        }
        return RLPWriter.count(listPayload: payload)
    }

    /// Appends the RLP encoding: `[[address, [key, ...]], ...]`.
    func encode(into w: inout RLPWriter) {
        var payload = 0
        for entry in self {
            payload += RLPWriter.count(listPayload: 21 + RLPWriter.count(listPayload: entry.storageKeys.count * 33))
        }
        w.appendListHeader(payload: payload)
        for entry in self {
            let keys = entry.storageKeys.count * 33
            w.appendListHeader(payload: 21 + RLPWriter.count(listPayload: keys))
            w.append(entry.address)
            w.appendListHeader(payload: keys)
            for key in entry.storageKeys { w.append(word: key) }
        }
    }

    /// The number of storage keys over all entries.
    var storageKeyCount: Int { reduce(0) { $0 + $1.storageKeys.count } }
}
