import EVM

/// A drift receipt: the canonical JSON of the inputs' digest, each feature's PSI and the result,
/// and its Keccak-256, which is what `submitReceipt(modelId, periodEnd, driftBps, receiptHash)`
/// registers.
///
/// Inputs, canonical JSON (see ``CanonicalJSON`` for the byte form; accuracies are optional and
/// left out when absent):
/// ```
/// {"baselineAccuracy":"0.912000","currentAccuracy":"0.871000",
///  "features":{"age":{"baseline":[10,20,30],"current":[12,18,30]}},
///  "modelId":"fraud-v3","periodEnd":1700000000}
/// ```
/// `inputsDigest` = Keccak-256 of those bytes. The receipt:
/// ```
/// {"driftBps":1235,"features":{"age":"0.123456"},"inputsDigest":"0x…","maxFeature":"age",
///  "method":"psi-v1","modelId":"fraud-v3","periodEnd":1700000000,"psiMax":"0.123456","version":1}
/// ```
/// Number formatting: integers (bin counts, `periodEnd`, `driftBps`, `version`) as JSON integers;
/// PSI values and accuracies as strings with exactly 6 fractional digits, rounded half to even
/// from the binary value (``PopulationStabilityIndex/micros(_:)``); digests as `0x` + 64 lowercase
/// hex digits. `maxFeature` is the feature with the largest 6-digit PSI (the first by UTF-8 name
/// order on a tie), `psiMax` its value, and `driftBps = (psiMax micro-units + 50) / 100`.
///
/// `receiptHash` = Keccak-256 of the receipt's canonical bytes: ``recomputeHash(storedJSON:)``
/// recomputes it from stored bytes, and ``verify(storedJSON:)`` also checks that the bytes are
/// canonical and their fields consistent.
public struct DriftReceipt: Sendable, Hashable {
    /// One feature's histograms over the same bins: bin counts, in bin order.
    public struct Feature: Sendable, Hashable {
        public var name: String
        public var baseline: [UInt64]
        public var current: [UInt64]

        public init(name: String, baseline: [UInt64], current: [UInt64]) {
            self.name = name
            self.baseline = baseline
            self.current = current
        }
    }

    /// What the receipt is computed from.
    public struct Inputs: Sendable, Hashable {
        /// The model, as the operator names it (the on-chain `bytes32` is derived by the caller).
        public var modelId: String
        /// End of the monitoring period (seconds), as submitted on chain.
        public var periodEnd: UInt64
        /// The features; names must be distinct.
        public var features: [Feature]
        /// Accuracy on the baseline data (0...1), if reported.
        public var baselineAccuracy: Double?
        /// Accuracy on the current data (0...1), if reported.
        public var currentAccuracy: Double?

        public init(
            modelId: String, periodEnd: UInt64, features: [Feature], baselineAccuracy: Double? = nil,
            currentAccuracy: Double? = nil
        ) {
            self.modelId = modelId
            self.periodEnd = periodEnd
            self.features = features
            self.baselineAccuracy = baselineAccuracy
            self.currentAccuracy = currentAccuracy
        }

        /// The inputs' canonical JSON.
        public func canonical() throws(DriftError) -> CanonicalJSON {
            var features: [String: CanonicalJSON] = [:]
            for f in self.features {
                guard features[f.name] == nil else { throw .invalidInput("feature '\(f.name)' appears twice; names must be distinct") }
                features[f.name] = .object([
                    "baseline": .array(f.baseline.map { CanonicalJSON.integer($0) }),
                    "current": .array(f.current.map { CanonicalJSON.integer($0) }),
                ])
            }
            var fields: [String: CanonicalJSON] = [
                "features": .object(features),
                "modelId": .string(modelId),
                "periodEnd": .integer(periodEnd),
            ]
            for (key, value) in [("baselineAccuracy", baselineAccuracy), ("currentAccuracy", currentAccuracy)] {
                guard let value else { continue }
                guard let m = PopulationStabilityIndex.micros(value) else {
                    throw .invalidInput("\(key) \(value) is not a finite non-negative number")
                }
                fields[key] = .string(PopulationStabilityIndex.decimalString(micros: m))
            }
            return .object(fields)
        }
    }

    /// The inputs.
    public let inputs: Inputs
    /// Keccak-256 of the inputs' canonical JSON.
    public let inputsDigest: [UInt8]
    /// Each feature's PSI in micro-units (6 decimals), by name.
    public let featurePSIMicros: [String: Int64]
    /// The feature with the largest PSI.
    public let maxFeature: String
    /// The largest PSI in micro-units.
    public let psiMaxMicros: Int64
    /// Drift in basis points (half up from `psiMaxMicros`).
    public let driftBps: Int64
    /// The receipt's canonical JSON bytes.
    public let canonicalJSON: [UInt8]
    /// Keccak-256 of ``canonicalJSON``.
    public let receiptHash: [UInt8]

    /// The version written in receipts.
    public static let version = 1

    /// Computes the receipt. Throws on invalid histograms, duplicate names or no features.
    public init(inputs: Inputs) throws(DriftError) {
        guard !inputs.features.isEmpty else { throw .invalidInput("no features: a receipt needs at least one") }
        self.inputs = inputs
        inputsDigest = Keccak256.hash(try inputs.canonical().bytes)
        var values: [String: Int64] = [:]
        for f in inputs.features {
            let psi: Double
            do {
                psi = try PopulationStabilityIndex.psi(baseline: f.baseline, current: f.current)
            } catch {
                throw .invalidHistogram("feature '\(f.name)': \(error.message)")
            }
            guard let m = PopulationStabilityIndex.micros(psi) else { throw .invalidHistogram("feature '\(f.name)': PSI \(psi) cannot be written") }
            values[f.name] = m
        }
        featurePSIMicros = values
        (maxFeature, psiMaxMicros) = Self.maximum(values)
        driftBps = PopulationStabilityIndex.driftBps(psiMicros: psiMaxMicros)
        let json = CanonicalJSON.object([
            "driftBps": .integer(driftBps),
            "features": .object(values.mapValues { .string(PopulationStabilityIndex.decimalString(micros: $0)) }),
            "inputsDigest": .string(Hex.encode(inputsDigest)),
            "maxFeature": .string(maxFeature),
            "method": .string(PopulationStabilityIndex.method),
            "modelId": .string(inputs.modelId),
            "periodEnd": .integer(inputs.periodEnd),
            "psiMax": .string(PopulationStabilityIndex.decimalString(micros: psiMaxMicros)),
            "version": .integer(Self.version),
        ])
        canonicalJSON = json.bytes
        receiptHash = Keccak256.hash(canonicalJSON)
    }

    /// The largest value, the first name by UTF-8 order on a tie.
    private static func maximum(_ values: [String: Int64]) -> (String, Int64) {
        let names = values.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var best = names[0]
        for name in names.dropFirst() where values[name]! > values[best]! { best = name }
        return (best, values[best]!)
    }

    /// Keccak-256 of stored receipt bytes, exactly as stored: the hash registered on chain when
    /// the bytes are the receipt's canonical JSON.
    public static func recomputeHash(storedJSON: some Sequence<UInt8>) -> [UInt8] {
        Keccak256.hash(storedJSON)
    }

    /// Checks stored receipt bytes and returns their hash: the bytes must be canonical JSON (so
    /// that re-serialising gives the same bytes), and `psiMax`, `maxFeature` and `driftBps` must
    /// follow from the per-feature values by the rules above. To check the values themselves
    /// against the inputs, build ``init(inputs:)`` and compare ``canonicalJSON``.
    public static func verify(storedJSON: [UInt8]) throws(DriftError) -> (receiptHash: [UInt8], driftBps: Int64) {
        let value = try CanonicalJSON(parsing: storedJSON)
        guard value.bytes == storedJSON else {
            throw .notCanonical("the stored receipt is not in canonical form (whitespace, key order or escaping differ)")
        }
        guard let fields = value.objectValue else { throw .invalidReceipt("the receipt is not a JSON object") }
        let expectedKeys: Set = [
            "driftBps", "features", "inputsDigest", "maxFeature", "method", "modelId", "periodEnd", "psiMax", "version",
        ]
        guard Set(fields.keys) == expectedKeys else {
            throw .invalidReceipt("fields \(fields.keys.sorted()) differ from \(expectedKeys.sorted())")
        }
        guard fields["version"]?.numberText == String(version), fields["method"]?.stringValue == PopulationStabilityIndex.method else {
            throw .invalidReceipt("unknown version or method; this code checks version \(version), \(PopulationStabilityIndex.method)")
        }
        guard let features = fields["features"]?.objectValue, !features.isEmpty else {
            throw .invalidReceipt("'features' must be a non-empty object")
        }
        var values: [String: Int64] = [:]
        for (name, v) in features {
            guard let text = v.stringValue, let m = PopulationStabilityIndex.micros(decimalString: text) else {
                throw .invalidReceipt("feature '\(name)': PSI must be a string with 6 fractional digits")
            }
            values[name] = m
        }
        let (maxFeature, psiMax) = maximum(values)
        guard fields["maxFeature"]?.stringValue == maxFeature,
              fields["psiMax"]?.stringValue == PopulationStabilityIndex.decimalString(micros: psiMax)
        else { throw .invalidReceipt("maxFeature/psiMax do not match the largest feature PSI ('\(maxFeature)')") }
        let drift = PopulationStabilityIndex.driftBps(psiMicros: psiMax)
        guard fields["driftBps"]?.numberText == String(drift) else {
            throw .invalidReceipt("driftBps must be \(drift) for psiMax \(PopulationStabilityIndex.decimalString(micros: psiMax))")
        }
        guard let digest = fields["inputsDigest"]?.stringValue, digest.utf8.count == 66,
              (try? Hex.decode(digest))?.count == 32, digest == digest.lowercased()
        else { throw .invalidReceipt("inputsDigest must be 0x and 64 lowercase hex digits") }
        guard fields["modelId"]?.stringValue != nil, fields["periodEnd"]?.numberText.flatMap({ UInt64($0) }) != nil else {
            throw .invalidReceipt("modelId must be a string and periodEnd an unsigned integer")
        }
        return (Keccak256.hash(storedJSON), drift)
    }
}
