import Synchronization

/// Keeps one metric label's values bounded, so a surprise from outside (a new RPC error code, a
/// policy with many argument rules) cannot grow the number of time series without limit.
///
/// A value is first made safe for a label (letters, digits and `_ . : - ( )` kept, anything else
/// turned into `_`, at most ``maximumLength`` characters); the first ``capacity`` distinct values
/// are kept as they are, and every later new value is reported as ``overflowValue``.
final class BoundedLabelValues: Sendable {
    /// What a value beyond the capacity is reported as.
    static let overflowValue = "other"
    /// The longest label value kept; longer values are cut.
    static let maximumLength = 64

    let capacity: Int
    private let seen: Mutex<Set<String>>

    init(capacity: Int) {
        self.capacity = capacity
        self.seen = Mutex([])
    }

    /// The label value to use for `raw`: sanitized, and folded into ``overflowValue`` once the
    /// capacity is reached.
    func value(for raw: String) -> String {
        let clean = Self.sanitize(raw)
        return seen.withLock { seen in
            if seen.contains(clean) { return clean }
            guard seen.count < capacity else { return Self.overflowValue }
            seen.insert(clean)
            return clean
        }
    }

    /// `raw` with characters outside `[A-Za-z0-9_.:()-]` replaced by `_`, cut to
    /// ``maximumLength``; an empty value becomes `unknown`.
    static func sanitize(_ raw: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in raw.unicodeScalars.prefix(maximumLength) {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", ".", ":", "-", "(", ")": out.append(scalar)
            default: out.append("_")
            }
        }
        return out.isEmpty ? "unknown" : String(out)
    }
}
