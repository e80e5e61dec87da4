import Foundation

/// The Population Stability Index between a baseline and a current histogram of one feature,
/// and the drift in basis points reported on chain.
///
/// The rules, fixed as `psi-v1` (the receipt names them):
/// 1. Proportions: `e_i = baseline_i / sum(baseline)`, `a_i = current_i / sum(current)`, each a
///    correctly rounded `Double` division of the counts (exact for counts below 2^53).
/// 2. Floor: every proportion below `1e-4` (in particular every empty bin) is raised to `1e-4`
///    (the `Double` nearest 0.0001). The proportions are **not renormalised** afterwards: the
///    non-empty bins keep their textbook values, and the result does not depend on how many
///    empty bins there are.
/// 3. `PSI = sum over bins, in bin order, of (a_i - e_i) * ln(a_i / e_i)` in `Double`. Every term is
///    non-negative, so PSI >= 0.
/// 4. Fixing: PSI is written with exactly 6 fractional digits, rounded **half to even** from the
///    exact binary value of the `Double` (what C's `printf("%.6f")` and Python's
///    `format(x, ".6f")` print): ``micros(_:)``. Everything after this step is integer arithmetic
///    on those micro-units, so anyone can check it from the printed values alone.
/// 5. Drift: `driftBps = round(max feature PSI * 10,000)` computed from the fixed value as
///    `(psiMicros + 50) / 100` in integers, i.e. rounded **half up** (0.123450 -> 1235,
///    0.123449 -> 1234).
/// 6. Outcome of a drift market: drift when `driftBps >= thresholdBps` (``isDrift(driftBps:thresholdBps:)``).
///
/// `ln` is the platform's `log` (glibc on Linux), accurate to within an ulp; only a PSI within an
/// ulp or so of a 6th-decimal rounding boundary could print differently elsewhere.
public enum PopulationStabilityIndex {
    /// The proportion floor, 1e-4.
    public static let proportionFloor = 1e-4

    /// The name of these rules in receipts.
    public static let method = "psi-v1"

    /// PSI of one feature from its baseline and current bin counts (same bins, same order).
    public static func psi(baseline: [UInt64], current: [UInt64]) throws(DriftError) -> Double {
        guard !baseline.isEmpty else { throw .invalidHistogram("the histograms have no bins") }
        guard baseline.count == current.count else {
            throw .invalidHistogram("baseline has \(baseline.count) bins but current has \(current.count); bin both the same way")
        }
        let baselineTotal = try total(baseline, "baseline")
        let currentTotal = try total(current, "current")
        var sum = 0.0
        for i in baseline.indices {
            let e = Swift.max(Double(baseline[i]) / baselineTotal, proportionFloor)
            let a = Swift.max(Double(current[i]) / currentTotal, proportionFloor)
            sum += (a - e) * Foundation.log(a / e)
        }
        return sum
    }

    private static func total(_ counts: [UInt64], _ name: String) throws(DriftError) -> Double {
        var sum: UInt64 = 0
        for c in counts {
            let (s, o) = sum.addingReportingOverflow(c)
            guard !o else { throw .invalidHistogram("the \(name) counts overflow 64 bits") }
            sum = s
        }
        guard sum != 0 else { throw .invalidHistogram("the \(name) histogram is empty (all counts are zero)") }
        return Double(sum)
    }

    /// `value` in millionths, rounded half to even from its exact binary value (the digits
    /// `printf("%.6f")` prints). Nil for a negative, non-finite or too large value.
    public static func micros(_ value: Double) -> Int64? {
        guard value.isFinite, value >= 0 else { return nil }
        if value == 0 { return 0 }
        // value = m * 2^e exactly, m < 2^53.
        let m: UInt64
        let e: Int
        if value.isNormal {
            m = value.significandBitPattern | (1 << 52)
            e = Int(value.exponent) - 52
        } else {
            m = value.significandBitPattern
            e = -1074
        }
        let (hi, lo) = m.multipliedFullWidth(by: 1_000_000)  // < 2^73
        if e >= 0 {
            guard hi == 0, e < 64, lo.leadingZeroBitCount > e else { return nil }
            let v = lo << UInt64(e)
            return v <= UInt64(Int64.max) ? Int64(v) : nil
        }
        let shift = -e
        if shift >= 80 { return 0 }  // m * 10^6 < 2^73 <= 2^(shift-1): below one half
        // q, r = (hi:lo) >> shift, and the bits shifted out; half = 2^(shift-1).
        let n = (UInt128(hi) << 64) | UInt128(lo)
        let q = n >> UInt128(shift)
        let r = n - (q << UInt128(shift))
        let half = UInt128(1) << UInt128(shift - 1)
        let rounded = (r > half || (r == half && q & 1 == 1)) ? q + 1 : q
        return rounded <= UInt128(Int64.max) ? Int64(rounded) : nil
    }

    /// Micro-units written with exactly 6 fractional digits: 123456 -> "0.123456".
    public static func decimalString(micros: Int64) -> String {
        let sign = micros < 0 ? "-" : ""
        let magnitude = micros.magnitude
        let fraction = String(magnitude % 1_000_000)
        return sign + String(magnitude / 1_000_000) + "." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }

    /// Parses exactly `digits "." six digits` (no sign, no exponent) into micro-units.
    public static func micros(decimalString text: some StringProtocol) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 8, bytes.count <= 19, bytes[bytes.count - 7] == UInt8(ascii: ".") else { return nil }
        var value: Int64 = 0
        for (i, c) in bytes.enumerated() where i != bytes.count - 7 {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(c - UInt8(ascii: "0"))
        }
        // No leading zeros in the integer part ("00.5" is not canonical).
        if bytes.count - 7 > 1 && bytes[0] == UInt8(ascii: "0") { return nil }
        return value
    }

    /// Basis points from a PSI in micro-units, rounded half up: `(micros + 50) / 100`.
    public static func driftBps(psiMicros: Int64) -> Int64 {
        (psiMicros + 50) / 100
    }

    /// The drift-market outcome rule: drift when `driftBps >= thresholdBps`.
    public static func isDrift(driftBps: Int64, thresholdBps: Int64) -> Bool {
        driftBps >= thresholdBps
    }
}
