import EVM
import EVMTestKit
import Oracle
import Testing

/// Uniswap v3-core's TickMath vectors (../shared/vectors/tickmath.json), one case per vector.
private struct TickMathFile: Decodable {
    struct AtTick: Decodable, Sendable, CustomTestStringConvertible {
        let tick: Int32
        let sqrtPriceX96: String
        var testDescription: String { "tick \(tick)" }
    }
    struct AtSqrt: Decodable, Sendable, CustomTestStringConvertible {
        let sqrtPriceX96: String
        let tick: Int32
        var testDescription: String { "sqrt \(sqrtPriceX96)" }
    }
    struct Revert: Decodable, Sendable, CustomTestStringConvertible {
        let call: String
        let input_expr: String
        let input: String?
        let reverts_with: String
        var testDescription: String { "\(call)(\(input_expr))" }
    }
    struct Constants: Decodable {
        let MIN_TICK: String
        let MIN_SQRT_RATIO: String
        let MAX_SQRT_RATIO: String
    }
    let constants: Constants
    let getSqrtRatioAtTick: [AtTick]
    let getTickAtSqrtRatio: [AtSqrt]
    let reverts: [Revert]
}

private let file = Vectors.load("tickmath.json", as: TickMathFile.self)

@Suite struct MathTickTests {
    @Test func constants() {
        #expect(String(TickMath.minTick) == file.constants.MIN_TICK)
        #expect(TickMath.maxTick == -TickMath.minTick)
        #expect(TickMath.minSqrtRatio.decimalString == file.constants.MIN_SQRT_RATIO)
        #expect(TickMath.maxSqrtRatio.decimalString == file.constants.MAX_SQRT_RATIO)
        #expect(TickMath.sqrtRatio(atTick: TickMath.minTick) == TickMath.minSqrtRatio)
        #expect(TickMath.sqrtRatio(atTick: TickMath.maxTick) == TickMath.maxSqrtRatio)
    }

    @Test(arguments: file.getSqrtRatioAtTick)
    fileprivate func sqrtRatioAtTick(_ v: TickMathFile.AtTick) {
        #expect(TickMath.sqrtRatio(atTick: v.tick)?.decimalString == v.sqrtPriceX96)
    }

    @Test(arguments: file.getTickAtSqrtRatio)
    fileprivate func tickAtSqrtRatio(_ v: TickMathFile.AtSqrt) throws {
        let price = try #require(U256(decimal: v.sqrtPriceX96))
        #expect(TickMath.tick(atSqrtRatio: price) == v.tick)
    }

    @Test(arguments: file.reverts)
    fileprivate func reverts(_ v: TickMathFile.Revert) throws {
        switch v.call {
        case "getSqrtRatioAtTick":
            let text = try #require(v.input)
            let tick = try #require(Int32(text))
            #expect(TickMath.sqrtRatio(atTick: tick) == nil)
        case "getTickAtSqrtRatio":
            let input: U256
            if let text = v.input {
                input = try #require(U256(decimal: text))
            } else {
                #expect(v.input_expr == "MIN_SQRT_RATIO - 1")
                input = TickMath.minSqrtRatio - .one
            }
            #expect(TickMath.tick(atSqrtRatio: input) == nil)
        default:
            Issue.record("unknown call \(v.call)")
        }
    }

    /// The tick of a tick's own price is that tick, and one unit below it is the previous tick.
    @Test func roundTripsRandomTicks() {
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<3000 {
            let tick = Int32.random(in: (TickMath.minTick + 1)...(TickMath.maxTick - 1), using: &rng)
            guard let price = TickMath.sqrtRatio(atTick: tick), let next = TickMath.sqrtRatio(atTick: tick + 1) else {
                Issue.record("no price at \(tick)")
                continue
            }
            #expect(price < next)
            #expect(TickMath.tick(atSqrtRatio: price) == tick)
            #expect(TickMath.tick(atSqrtRatio: price - .one) == tick - 1)
            #expect(TickMath.tick(atSqrtRatio: next - .one) == tick)
        }
        #expect(TickMath.tick(atSqrtRatio: TickMath.maxSqrtRatio - .one) == TickMath.maxTick - 1)
    }
}
