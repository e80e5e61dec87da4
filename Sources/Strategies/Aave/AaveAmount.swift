public import EVM

/// Token amounts for people: `1204500000` with 6 decimals -> "1,204.50".
public enum AaveAmount {
    /// `value / 10^decimals` with `places` decimals, rounded down, thousands grouped with commas
    /// when `grouping`.
    public static func format(_ value: U256, decimals: Int, places: Int, grouping: Bool = true) -> String {
        let digits = value.decimalString
        let padded = digits.count <= decimals ? String(repeating: "0", count: decimals - digits.count + 1) + digits : digits
        let whole = String(padded.dropLast(decimals))
        var fraction = String(padded.suffix(decimals))
        if fraction.count > places {
            fraction = String(fraction.prefix(places))
        } else {
            fraction += String(repeating: "0", count: places - fraction.count)
        }
        var grouped = ""
        if grouping {
            for (i, c) in whole.enumerated() {
                if i > 0 && (whole.count - i) % 3 == 0 { grouped.append(",") }
                grouped.append(c)
            }
        } else {
            grouped = whole
        }
        return places == 0 ? grouped : "\(grouped).\(fraction)"
    }

    /// At least four significant digits and at least two places: 1204.5 -> "1,204.50",
    /// 0.61234 -> "0.6123", 1.51234 -> "1.512".
    public static func readable(_ value: U256, decimals: Int) -> String {
        guard let unit = U256.pow10(decimals) else { return value.decimalString }
        let whole = value / unit
        let places: Int
        if whole.isZero {
            // Leading zeros after the point, then four significant digits.
            let digits = value.decimalString.count
            places = min(decimals, max(2, decimals - digits + 4))
        } else {
            places = min(decimals, max(2, 4 - whole.decimalString.count))
        }
        return format(value, decimals: decimals, places: places)
    }
}
