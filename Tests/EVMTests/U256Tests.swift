import BigInt
import EVM
import PropertyBased
import Testing

/// U256 checked against attaswift/BigInt on random operands of every width, so carries,
/// borrows and each branch of the division (one limb, several limbs, normalisation) are hit.
@Suite struct U256Tests {
    static let two256 = BigUInt(1) << 256

    static func big(_ v: U256) -> BigUInt { BigUInt(words: [UInt(v.w0), UInt(v.w1), UInt(v.w2), UInt(v.w3)]) }

    static func u256(_ b: BigUInt) -> U256? { U256(decimal: b.description) }

    /// A value with a random number of significant bits (0...256), so small and full-width
    /// operands are equally likely.
    static let operand = zip(Gen.uint64().array(of: 4), Gen.int(in: 0...256)).map { limbs, bits in
        U256(w0: limbs[0], w1: limbs[1], w2: limbs[2], w3: limbs[3]) >> (256 - bits)
    }

    @Test func arithmeticMatchesBigInt() async {
        await propertyCheck(count: 3000, input: Self.operand, Self.operand) { a, b in
            let (A, B) = (Self.big(a), Self.big(b))
            let sum = a.addingReportingOverflow(b)
            #expect(Self.big(sum.partialValue) == (A + B) % Self.two256)
            #expect(sum.overflow == (A + B >= Self.two256))
            let diff = a.subtractingReportingOverflow(b)
            #expect(Self.big(diff.partialValue) == (A + Self.two256 - B) % Self.two256)
            #expect(diff.overflow == (A < B))
            let product = a.multipliedReportingOverflow(by: b)
            #expect(Self.big(product.partialValue) == (A * B) % Self.two256)
            #expect(product.overflow == (A * B >= Self.two256))
            let full = a.multipliedFullWidth(by: b)
            #expect((Self.big(full.high) << 256) + Self.big(full.low) == A * B)
            if !b.isZero {
                let (q, r) = a.quotientAndRemainder(dividingBy: b)
                #expect(Self.big(q) == A / B)
                #expect(Self.big(r) == A % B)
            }
            #expect((a < b) == (A < B))
            #expect((a == b) == (A == B))
        }
    }

    @Test func mulDivMatchesBigInt() async {
        await propertyCheck(count: 3000, input: Self.operand, Self.operand, Self.operand) { a, b, d in
            let (A, B, D) = (Self.big(a), Self.big(b), Self.big(d))
            guard !d.isZero else {
                #expect(U256.mulDiv(a, b, d) == nil)
                return
            }
            let exact = A * B / D
            let up = (A * B + D - 1) / D
            #expect(U256.mulDiv(a, b, d).map(Self.big) == (exact < Self.two256 ? exact : nil))
            #expect(U256.mulDivRoundingUp(a, b, d).map(Self.big) == (up < Self.two256 ? up : nil))
        }
    }

    @Test func shiftsAndBitsMatchBigInt() async {
        await propertyCheck(count: 2000, input: Self.operand, Self.operand, Gen.int(in: 0...300)) { a, b, shift in
            let A = Self.big(a)
            #expect(Self.big(a << shift) == (A << shift) % Self.two256)
            #expect(Self.big(a >> shift) == A >> shift)
            #expect(Self.big(a & b) == A & Self.big(b))
            #expect(Self.big(a | b) == A | Self.big(b))
            #expect(Self.big(a ^ b) == A ^ Self.big(b))
            #expect(a.bitLength == 0 ? A == 0 : A >> (a.bitLength - 1) == 1)
        }
    }

    @Test func textAndBytesRoundTrip() async {
        await propertyCheck(count: 2000, input: Self.operand) { a in
            let A = Self.big(a)
            #expect(a.decimalString == A.description)
            #expect(U256(decimal: a.decimalString) == a)
            #expect(a.hexQuantity == "0x" + String(A, radix: 16))
            #expect(U256(hex: a.hexQuantity) == a)
            #expect(U256(bigEndian: a.bigEndianBytes) == a)
            #expect(U256(bigEndian: a.minimalBigEndianBytes) == a)
            #expect(a.minimalBigEndianBytes.first != 0)
            #expect(a.bigEndianBytes.count == 32)
        }
    }

    @Test(arguments: [
        ("0", true), ("115792089237316195423570985008687907853269984665640564039457584007913129639935", true),
        ("115792089237316195423570985008687907853269984665640564039457584007913129639936", false),
        ("", false), ("-1", false), ("1_000", false), ("12a", false), (" 1", false),
    ])
    func decimalParsingBoundaries(text: String, valid: Bool) {
        #expect((U256(decimal: text) != nil) == valid)
    }

    @Test(arguments: [
        ("0x0", true), ("0x", false), ("0xfff", true), ("0x" + String(repeating: "f", count: 64), true),
        ("0x1" + String(repeating: "0", count: 64), false), ("0x" + String(repeating: "0", count: 70) + "1", true),
        ("0xg", false),
    ])
    func hexParsingBoundaries(text: String, valid: Bool) {
        #expect((U256(hex: text) != nil) == valid)
    }

    @Test func trappingEdgesReportOverflow() {
        #expect(U256.max.addingReportingOverflow(.one).overflow)
        #expect(U256.zero.subtractingReportingOverflow(.one).overflow)
        #expect(U256.max.multipliedReportingOverflow(by: 2).overflow)
        #expect(U256.mulDiv(.max, .max, .max) == .max)
        #expect(U256.mulDiv(.max, 2, 1) == nil)
        #expect(U256.mulDivRoundingUp(.max, .max, .max) == .max)
        #expect(U256.mulDivRoundingUp(5, 1, 2) == 3)
        #expect(U256.pow10(77) != nil)
        #expect(U256.pow10(78) == nil)
    }

    @Test(arguments: [
        ("-1", "-1", true), ("57896044618658097711785492504343953926634992332820282019728792003956564819968", "", false),
        ("-57896044618658097711785492504343953926634992332820282019728792003956564819968",
         "-57896044618658097711785492504343953926634992332820282019728792003956564819968", true),
        ("0x10", "16", true), ("-0", "0", true),
    ])
    func signedParsing(text: String, printed: String, valid: Bool) throws {
        let value = I256(parsing: text)
        #expect((value != nil) == valid)
        if valid { #expect(try #require(value).description == printed) }
    }

    @Test func signedWidthsAndInt64() {
        #expect(I256(-128).fits(bitWidth: 8))
        #expect(!I256(-129).fits(bitWidth: 8))
        #expect(I256(127).fits(bitWidth: 8))
        #expect(!I256(128).fits(bitWidth: 8))
        #expect(I256(Int64.min).int64 == Int64.min)
        #expect(I256(-5) < I256(3))
        #expect(I256(-5).negated == I256(5))
        #expect(I256.min.int64 == nil)
    }
}
