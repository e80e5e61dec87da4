import EVM

/// Small formatting helpers for the reasons and notes of the market, drift and emission
/// strategies: model ids and times as an operator reads them.
enum MarketText {
    /// A `bytes32` model id as its ASCII name when it is one (printable, zero-padded), else hex.
    static func model(_ id: [UInt8]) -> String {
        let trimmed = id.prefix { $0 != 0 }
        let printable = !trimmed.isEmpty && trimmed.allSatisfy { $0 >= 0x21 && $0 < 0x7f }
            && id.dropFirst(trimmed.count).allSatisfy { $0 == 0 }
        return printable ? String(decoding: trimmed, as: UTF8.self) : Hex.encode(id)
    }

    /// Seconds since the epoch as `2024-05-01 13:45:00 UTC` (proleptic Gregorian).
    static func utc(_ seconds: UInt64) -> String {
        let days = Int64(seconds / 86_400)
        let rest = Int(seconds % 86_400)
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = z / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d)) \(two(Int64(rest / 3600))):\(two(Int64(rest / 60 % 60))):\(two(Int64(rest % 60))) UTC"
    }

    /// A duration as `3d 4h 5m`, `4h 0m` or `42s`.
    static func duration(_ seconds: UInt64) -> String {
        let d = seconds / 86_400, h = seconds / 3600 % 24, m = seconds / 60 % 60
        if d > 0 { return "\(d)d \(h)h \(m)m" }
        if h > 0 { return "\(h)h \(m)m" }
        if m > 0 { return "\(m)m \(seconds % 60)s" }
        return "\(seconds)s"
    }

    /// Token wei (18 decimals) as `864192000000000000000 wei (864.192 tokens)`.
    static func tokens(_ wei: U256) -> String {
        let scale = U256.pow10(18) ?? U256(1)
        let (whole, fraction) = wei.quotientAndRemainder(dividingBy: scale)
        var digits = fraction.decimalString
        digits = String(repeating: "0", count: max(0, 18 - digits.count)) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(wei.decimalString) wei (\(whole.decimalString)\(digits.isEmpty ? "" : "." + digits) tokens)"
    }
}

