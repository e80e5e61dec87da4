import Testing

@testable import Oracle

/// The search for the block that mined a push, by its timestamp: exact on any non-decreasing
/// timestamps, and a few reads on a chain with a steady block time.
@Suite struct TWAPPushLocatorSearchTests {
    /// Counts the reads of a search over `timestamps`.
    final class Chain: @unchecked Sendable {
        let timestamps: (UInt64) -> UInt64
        var reads = 0
        init(_ timestamps: @escaping (UInt64) -> UInt64) { self.timestamps = timestamps }

        func first(atOrAfter t: UInt64, from low: UInt64 = 0, to high: UInt64) async -> UInt64 {
            await TWAPPushLocator.firstBlock(atOrAfter: t, from: low, to: high, at: timestamps(high)) { (n: UInt64) async -> UInt64 in
                self.reads += 1
                return self.timestamps(n)
            }
        }
    }

    /// The answer by a linear scan.
    static func scan(_ timestamps: (UInt64) -> UInt64, _ t: UInt64, _ low: UInt64, _ high: UInt64) -> UInt64 {
        var n = low
        while n < high, timestamps(n) < t { n += 1 }
        return n
    }

    @Test(arguments: [UInt64(0), 1, 7, 99, 100, 101, 250, 499, 500])
    func findsTheFirstBlockAtOrAfterATimeOnIrregularAndRepeatedTimestamps(index: UInt64) async {
        // 501 blocks, gaps of 1 to 13 s, and runs of equal timestamps (as on rollups).
        let table: [UInt64] = (0...500).reduce(into: []) { out, n in
            let previous = out.last ?? 1_700_000_000
            out.append(n == 0 ? previous : previous + (n % 5 == 0 ? 0 : UInt64(n * 7 % 13) + 1))
        }
        let timestamps = { (n: UInt64) in table[Int(n)] }
        let chain = Chain(timestamps)
        let t = table[Int(index)]
        let found = await chain.first(atOrAfter: t, to: 500)
        #expect(found == Self.scan(timestamps, t, 0, 500))
        #expect(table[Int(found)] >= t)
        #expect(found == 0 || table[Int(found) - 1] < t)
        // From a lower bound above 0 too.
        #expect(await chain.first(atOrAfter: t, from: min(index, 120), to: 500) == Self.scan(timestamps, t, min(index, 120), 500))
    }

    @Test func aSteadyChainOfMillionsOfBlocksTakesAFewReads() async {
        // 20 million blocks of 12 s: a push three hours ago.
        let genesis: UInt64 = 1_438_269_973
        let chain = Chain { genesis + $0 * 12 }
        let head: UInt64 = 20_000_000
        let pushed = head - 900
        let found = await chain.first(atOrAfter: genesis + pushed * 12, to: head)
        #expect(found == pushed)
        #expect(chain.reads <= 6, "\(chain.reads) reads")
    }

    @Test func aChainWithIrregularEpochsStaysWithinTwiceLogarithmic() async {
        // 2 s blocks for the first million, then 12 s: interpolation guesses badly at first.
        let chain = Chain { n in n < 1_000_000 ? n * 2 : 2_000_000 + (n - 1_000_000) * 12 }
        let head: UInt64 = 4_000_000
        let target: UInt64 = 999_990
        let found = await chain.first(atOrAfter: target * 2, to: head)
        #expect(found == target)
        #expect(chain.reads <= 2 * 22, "\(chain.reads) reads")
    }
}
