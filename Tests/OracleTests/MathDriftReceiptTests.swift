import EVM
import Foundation
import Oracle
import Testing

@Suite struct MathDriftReceiptTests {
    static let inputs = DriftReceipt.Inputs(
        modelId: "fraud-v3", periodEnd: 1_700_000_000,
        features: [
            .init(name: "income", baseline: [50, 50], current: [25, 75]),
            .init(name: "age", baseline: [10, 20, 30], current: [10, 20, 30]),
        ],
        baselineAccuracy: 0.912, currentAccuracy: 0.8715)

    /// The canonical bytes, written out: keys sorted, no whitespace, PSI with 6 decimals.
    @Test func canonicalJSONIsStable() throws {
        let receipt = try DriftReceipt(inputs: Self.inputs)
        let inputsText = #"{"baselineAccuracy":"0.912000","currentAccuracy":"0.871500","#
            + #""features":{"age":{"baseline":[10,20,30],"current":[10,20,30]},"income":{"baseline":[50,50],"current":[25,75]}},"#
            + #""modelId":"fraud-v3","periodEnd":1700000000}"#
        #expect(try Self.inputs.canonical().text == inputsText)
        #expect(receipt.inputsDigest == Keccak256.hash(Array(inputsText.utf8)))
        let digest = Hex.encode(receipt.inputsDigest)
        let receiptText = #"{"driftBps":2747,"features":{"age":"0.000000","income":"0.274653"},"#
            + #""inputsDigest":"\#(digest)","maxFeature":"income","method":"psi-v1","#
            + #""modelId":"fraud-v3","periodEnd":1700000000,"psiMax":"0.274653","version":1}"#
        #expect(String(decoding: receipt.canonicalJSON, as: UTF8.self) == receiptText)
        #expect(receipt.receiptHash == Keccak256.hash(Array(receiptText.utf8)))
        #expect(receipt.driftBps == 2747)
        #expect(receipt.maxFeature == "income")
    }

    @Test func featureOrderDoesNotMatter() throws {
        var reordered = Self.inputs
        reordered.features.reverse()
        #expect(try DriftReceipt(inputs: reordered).receiptHash == DriftReceipt(inputs: Self.inputs).receiptHash)
    }

    @Test func hashRecomputesFromStoredJSON() throws {
        let receipt = try DriftReceipt(inputs: Self.inputs)
        #expect(DriftReceipt.recomputeHash(storedJSON: receipt.canonicalJSON) == receipt.receiptHash)
        let verified = try DriftReceipt.verify(storedJSON: receipt.canonicalJSON)
        #expect(verified.receiptHash == receipt.receiptHash)
        #expect(verified.driftBps == receipt.driftBps)
        #expect(receipt.receiptHash.count == 32)
    }

    @Test func verifyRejectsNonCanonicalOrInconsistentReceipts() throws {
        let text = String(decoding: try DriftReceipt(inputs: Self.inputs).canonicalJSON, as: UTF8.self)
        let spaced = text.replacingOccurrences(of: ",", with: ", ")
        #expect(throws: DriftError.notCanonical("")) { try DriftReceipt.verify(storedJSON: Array(spaced.utf8)) }
        let tampered = text.replacingOccurrences(of: #""driftBps":2747"#, with: #""driftBps":2746"#)
        #expect(throws: DriftError.invalidReceipt("")) { try DriftReceipt.verify(storedJSON: Array(tampered.utf8)) }
        let psi = text.replacingOccurrences(of: #""income":"0.274653""#, with: #""income":"0.274654""#)
        #expect(throws: DriftError.invalidReceipt("")) { try DriftReceipt.verify(storedJSON: Array(psi.utf8)) }
        let fraction = text.replacingOccurrences(of: #""version":1"#, with: #""version":1.0"#)
        #expect(throws: DriftError.notCanonical("")) { try DriftReceipt.verify(storedJSON: Array(fraction.utf8)) }
        #expect(throws: DriftError.notCanonical("")) { try DriftReceipt.verify(storedJSON: Array("{".utf8)) }
    }

    @Test func invalidInputs() {
        var duplicate = Self.inputs
        duplicate.features.append(.init(name: "age", baseline: [1], current: [1]))
        #expect(throws: DriftError.invalidInput("")) { try DriftReceipt(inputs: duplicate) }
        var none = Self.inputs
        none.features = []
        #expect(throws: DriftError.invalidInput("")) { try DriftReceipt(inputs: none) }
        var nan = Self.inputs
        nan.currentAccuracy = .nan
        #expect(throws: DriftError.invalidInput("")) { try DriftReceipt(inputs: nan) }
        var bad = Self.inputs
        bad.features[0].current = [1]
        #expect(throws: DriftError.invalidHistogram("")) { try DriftReceipt(inputs: bad) }
    }

    /// Ties on the largest PSI go to the first name in UTF-8 order.
    @Test func maxFeatureTieBreak() throws {
        let tie = DriftReceipt.Inputs(modelId: "m", periodEnd: 1, features: [
            .init(name: "b", baseline: [50, 50], current: [25, 75]),
            .init(name: "a", baseline: [50, 50], current: [75, 25]),
        ])
        let receipt = try DriftReceipt(inputs: tie)
        #expect(receipt.maxFeature == "a")
        #expect(try DriftReceipt.verify(storedJSON: receipt.canonicalJSON).receiptHash == receipt.receiptHash)
    }

    @Test func canonicalStrings() throws {
        let value = CanonicalJSON.object([
            "z": .string("tab\there \"q\" \\ \u{01} é 😀"), "a": .array([.integer(-5), .integer(0), .bool(true), .null]),
            "é": .integer(UInt64.max), "B": .object([:]),
        ])
        let text = value.text
        #expect(text == #"{"B":{},"a":[-5,0,true,null],"z":"tab\there \"q\" \\ \u0001 é 😀","é":18446744073709551615}"#)
        #expect(try CanonicalJSON(parsing: value.bytes) == value)
        for bad in ["01", "-0", "1.5", "1e3"] {
            #expect(throws: DriftError.notCanonical("")) { try CanonicalJSON(parsing: Array("[\(bad)]".utf8)) }
        }
    }
}
