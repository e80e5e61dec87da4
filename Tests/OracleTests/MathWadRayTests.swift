import BigInt
import EVM
import EVMTestKit
import Oracle
import Testing

/// WadRayMath and PercentageMath: the half-up boundaries, Aave's overflow conditions, and random
/// operands against a BigInt transcription of the formulas.
@Suite struct MathWadRayTests {
    static let wad = U256(1_000_000_000_000_000_000)
    static let ray = U256(decimal: "1000000000000000000000000000")!
    static let halfRay = U256(decimal: "500000000000000000000000000")!

    @Test func constants() {
        #expect(WadRayMath.wad == Self.wad)
        #expect(WadRayMath.ray == Self.ray)
        #expect(WadRayMath.halfRay == Self.halfRay)
        #expect(WadRayMath.halfWad == U256(500_000_000_000_000_000))
        #expect(PercentageMath.percentageFactor == U256(10_000))
    }

    @Test func rayMulRoundsHalfUp() {
        // a*b = 3*RAY + RAY/2 exactly -> 4; one less -> 3.
        let a = U256(7), b = Self.halfRay
        #expect(WadRayMath.rayMul(a, b) == U256(4))
        #expect(WadRayMath.rayMul(a, b - .one) == U256(3))
        #expect(WadRayMath.rayMul(.one, Self.halfRay) == .one)
        #expect(WadRayMath.rayMul(.one, Self.halfRay - .one) == .zero)
        #expect(WadRayMath.rayMul(U256.max, .zero) == .zero)
    }

    @Test func wadMulRoundsHalfUp() {
        #expect(WadRayMath.wadMul(U256(5), U256(100_000_000_000_000_000)) == .one)  // 0.5 -> 1
        #expect(WadRayMath.wadMul(U256(5), U256(99_999_999_999_999_999)) == .zero)
        #expect(WadRayMath.wadMul(U256(3), U256(500_000_000_000_000_000)) == U256(2))  // 1.5 -> 2
    }

    @Test func divisionsRoundHalfUp() {
        // wadDiv(1, 2e18) = (1e18 + 1e18) / 2e18 = 1 (0.5 -> 1); with b = 2e18 + 2 it is below .5.
        let twoWad = U256(2_000_000_000_000_000_000)
        #expect(WadRayMath.wadDiv(.one, twoWad) == .one)
        #expect(WadRayMath.wadDiv(.one, twoWad + U256(2)) == .zero)
        // Odd b: b/2 is rounded down, so exactly .5 - 1/(2b) rounds down.
        #expect(WadRayMath.wadDiv(U256(3), U256(2)) == U256(1_500_000_000_000_000_000))
        let twoRay = Self.ray + Self.ray
        #expect(WadRayMath.rayDiv(.one, twoRay) == .one)
        #expect(WadRayMath.rayDiv(.one, twoRay + .one) == .zero)
        #expect(WadRayMath.wadDiv(.one, .zero) == nil)
        #expect(WadRayMath.rayDiv(.one, .zero) == nil)
    }

    @Test func percentageRoundsHalfUp() {
        #expect(PercentageMath.percentMul(.one, U256(5_000)) == .one)
        #expect(PercentageMath.percentMul(.one, U256(4_999)) == .zero)
        #expect(PercentageMath.percentMul(U256(3), U256(5_000)) == U256(2))  // 1.5 -> 2
        #expect(PercentageMath.percentMul(U256.max, .zero) == .zero)
        #expect(PercentageMath.percentDiv(.one, U256(20_000)) == .one)  // 0.5 -> 1
        #expect(PercentageMath.percentDiv(.one, U256(20_001)) == .zero)
        #expect(PercentageMath.percentDiv(.one, .zero) == nil)
    }

    @Test func conversionsRoundHalfUp() {
        #expect(WadRayMath.rayToWad(U256(500_000_000)) == .one)
        #expect(WadRayMath.rayToWad(U256(499_999_999)) == .zero)
        #expect(WadRayMath.rayToWad(U256(1_500_000_000)) == U256(2))
        #expect(WadRayMath.wadToRay(.one) == U256(1_000_000_000))
        #expect(WadRayMath.wadToRay(U256.max) == nil)
    }

    /// Aave reverts exactly when `a*b + half` exceeds 2^256 - 1.
    @Test func overflowBoundaries() {
        // a*b + HALF_RAY == max: fine; one more unit of product: overflow.
        let b = U256(3)
        let limit = (U256.max - Self.halfRay) / b  // largest a with a*b <= max - HALF_RAY
        #expect(WadRayMath.rayMul(limit, b) != nil)
        #expect(WadRayMath.rayMul(limit + .one, b) == nil)
        let wadLimit = (U256.max - U256(1)) / Self.wad  // a*WAD + b/2 with b = 2 or 3
        #expect(WadRayMath.wadDiv(wadLimit, U256(3)) != nil)
        #expect(WadRayMath.wadDiv(wadLimit + .one, U256(3)) == nil)
        let pLimit = (U256.max - U256(5_000)) / U256(7)
        #expect(PercentageMath.percentMul(pLimit, U256(7)) != nil)
        #expect(PercentageMath.percentMul(pLimit + .one, U256(7)) == nil)
        #expect(PercentageMath.percentDiv(U256.max / U256(10_000), U256(2)) != nil)
        #expect(PercentageMath.percentDiv(U256.max / U256(10_000) + .one, U256(2)) == nil)
        #expect(WadRayMath.wadMul(U256.max, U256(2)) == nil)
        #expect(WadRayMath.rayDiv(U256.max, U256(2)) == nil)
    }

    @Test func randomOperandsMatchBigInt() {
        var rng = SeededGenerator(seed: 42)
        let W = BigUInt(10).power(18), R = BigUInt(10).power(27), P = BigUInt(10_000)
        func halfUpMul(_ a: BigUInt, _ b: BigUInt, _ unit: BigUInt) -> U256? {
            let t = a * b + unit / 2
            return t > Big.max ? nil : Big.u256(t / unit)
        }
        func halfUpDiv(_ a: BigUInt, _ b: BigUInt, _ unit: BigUInt) -> U256? {
            if b == 0 { return nil }
            let t = a * unit + b / 2
            return t > Big.max ? nil : Big.u256(t / b)
        }
        for _ in 0..<4000 {
            let a = Big.random(bits: 0...256, using: &rng)
            let b = Big.random(bits: 0...256, using: &rng)
            let (A, B) = (Big.of(a), Big.of(b))
            #expect(WadRayMath.wadMul(a, b) == halfUpMul(A, B, W))
            #expect(WadRayMath.rayMul(a, b) == halfUpMul(A, B, R))
            #expect(WadRayMath.wadDiv(a, b) == halfUpDiv(A, B, W))
            #expect(WadRayMath.rayDiv(a, b) == halfUpDiv(A, B, R))
            #expect(PercentageMath.percentMul(a, b) == halfUpMul(A, B, P))
            #expect(PercentageMath.percentDiv(a, b) == halfUpDiv(A, B, P))
            let rem = A % BigUInt(1_000_000_000)
            #expect(Big.of(WadRayMath.rayToWad(a)) == A / BigUInt(1_000_000_000) + (rem >= 500_000_000 ? 1 : 0))
        }
    }
}
