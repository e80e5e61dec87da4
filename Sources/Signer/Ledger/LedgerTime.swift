import Foundation

/// Times as the ledger stores them: whole microseconds since 1970 in an `Int64`.
enum LedgerTime {
    /// `date` rounded to the nearest microsecond.
    static func micros(_ date: Date) -> Int64 {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        guard micros.isFinite else { return 0 }
        if micros >= 9.2e18 { return .max }
        if micros <= -9.2e18 { return .min }
        return Int64(micros)
    }

    /// The date `micros` stands for.
    static func date(_ micros: Int64) -> Date {
        Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }

    /// `date` as the ledger will give it back after a restart, so memory and disk agree.
    static func rounded(_ date: Date) -> Date { self.date(micros(date)) }
}
