import EVM

/// One monitoring snapshot of a model for one period, as the monitoring system writes it
/// (`<dir>/<model>/<periodEnd>.json`, or served over HTTP):
/// ```
/// {"model": "fraud-v1", "modelId": "0x6672…", "periodStart": 1700000000, "periodEnd": 1700086400,
///  "features": {"amount": {"bins": [11 edges], "baseline": [...], "current": [...]}, ...},
///  "baselineAccuracy": 0.912, "currentAccuracy": 0.897}
/// ```
/// Histograms are bin counts (every value a JSON integer) or proportions (any value with a
/// fraction or an exponent). Proportions become counts per million, `round(p * 10^6)` computed
/// exactly from the decimal text (half to even), so a proportion written with at most 6 decimals
/// is kept exactly and the PSI of the counts equals the PSI of the proportions when they sum to 1.
/// The receipt records the counts it was computed from. `modelId` is optional: without it the
/// `bytes32` is the model name's ASCII, left-aligned and zero-padded; with it, it must agree.
public struct DriftMonitoringSnapshot: Sendable, Hashable {
    public var model: String
    /// The on-chain `bytes32` model id.
    public var modelId: [UInt8]
    public var periodStart: UInt64?
    public var periodEnd: UInt64
    /// The receipt's inputs (features as counts, accuracies).
    public var inputs: DriftReceipt.Inputs

    /// A snapshot that cannot be used: which one and why.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        public let source: String
        public let message: String

        public init(source: String, message: String) {
            self.source = source
            self.message = message
        }

        public var description: String { "\(source): \(message)" }
    }

    public init(model: String, modelId: [UInt8], periodStart: UInt64?, periodEnd: UInt64, inputs: DriftReceipt.Inputs) {
        self.model = model
        self.modelId = modelId
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.inputs = inputs
    }

    /// A model name as `bytes32`: its UTF-8 left-aligned and zero-padded; nil beyond 32 bytes.
    public static func modelID(_ name: String) -> [UInt8]? {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 32 else { return nil }
        return bytes + [UInt8](repeating: 0, count: 32 - bytes.count)
    }

    /// Parses one snapshot; `source` names it in errors (a path or a URL).
    public init(json bytes: [UInt8], source: String) throws(Failure) {
        func fail(_ message: String) -> Failure { Failure(source: source, message: message) }
        let json: JSONValue
        do {
            json = try JSONValue.parse(bytes)
        } catch {
            throw fail("not JSON (\(error)); the monitoring snapshot must be one JSON object")
        }
        guard json.objectValue != nil else { throw fail("not a JSON object") }
        guard let model = json["model"]?.stringValue, !model.isEmpty else { throw fail("'model' must be a non-empty string") }
        guard let derived = Self.modelID(model) else { throw fail("model name '\(model)' is longer than 32 bytes") }
        var modelId = derived
        if let text = json["modelId"]?.stringValue {
            guard let given = try? Hex.decode(text), given.count == 32 else { throw fail("'modelId' must be 0x and 64 hex digits") }
            guard given == derived else {
                throw fail("'modelId' \(text) is not the bytes32 of the name '\(model)' (\(Hex.encode(derived)))")
            }
            modelId = given
        }
        guard let periodEnd = Self.integer(json["periodEnd"]) else { throw fail("'periodEnd' must be a non-negative integer (seconds)") }
        let periodStart = Self.integer(json["periodStart"])
        guard let featureObject = json["features"]?.objectValue, !featureObject.isEmpty else {
            throw fail("'features' must be a non-empty object of {baseline, current} histograms")
        }
        var features: [DriftReceipt.Feature] = []
        for name in featureObject.keys.sorted() {
            let f = featureObject[name]!
            guard let baseline = f["baseline"]?.arrayValue, let current = f["current"]?.arrayValue else {
                throw fail("feature '\(name)' needs 'baseline' and 'current' arrays")
            }
            let proportions = (baseline + current).contains { value in
                if case .number(let text) = value { return text.contains { ".eE".contains($0) } }
                return false
            }
            guard let b = Self.counts(baseline, proportions: proportions), let c = Self.counts(current, proportions: proportions) else {
                throw fail("feature '\(name)': histogram values must be non-negative numbers (counts or proportions)")
            }
            features.append(DriftReceipt.Feature(name: name, baseline: b, current: c))
        }
        let baselineAccuracy = Self.double(json["baselineAccuracy"])
        let currentAccuracy = Self.double(json["currentAccuracy"])
        self.init(
            model: model, modelId: modelId, periodStart: periodStart, periodEnd: periodEnd,
            inputs: DriftReceipt.Inputs(
                modelId: model, periodEnd: periodEnd, features: features, baselineAccuracy: baselineAccuracy,
                currentAccuracy: currentAccuracy))
    }

    static func integer(_ value: JSONValue?) -> UInt64? {
        guard case .number(let text)? = value else { return nil }
        return UInt64(text)
    }

    static func double(_ value: JSONValue?) -> Double? {
        guard case .number(let text)? = value else { return nil }
        return Double(text)
    }

    static func counts(_ values: [JSONValue], proportions: Bool) -> [UInt64]? {
        var out: [UInt64] = []
        for value in values {
            guard case .number(let text) = value else { return nil }
            if proportions {
                guard let m = perMillion(text) else { return nil }
                out.append(m)
            } else {
                guard let n = UInt64(text) else { return nil }
                out.append(n)
            }
        }
        return out
    }

    /// `round(x * 10^6)` of a non-negative JSON number's text, exactly, half to even; nil when
    /// negative, malformed or too large.
    public static func perMillion(_ text: String) -> UInt64? {
        var digits: [UInt8] = []
        var fractionDigits = 0
        var exponent = 0
        var seenPoint = false
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                digits.append(c - UInt8(ascii: "0"))
                if seenPoint { fractionDigits += 1 }
            } else if c == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                guard let e = Int(String(decoding: bytes[(i + 1)...], as: UTF8.self)), abs(e) < 400 else { return nil }
                exponent = e
                break
            } else {
                return nil
            }
            i += 1
        }
        guard !digits.isEmpty else { return nil }
        while digits.count > 1, digits.first == 0 { digits.removeFirst() }
        // value = digits * 10^(exponent - fractionDigits); scaled by 10^6.
        let shift = exponent - fractionDigits + 6
        if shift >= 0 {
            guard digits.count + shift <= 19 else { return nil }
            var v: UInt64 = 0
            for d in digits { v = v * 10 + UInt64(d) }
            for _ in 0..<shift { v *= 10 }
            return v
        }
        let keep = digits.count + shift  // digits before the rounding position
        if keep < 0 { return 0 }
        guard keep <= 19 else { return nil }
        var q: UInt64 = 0
        for d in digits.prefix(keep) { q = q * 10 + UInt64(d) }
        let rest = digits.dropFirst(keep)
        let first = rest.first ?? 0
        let tail = rest.dropFirst().contains { $0 != 0 }
        if first > 5 || (first == 5 && (tail || q & 1 == 1)) { q += 1 }
        return q
    }
}
