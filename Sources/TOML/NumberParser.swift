/// TOML 1.0 integers and floats, from the token's bytes.
enum NumberParser {
    enum Result: Equatable {
        case integer(Int64)
        case float(Double)
        case overflow
        case invalid(String)
    }

    static func parse(_ token: [UInt8]) -> Result {
        switch String(decoding: token, as: UTF8.self) {
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        var body = token[...]
        var negative = false
        var signed = false
        if let first = body.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            signed = true
            negative = first == UInt8(ascii: "-")
            body = body.dropFirst()
        }
        guard let first = body.first else { return .invalid("a sign must be followed by digits") }
        guard TOMLParser.isDigit(first) else { return .invalid("expected a digit, found '\(Character(UnicodeScalar(first)))'") }

        if body.count >= 2, first == UInt8(ascii: "0"),
            let radix = [UInt8(ascii: "x"): 16, UInt8(ascii: "o"): 8, UInt8(ascii: "b"): 2][body[body.startIndex + 1]] {
            if signed { return .invalid("hexadecimal, octal and binary integers cannot have a sign") }
            return parseRadix(body.dropFirst(2), radix: radix)
        }

        if body.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            return parseFloat(token, body: body)
        }

        if let reason = checkGroup(body, radix: 10) { return .invalid(reason) }
        if body.count > 1, first == UInt8(ascii: "0") {
            return .invalid("leading zeros are not allowed in a decimal integer; write 0o12 for octal, or drop the zeros")
        }
        var magnitude: UInt64 = 0
        for byte in body where byte != UInt8(ascii: "_") {
            let (shifted, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (added, o2) = shifted.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            if o1 || o2 { return .overflow }
            magnitude = added
        }
        if negative {
            if magnitude > UInt64(Int64.max) + 1 { return .overflow }
            return .integer(magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude))
        }
        if magnitude > UInt64(Int64.max) { return .overflow }
        return .integer(Int64(magnitude))
    }

    private static func parseRadix(_ digits: ArraySlice<UInt8>, radix: Int) -> Result {
        if let reason = checkGroup(digits, radix: radix) { return .invalid(reason) }
        var value: UInt64 = 0
        for byte in digits where byte != UInt8(ascii: "_") {
            guard let digit = TOMLParser.hexValue(byte) else { return .invalid("bad digit") }
            let (shifted, o1) = value.multipliedReportingOverflow(by: UInt64(radix))
            let (added, o2) = shifted.addingReportingOverflow(UInt64(digit))
            if o1 || o2 { return .overflow }
            value = added
        }
        if value > UInt64(Int64.max) { return .overflow }
        return .integer(Int64(value))
    }

    private static func parseFloat(_ token: [UInt8], body: ArraySlice<UInt8>) -> Result {
        let e = body.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") } ?? body.endIndex
        let dot = body[..<e].firstIndex(of: UInt8(ascii: "."))
        let integerPart = body[..<(dot ?? e)]
        if let reason = checkGroup(integerPart, radix: 10) { return .invalid(reason) }
        if integerPart.count > 1, integerPart.first == UInt8(ascii: "0") {
            return .invalid("leading zeros are not allowed in a float")
        }
        if let dot {
            let fraction = body[(dot + 1)..<e]
            if fraction.isEmpty { return .invalid("a decimal point must be followed by digits (write 1.0, not 1.)") }
            if let reason = checkGroup(fraction, radix: 10) { return .invalid(reason) }
        }
        if e < body.endIndex {
            var exponent = body[(e + 1)...]
            if let sign = exponent.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                exponent = exponent.dropFirst()
            }
            if exponent.isEmpty { return .invalid("an exponent must have digits") }
            if let reason = checkGroup(exponent, radix: 10) { return .invalid(reason) }
        }
        let text = String(decoding: token.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
        guard let value = Double(text) else { return .invalid("not a number") }
        return .float(value)
    }

    /// Digits of `radix` with single underscores between digits; the reason when not.
    private static func checkGroup(_ group: ArraySlice<UInt8>, radix: Int) -> String? {
        guard let first = group.first, let last = group.last else { return "missing digits" }
        if first == UInt8(ascii: "_") || last == UInt8(ascii: "_") {
            return "an underscore must sit between two digits"
        }
        var previousUnderscore = false
        for byte in group {
            if byte == UInt8(ascii: "_") {
                if previousUnderscore { return "an underscore must sit between two digits" }
                previousUnderscore = true
                continue
            }
            previousUnderscore = false
            guard let digit = TOMLParser.hexValue(byte), Int(digit) < radix,
                radix == 16 || TOMLParser.isDigit(byte)
            else {
                let name = [16: "hexadecimal", 8: "octal", 2: "binary"][radix] ?? "decimal"
                return "'\(Character(UnicodeScalar(byte)))' is not a \(name) digit"
            }
        }
        return nil
    }
}
