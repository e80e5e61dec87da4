/// A rolling window for a budget, written `"30s"`, `"1m"`, `"1h"`, `"24h"` or `"7d"` (a positive
/// whole number and one unit: s, m, h, d).
public struct BudgetWindow: Hashable, Sendable, CustomStringConvertible {
    /// The window's length in seconds.
    public let seconds: Int64
    /// The window as written (it names the budget's rule id: `budget.value.24h`).
    public let label: String

    /// Parses `"1m"`, `"24h"`, `"7d"`; nil for anything else.
    public init?(_ text: String) {
        guard let unit = text.last, let count = Int64(text.dropLast()), count > 0, count <= 366 * 86_400,
              text.dropLast().allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        let scale: Int64
        switch unit {
        case "s": scale = 1
        case "m": scale = 60
        case "h": scale = 3600
        case "d": scale = 86_400
        default: return nil
        }
        guard count * scale <= 366 * 86_400 else { return nil }
        self.seconds = count * scale
        self.label = text
    }

    /// A window of `seconds` (1 second to 366 days), labelled in the largest whole unit
    /// (`86400` -> `"1d"`, `90` -> `"90s"`).
    public init(seconds: Int64) {
        precondition(seconds > 0 && seconds <= 366 * 86_400, "a budget window is 1 second to 366 days")
        self.seconds = seconds
        if seconds % 86_400 == 0 { label = "\(seconds / 86_400)d" } else if seconds % 3600 == 0 { label = "\(seconds / 3600)h" } else if seconds % 60 == 0 { label = "\(seconds / 60)m" } else { label = "\(seconds)s" }
    }

    public var description: String { label }
}
