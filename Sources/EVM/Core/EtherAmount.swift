/// Amounts as operators write them in policy and config files: exact integers of wei (or of an
/// argument's unit), never rounded.
///
/// Accepted: TOML integers (`21000`), decimal strings with `_` separators (`"1_000_000"`),
/// `0x` hex (`"0x2386f26fc10000"`), scientific notation (`"1e24"`, `"2.5e18"`), and a unit
/// after a space: `wei`, `gwei`, `ether` (`"30 gwei"`, `"1.5 ether"`). The result must be a whole
/// number: `"1.5 wei"` and `"1e-3"` are errors, as is anything above 2^256 - 1.
public enum EtherAmount {
    /// Unit names and their power of ten.
    public static let units: [(name: String, exponent: Int)] = [("wei", 0), ("gwei", 9), ("ether", 18)]

    /// Parses an unsigned amount; the error is a sentence saying what is wrong.
    public static func parse(_ text: String) -> Result<U256, AmountError> {
        switch parseSigned(text) {
        case .failure(let error): return .failure(error)
        case .success(let (negative, magnitude)):
            if negative && !magnitude.isZero { return .failure(AmountError("'\(text)' is negative; this amount must be 0 or more")) }
            return .success(magnitude)
        }
    }

    /// Parses a signed amount (for `intN` arguments): an optional leading `-`.
    public static func parseInt(_ text: String) -> Result<I256, AmountError> {
        switch parseSigned(text) {
        case .failure(let error): return .failure(error)
        case .success(let (negative, magnitude)):
            guard let value = I256(negative: negative, magnitude: magnitude) else {
                return .failure(AmountError("'\(text)' does not fit in a 256-bit signed integer"))
            }
            return .success(value)
        }
    }

    /// Formats wei for messages: the exact integer, with the ether or gwei figure when it is
    /// round enough to help (`1500000000000000000 wei (1.5 ether)`).
    public static func describe(_ wei: U256) -> String {
        for (name, exponent) in units.reversed() where exponent > 0 {
            let scale = U256.pow10(exponent)!
            guard wei >= U256.pow10(exponent - 6)! else { continue }
            let (whole, fraction) = wei.quotientAndRemainder(dividingBy: scale)
            var digits = fraction.decimalString
            digits = String(repeating: "0", count: exponent - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            guard digits.count <= 6 else { continue }
            return "\(wei.decimalString) wei (\(whole.decimalString)\(digits.isEmpty ? "" : "." + digits) \(name))"
        }
        return "\(wei.decimalString) wei"
    }

    static func parseSigned(_ raw: String) -> Result<(Bool, U256), AmountError> {
        let text = raw.trimmingSpaces
        guard !text.isEmpty else { return .failure(AmountError("an amount is empty; write a number such as \"21000\", \"1e18\" or \"30 gwei\"")) }
        var number = Substring(text)
        var unitExponent = 0
        if let space = text.firstIndex(of: " ") {
            let unit = text[text.index(after: space)...].trimmingSpaces.lowercased()
            guard let match = units.first(where: { $0.name == unit }) else {
                return .failure(AmountError("'\(raw)' has the unknown unit '\(unit)'; use wei, gwei or ether"))
            }
            unitExponent = match.exponent
            number = text[..<space]
        }
        var negative = false
        if number.hasPrefix("-") { negative = true; number = number.dropFirst() }
        if number.hasPrefix("0x") || number.hasPrefix("0X") {
            guard unitExponent == 0, let value = U256(hex: number.filter { $0 != "_" }) else {
                return .failure(AmountError("'\(raw)' is not valid hex (hex amounts are in wei, without a unit)"))
            }
            return .success((negative, value))
        }
        var mantissaText = number
        var exponent = 0
        if let e = number.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissaText = number[..<e]
            let exponentText = number[number.index(after: e)...]
            guard let parsed = Int(exponentText), abs(parsed) <= 1000 else {
                return .failure(AmountError("'\(raw)' has an invalid exponent; write for example \"1e24\""))
            }
            exponent = parsed
        }
        var integerPart = mantissaText
        var fractionPart: Substring = ""
        if let dot = mantissaText.firstIndex(of: ".") {
            integerPart = mantissaText[..<dot]
            fractionPart = mantissaText[mantissaText.index(after: dot)...]
        }
        func isDigits(_ s: Substring) -> Bool {
            !s.isEmpty && s.first != "_" && s.last != "_" && s.allSatisfy { $0 == "_" || ($0.isASCII && $0.isNumber) }
        }
        guard isDigits(integerPart), fractionPart.isEmpty || isDigits(fractionPart),
              !(mantissaText.hasSuffix(".")) else {
            return .failure(AmountError("'\(raw)' is not a number; write for example \"1000\", \"1e24\", \"30 gwei\" or \"1.5 ether\""))
        }
        let digits = (integerPart + fractionPart).filter { $0 != "_" }
        let fractionDigits = fractionPart.filter { $0 != "_" }.count
        var mantissa = U256.zero
        for c in digits.utf8 {
            let (m, o1) = mantissa.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(U256(UInt64(c - 48)))
            guard !o1, !o2 else { return .failure(AmountError("'\(raw)' is larger than 2^256 - 1")) }
            mantissa = s
        }
        let scale = unitExponent + exponent - fractionDigits
        if mantissa.isZero { return .success((negative, .zero)) }
        if scale >= 0 {
            guard let factor = U256.pow10(scale) else { return .failure(AmountError("'\(raw)' is larger than 2^256 - 1")) }
            let (value, overflow) = mantissa.multipliedReportingOverflow(by: factor)
            guard !overflow else { return .failure(AmountError("'\(raw)' is larger than 2^256 - 1")) }
            return .success((negative, value))
        }
        guard let divisor = U256.pow10(-scale) else {
            return .failure(AmountError("'\(raw)' is not a whole number of wei; amounts must be exact integers"))
        }
        let (quotient, remainder) = mantissa.quotientAndRemainder(dividingBy: divisor)
        guard remainder.isZero else {
            return .failure(AmountError("'\(raw)' is not a whole number of wei; amounts must be exact integers"))
        }
        return .success((negative, quotient))
    }
}

/// Why an amount did not parse: a sentence naming the text and what to write instead.
public struct AmountError: Error, Hashable, Sendable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
