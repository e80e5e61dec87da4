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

    public var description: String { label }
}
