import EVMTestKit
import Foundation
import Oracle
import Testing

@Suite struct MathPSITests {
    /// e = (.5, .5), a = (.25, .75): PSI = -.25*ln(.5) + .25*ln(1.5) = .25*ln(3) = 0.274653072...
    @Test func handExample() throws {
        let psi = try PopulationStabilityIndex.psi(baseline: [50, 50], current: [25, 75])
        #expect(abs(psi - 0.25 * log(3.0)) < 1e-15)
        let micros = try #require(PopulationStabilityIndex.micros(psi))
        #expect(micros == 274_653)
        #expect(PopulationStabilityIndex.decimalString(micros: micros) == "0.274653")
        #expect(PopulationStabilityIndex.driftBps(psiMicros: micros) == 2747)
    }

    @Test func identicalHistogramsHaveNoDrift() throws {
        #expect(try PopulationStabilityIndex.psi(baseline: [10, 20, 30, 0], current: [20, 40, 60, 0]) == 0)
    }

    /// Empty bins are floored at 1e-4 and the proportions are not renormalised:
    /// e = (1, 1e-4), a = (.5, .5): PSI = (.5 - 1)*ln(.5) + (.5 - 1e-4)*ln(.5 / 1e-4).
    @Test func emptyBinsAreFlooredWithoutRenormalising() throws {
        let psi = try PopulationStabilityIndex.psi(baseline: [100, 0], current: [50, 50])
        let expected = (0.5 - 1.0) * log(0.5) + (0.5 - 1e-4) * log(0.5 / 1e-4)
        #expect(psi == expected)
        let renormalised = (0.5 - 1 / 1.0001) * log(0.5 * 1.0001) + (0.5 - 1e-4 / 1.0001) * log(0.5 / (1e-4 / 1.0001))
        #expect(psi != renormalised)
        #expect(PopulationStabilityIndex.micros(psi) == 4_604_318)
    }

    /// A non-empty bin below the floor is floored too (1 in 100,000 = 1e-5 -> 1e-4); the other
    /// bin keeps its own proportion 0.99999 (no renormalisation).
    @Test func tinyProportionsAreFloored() throws {
        let tiny = try PopulationStabilityIndex.psi(baseline: [1, 99_999], current: [50_000, 50_000])
        let expected = (0.5 - 1e-4) * log(0.5 / 1e-4) + (0.5 - 0.99999) * log(0.5 / 0.99999)
        #expect(tiny == expected)
    }

    @Test func invalidHistograms() {
        #expect(throws: DriftError.invalidHistogram("")) { try PopulationStabilityIndex.psi(baseline: [], current: []) }
        #expect(throws: DriftError.invalidHistogram("")) { try PopulationStabilityIndex.psi(baseline: [1, 2], current: [1]) }
        #expect(throws: DriftError.invalidHistogram("")) { try PopulationStabilityIndex.psi(baseline: [0, 0], current: [1, 1]) }
        #expect(throws: DriftError.invalidHistogram("")) {
            try PopulationStabilityIndex.psi(baseline: [UInt64.max, 1], current: [1, 1])
        }
    }

    /// Six decimals, half to even from the exact binary value: 1/128 = 0.0078125 is a tie
    /// (7812.5 micro-units) and goes to the even 7812; 3/128 = 0.0234375 goes to 23438.
    @Test func microsRoundHalfToEvenFromTheBinaryValue() {
        #expect(PopulationStabilityIndex.micros(0.0078125) == 7812)
        #expect(PopulationStabilityIndex.micros(0.0234375) == 23438)
        #expect(PopulationStabilityIndex.micros(0.1) == 100_000)
        #expect(PopulationStabilityIndex.micros(0.0000005) == 0)  // just below 5e-7 in binary
        #expect(PopulationStabilityIndex.micros(0.0000015) == 2)  // just above 1.5e-6 in binary
        #expect(PopulationStabilityIndex.micros(0) == 0)
        #expect(PopulationStabilityIndex.micros(Double.leastNonzeroMagnitude) == 0)
        #expect(PopulationStabilityIndex.micros(-1) == nil)
        #expect(PopulationStabilityIndex.micros(.nan) == nil)
        #expect(PopulationStabilityIndex.micros(.infinity) == nil)
        #expect(PopulationStabilityIndex.micros(1e300) == nil)
        #expect(PopulationStabilityIndex.micros(12_345.678_9) == 12_345_678_900)
    }

    /// The same digits as C's printf("%.6f") for random values of every magnitude.
    @Test func microsMatchPrintf() {
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<20_000 {
            let x = Double.random(in: 0..<1, using: &rng) * pow(10, Double(Int.random(in: -9...4, using: &rng)))
            let printed = String(format: "%.6f", x)
            #expect(PopulationStabilityIndex.decimalString(micros: PopulationStabilityIndex.micros(x)!) == printed, "\(x)")
        }
        // Exact ties k/2^n*10^-6 stress the half-even rule.
        for k in stride(from: 1, to: 2000, by: 2) {
            let x = Double(k) / 128
            #expect(PopulationStabilityIndex.decimalString(micros: PopulationStabilityIndex.micros(x)!) == String(format: "%.6f", x))
        }
    }

    @Test func decimalStringsRoundTrip() {
        for m: Int64 in [0, 1, 999_999, 1_000_000, 18_420_680, 274_653] {
            let text = PopulationStabilityIndex.decimalString(micros: m)
            #expect(PopulationStabilityIndex.micros(decimalString: text) == m)
        }
        #expect(PopulationStabilityIndex.decimalString(micros: 1) == "0.000001")
        for bad in ["1", "0.12345", "0.1234567", "-0.100000", "00.100000", "1e-1", "0,100000", ".100000"] {
            #expect(PopulationStabilityIndex.micros(decimalString: bad) == nil, "\(bad)")
        }
    }

    /// driftBps = round(PSI * 10,000) half up, on the 6-decimal value: 0.123450 -> 1235,
    /// 0.123449 -> 1234, 0.123350 -> 1234 (half up, not to even).
    @Test func driftBpsRoundingBoundary() {
        #expect(PopulationStabilityIndex.driftBps(psiMicros: 123_450) == 1235)
        #expect(PopulationStabilityIndex.driftBps(psiMicros: 123_449) == 1234)
        #expect(PopulationStabilityIndex.driftBps(psiMicros: 123_350) == 1234)
        #expect(PopulationStabilityIndex.driftBps(psiMicros: 99_950) == 1000)
        #expect(PopulationStabilityIndex.driftBps(psiMicros: 99_949) == 999)
        #expect(PopulationStabilityIndex.driftBps(psiMicros: 0) == 0)
        #expect(PopulationStabilityIndex.driftBps(psiMicros: 49) == 0)
        #expect(PopulationStabilityIndex.driftBps(psiMicros: 50) == 1)
    }

    /// Drift markets: YES at exactly the threshold, NO one basis point below.
    @Test func outcomeRuleAtTheThreshold() {
        #expect(PopulationStabilityIndex.isDrift(driftBps: 1000, thresholdBps: 1000))
        #expect(!PopulationStabilityIndex.isDrift(driftBps: 999, thresholdBps: 1000))
        // PSI 0.099950 rounds to 1000 bps: drift at a 1000 bps threshold; 0.099949 does not.
        #expect(PopulationStabilityIndex.isDrift(driftBps: PopulationStabilityIndex.driftBps(psiMicros: 99_950), thresholdBps: 1000))
        #expect(!PopulationStabilityIndex.isDrift(driftBps: PopulationStabilityIndex.driftBps(psiMicros: 99_949), thresholdBps: 1000))
    }
}
