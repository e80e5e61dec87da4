/// A 256-bit unsigned integer: the EVM word.
///
/// Four 64-bit limbs, least significant first. Plain operators (`+`, `-`, `*`) trap on overflow
/// like Swift's integers; `&+`, `&-`, `&*` wrap modulo 2^256; the `...ReportingOverflow` methods
/// report. ``mulDiv(_:_:_:)`` computes `a * b / d` through a 512-bit intermediate, as Uniswap's
/// FullMath does, so no precision is lost before the division.
public struct U256: Hashable, Sendable {
    /// Limbs, least significant first.
    public var w0, w1, w2, w3: UInt64

    /// Builds a value from its limbs, least significant first.
    @inlinable
    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// A value that fits in 64 bits.
    @inlinable
    public init(_ value: UInt64) { self.init(w0: value, w1: 0, w2: 0, w3: 0) }

    /// A non-negative `Int`; traps on a negative one.
    @inlinable
    public init(_ value: Int) {
        precondition(value >= 0, "U256 cannot hold a negative value")
        self.init(UInt64(value))
    }

    public static let zero = U256(0)
    public static let one = U256(1)
    public static let max = U256(w0: .max, w1: .max, w2: .max, w3: .max)
    public static let bitWidth = 256

    @inlinable public var isZero: Bool { (w0 | w1 | w2 | w3) == 0 }

    /// The value as `UInt64` when it fits.
    @inlinable public var uint64: UInt64? { (w1 | w2 | w3) == 0 ? w0 : nil }

    /// The value as `Int` when it fits.
    @inlinable public var int: Int? {
        guard let v = uint64, v <= UInt64(Int.max) else { return nil }
        return Int(v)
    }

    @inlinable
    subscript(limb i: Int) -> UInt64 {
        get {
            switch i {
            case 0: w0
            case 1: w1
            case 2: w2
            default: w3
            }
        }
        set {
            switch i {
            case 0: w0 = newValue
            case 1: w1 = newValue
            case 2: w2 = newValue
            default: w3 = newValue
            }
        }
    }

    /// Number of limbs up to the most significant non-zero one (0 for zero).
    @inlinable
    var significantLimbs: Int {
        w3 != 0 ? 4 : w2 != 0 ? 3 : w1 != 0 ? 2 : w0 != 0 ? 1 : 0
    }

    @inlinable
    public var leadingZeroBitCount: Int {
        if w3 != 0 { return w3.leadingZeroBitCount }
        if w2 != 0 { return 64 + w2.leadingZeroBitCount }
        if w1 != 0 { return 128 + w1.leadingZeroBitCount }
        return 192 + w0.leadingZeroBitCount
    }

    @inlinable
    public var trailingZeroBitCount: Int {
        if w0 != 0 { return w0.trailingZeroBitCount }
        if w1 != 0 { return 64 + w1.trailingZeroBitCount }
        if w2 != 0 { return 128 + w2.trailingZeroBitCount }
        return 192 + w3.trailingZeroBitCount
    }

    /// Number of bits needed to write the value (0 for zero).
    @inlinable public var bitLength: Int { 256 - leadingZeroBitCount }
}

extension U256: ExpressibleByIntegerLiteral {
    @inlinable
    public init(integerLiteral value: UInt64) { self.init(value) }
}

// MARK: - Comparison

extension U256: Comparable {
    @inlinable
    public static func < (a: U256, b: U256) -> Bool {
        if a.w3 != b.w3 { return a.w3 < b.w3 }
        if a.w2 != b.w2 { return a.w2 < b.w2 }
        if a.w1 != b.w1 { return a.w1 < b.w1 }
        return a.w0 < b.w0
    }
}

// MARK: - Addition and subtraction

extension U256 {
    @inlinable
    public func addingReportingOverflow(_ other: U256) -> (partialValue: U256, overflow: Bool) {
        let (s0, c0) = w0.addingReportingOverflow(other.w0)
        let (t1, c1a) = w1.addingReportingOverflow(other.w1)
        let (s1, c1b) = t1.addingReportingOverflow(c0 ? 1 : 0)
        let (t2, c2a) = w2.addingReportingOverflow(other.w2)
        let (s2, c2b) = t2.addingReportingOverflow((c1a || c1b) ? 1 : 0)
        let (t3, c3a) = w3.addingReportingOverflow(other.w3)
        let (s3, c3b) = t3.addingReportingOverflow((c2a || c2b) ? 1 : 0)
        return (U256(w0: s0, w1: s1, w2: s2, w3: s3), c3a || c3b)
    }

    @inlinable
    public func subtractingReportingOverflow(_ other: U256) -> (partialValue: U256, overflow: Bool) {
        let (d0, b0) = w0.subtractingReportingOverflow(other.w0)
        let (t1, b1a) = w1.subtractingReportingOverflow(other.w1)
        let (d1, b1b) = t1.subtractingReportingOverflow(b0 ? 1 : 0)
        let (t2, b2a) = w2.subtractingReportingOverflow(other.w2)
        let (d2, b2b) = t2.subtractingReportingOverflow((b1a || b1b) ? 1 : 0)
        let (t3, b3a) = w3.subtractingReportingOverflow(other.w3)
        let (d3, b3b) = t3.subtractingReportingOverflow((b2a || b2b) ? 1 : 0)
        return (U256(w0: d0, w1: d1, w2: d2, w3: d3), b3a || b3b)
    }

    @inlinable
    public static func + (a: U256, b: U256) -> U256 {
        let (r, o) = a.addingReportingOverflow(b)
        precondition(!o, "U256 addition overflow")
        return r
    }

    @inlinable
    public static func - (a: U256, b: U256) -> U256 {
        let (r, o) = a.subtractingReportingOverflow(b)
        precondition(!o, "U256 subtraction underflow")
        return r
    }

    @inlinable public static func &+ (a: U256, b: U256) -> U256 { a.addingReportingOverflow(b).partialValue }
    @inlinable public static func &- (a: U256, b: U256) -> U256 { a.subtractingReportingOverflow(b).partialValue }
    @inlinable public static func += (a: inout U256, b: U256) { a = a + b }
    @inlinable public static func -= (a: inout U256, b: U256) { a = a - b }
}

// MARK: - Multiplication

extension U256 {
    /// The full 512-bit product as (high, low) halves.
    @inlinable
    public func multipliedFullWidth(by other: U256) -> (high: U256, low: U256) {
        var r = InlineArray<8, UInt64>(repeating: 0)
        for i in 0..<4 {
            let a = self[limb: i]
            if a == 0 { continue }
            var carry: UInt64 = 0
            for j in 0..<4 {
                let (ph, pl) = a.multipliedFullWidth(by: other[limb: j])
                let (s1, o1) = r[i + j].addingReportingOverflow(pl)
                let (s2, o2) = s1.addingReportingOverflow(carry)
                r[i + j] = s2
                // ph <= 2^64 - 2, so adding two carries cannot overflow.
                carry = ph &+ (o1 ? 1 : 0) &+ (o2 ? 1 : 0)
            }
            r[i + 4] = carry
        }
        return (U256(w0: r[4], w1: r[5], w2: r[6], w3: r[7]), U256(w0: r[0], w1: r[1], w2: r[2], w3: r[3]))
    }

    @inlinable
    public func multipliedReportingOverflow(by other: U256) -> (partialValue: U256, overflow: Bool) {
        // Fast path: both operands fit in 128 bits, so the product fits in 256.
        if (w2 | w3 | other.w2 | other.w3) == 0 {
            let (h00, l00) = w0.multipliedFullWidth(by: other.w0)
            let (h01, l01) = w0.multipliedFullWidth(by: other.w1)
            let (h10, l10) = w1.multipliedFullWidth(by: other.w0)
            let (h11, l11) = w1.multipliedFullWidth(by: other.w1)
            var acc = U256(w0: l00, w1: h00, w2: 0, w3: 0)
            acc = acc &+ U256(w0: 0, w1: l01, w2: h01, w3: 0)
            acc = acc &+ U256(w0: 0, w1: l10, w2: h10, w3: 0)
            acc = acc &+ U256(w0: 0, w1: 0, w2: l11, w3: h11)
            return (acc, false)
        }
        let (high, low) = multipliedFullWidth(by: other)
        return (low, !high.isZero)
    }

    @inlinable
    public static func * (a: U256, b: U256) -> U256 {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        precondition(!o, "U256 multiplication overflow")
        return r
    }

    @inlinable public static func &* (a: U256, b: U256) -> U256 { a.multipliedReportingOverflow(by: b).partialValue }
    @inlinable public static func *= (a: inout U256, b: U256) { a = a * b }
}

// MARK: - Division

extension U256 {
    /// Quotient and remainder; traps when `divisor` is zero.
    @inlinable
    public func quotientAndRemainder(dividingBy divisor: U256) -> (quotient: U256, remainder: U256) {
        precondition(!divisor.isZero, "U256 division by zero")
        if (w1 | w2 | w3 | divisor.w1 | divisor.w2 | divisor.w3) == 0 {
            return (U256(w0 / divisor.w0), U256(w0 % divisor.w0))
        }
        if self < divisor { return (.zero, self) }
        var u = InlineArray<8, UInt64>(repeating: 0)
        u[0] = w0; u[1] = w1; u[2] = w2; u[3] = w3
        let (q, r) = U256.divide(u, m: significantLimbs, by: divisor)
        return (U256(w0: q[0], w1: q[1], w2: q[2], w3: q[3]), r)
    }

    /// Quotient and remainder, or nil when `divisor` is zero.
    @inlinable
    public func dividedReportingZero(by divisor: U256) -> (quotient: U256, remainder: U256)? {
        divisor.isZero ? nil : quotientAndRemainder(dividingBy: divisor)
    }

    @inlinable public static func / (a: U256, b: U256) -> U256 { a.quotientAndRemainder(dividingBy: b).quotient }
    @inlinable public static func % (a: U256, b: U256) -> U256 { a.quotientAndRemainder(dividingBy: b).remainder }
    @inlinable public static func /= (a: inout U256, b: U256) { a = a / b }
    @inlinable public static func %= (a: inout U256, b: U256) { a = a % b }

    /// `a * b / denominator` rounded down, with a 512-bit intermediate (Uniswap's
    /// `FullMath.mulDiv`). Nil when `denominator` is zero or the result exceeds 256 bits.
    @inlinable
    public static func mulDiv(_ a: U256, _ b: U256, _ denominator: U256) -> U256? {
        mulDivRemainder(a, b, denominator)?.quotient
    }

    /// `a * b / denominator` rounded up (Uniswap's `FullMath.mulDivRoundingUp`). Nil when
    /// `denominator` is zero or the result exceeds 256 bits.
    @inlinable
    public static func mulDivRoundingUp(_ a: U256, _ b: U256, _ denominator: U256) -> U256? {
        guard let (q, r) = mulDivRemainder(a, b, denominator) else { return nil }
        if r.isZero { return q }
        let (up, overflow) = q.addingReportingOverflow(.one)
        return overflow ? nil : up
    }

    @inlinable
    static func mulDivRemainder(_ a: U256, _ b: U256, _ d: U256) -> (quotient: U256, remainder: U256)? {
        if d.isZero { return nil }
        let (high, low) = a.multipliedFullWidth(by: b)
        if high.isZero { return low.quotientAndRemainder(dividingBy: d) }
        // The quotient fits in 256 bits exactly when high < d.
        if high >= d { return nil }
        var u = InlineArray<8, UInt64>(repeating: 0)
        u[0] = low.w0; u[1] = low.w1; u[2] = low.w2; u[3] = low.w3
        u[4] = high.w0; u[5] = high.w1; u[6] = high.w2; u[7] = high.w3
        let m = high.significantLimbs + 4
        let (q, r) = divide(u, m: m, by: d)
        return (U256(w0: q[0], w1: q[1], w2: q[2], w3: q[3]), r)
    }

    /// Knuth's algorithm D (TAOCP 4.3.1) with 64-bit digits: divides the `m`-limb `u` by `v`
    /// (`v` non-zero, `m` at least `v`'s significant limbs). Quotient limbs beyond the fourth are
    /// dropped: callers only divide where the quotient is known to fit.
    @usableFromInline
    static func divide(_ u: InlineArray<8, UInt64>, m: Int, by v: U256) -> (InlineArray<8, UInt64>, U256) {
        var q = InlineArray<8, UInt64>(repeating: 0)
        let n = v.significantLimbs
        if n == 1 {
            let d = v.w0
            var r: UInt64 = 0
            var j = m - 1
            while j >= 0 {
                (q[j], r) = d.dividingFullWidth((r, u[j]))
                j -= 1
            }
            return (q, U256(r))
        }
        // Normalise so the divisor's top limb has its high bit set; qhat is then off by at most 2.
        let s = v[limb: n - 1].leadingZeroBitCount
        var vn = InlineArray<4, UInt64>(repeating: 0)
        var un = InlineArray<9, UInt64>(repeating: 0)
        if s == 0 {
            for i in 0..<n { vn[i] = v[limb: i] }
            for i in 0..<m { un[i] = u[i] }
        } else {
            for i in stride(from: n - 1, to: 0, by: -1) {
                vn[i] = (v[limb: i] << s) | (v[limb: i - 1] >> (64 - s))
            }
            vn[0] = v.w0 << s
            un[m] = u[m - 1] >> (64 - s)
            for i in stride(from: m - 1, to: 0, by: -1) {
                un[i] = (u[i] << s) | (u[i - 1] >> (64 - s))
            }
            un[0] = u[0] << s
        }
        let vTop = vn[n - 1]
        let vNext = vn[n - 2]
        var j = m - n
        while j >= 0 {
            var qhat: UInt64
            var rhat: UInt64
            var rhatOverflow = false
            if un[j + n] >= vTop {
                qhat = .max
                (rhat, rhatOverflow) = un[j + n - 1].addingReportingOverflow(vTop)
            } else {
                (qhat, rhat) = vTop.dividingFullWidth((un[j + n], un[j + n - 1]))
            }
            while !rhatOverflow {
                let (ph, pl) = qhat.multipliedFullWidth(by: vNext)
                guard ph > rhat || (ph == rhat && pl > un[j + n - 2]) else { break }
                qhat &-= 1
                (rhat, rhatOverflow) = rhat.addingReportingOverflow(vTop)
            }
            // Multiply and subtract qhat * vn from un[j ... j+n].
            var borrow: UInt64 = 0
            var carry: UInt64 = 0
            for i in 0..<n {
                let (ph, pl) = qhat.multipliedFullWidth(by: vn[i])
                let (plc, c1) = pl.addingReportingOverflow(carry)
                carry = ph &+ (c1 ? 1 : 0)
                let (t1, b1) = un[i + j].subtractingReportingOverflow(plc)
                let (t2, b2) = t1.subtractingReportingOverflow(borrow)
                un[i + j] = t2
                borrow = (b1 || b2) ? 1 : 0
            }
            let (t1, b1) = un[j + n].subtractingReportingOverflow(carry)
            let (t2, b2) = t1.subtractingReportingOverflow(borrow)
            un[j + n] = t2
            if b1 || b2 {
                // qhat was one too large: add the divisor back.
                qhat &-= 1
                var c: UInt64 = 0
                for i in 0..<n {
                    let (s1, o1) = un[i + j].addingReportingOverflow(vn[i])
                    let (s2, o2) = s1.addingReportingOverflow(c)
                    un[i + j] = s2
                    c = (o1 || o2) ? 1 : 0
                }
                un[j + n] &+= c
            }
            q[j] = qhat
            j -= 1
        }
        var r = U256.zero
        for i in 0..<n {
            r[limb: i] = s == 0 ? un[i] : (un[i] >> s) | (un[i + 1] << (64 - s))
        }
        return (q, r)
    }
}

// MARK: - Bits

extension U256 {
    @inlinable public static func & (a: U256, b: U256) -> U256 { U256(w0: a.w0 & b.w0, w1: a.w1 & b.w1, w2: a.w2 & b.w2, w3: a.w3 & b.w3) }
    @inlinable public static func | (a: U256, b: U256) -> U256 { U256(w0: a.w0 | b.w0, w1: a.w1 | b.w1, w2: a.w2 | b.w2, w3: a.w3 | b.w3) }
    @inlinable public static func ^ (a: U256, b: U256) -> U256 { U256(w0: a.w0 ^ b.w0, w1: a.w1 ^ b.w1, w2: a.w2 ^ b.w2, w3: a.w3 ^ b.w3) }
    @inlinable public static prefix func ~ (a: U256) -> U256 { U256(w0: ~a.w0, w1: ~a.w1, w2: ~a.w2, w3: ~a.w3) }

    /// Logical shift left; shifting by 256 or more gives zero.
    @inlinable
    public static func << (a: U256, shift: Int) -> U256 {
        if shift <= 0 { return shift == 0 ? a : a >> -shift }
        if shift >= 256 { return .zero }
        let limbShift = shift / 64
        let bitShift = shift % 64
        var r = U256.zero
        for i in stride(from: 3, through: limbShift, by: -1) {
            var v = a[limb: i - limbShift] << bitShift
            if bitShift != 0, i - limbShift - 1 >= 0 {
                v |= a[limb: i - limbShift - 1] >> (64 - bitShift)
            }
            r[limb: i] = v
        }
        return r
    }

    /// Logical shift right; shifting by 256 or more gives zero.
    @inlinable
    public static func >> (a: U256, shift: Int) -> U256 {
        if shift <= 0 { return shift == 0 ? a : a << -shift }
        if shift >= 256 { return .zero }
        let limbShift = shift / 64
        let bitShift = shift % 64
        var r = U256.zero
        for i in 0..<(4 - limbShift) {
            var v = a[limb: i + limbShift] >> bitShift
            if bitShift != 0, i + limbShift + 1 < 4 {
                v |= a[limb: i + limbShift + 1] << (64 - bitShift)
            }
            r[limb: i] = v
        }
        return r
    }

    @inlinable public static func <<= (a: inout U256, shift: Int) { a = a << shift }
    @inlinable public static func >>= (a: inout U256, shift: Int) { a = a >> shift }

    /// Whether bit `index` (0 = least significant) is set.
    @inlinable
    public func bit(_ index: Int) -> Bool {
        guard index >= 0, index < 256 else { return false }
        return (self[limb: index / 64] >> UInt64(index % 64)) & 1 == 1
    }
}
