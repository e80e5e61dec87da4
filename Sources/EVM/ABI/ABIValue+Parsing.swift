/// Reading values from text written the way Foundry's `cast` takes arguments.
extension ABIValue {
    /// Parses `text` as a value of `type`:
    /// - `uintN`/`intN`: decimal (`1000`), `0x` hex, scientific integers (`1e18`, `1.5e6`), an
    ///   optional unit (`1ether`, `30 gwei`, `5wei`), and a leading `-` for `intN`; the value
    ///   must be an integer that fits N bits;
    /// - `address`: `0x` + 40 hex digits, with a correct EIP-55 checksum when mixed-case;
    /// - `bool`: `true` or `false`;
    /// - `bytes`: hex, `0x` optional (`0x` alone is empty); `bytesN`: exactly N bytes of hex;
    /// - `string`: the text as it is; double quotes around it are optional and removed (inside
    ///   them `\"`, `\\`, `\n`, `\t` and `\r` are escapes);
    /// - `T[]`, `T[k]`: `[a, b, ...]`; tuples: `(a, b, ...)`, nested freely. Elements are split
    ///   at top-level commas, outside brackets and quoted strings, and trimmed; a string element
    ///   that holds a comma or bracket must be quoted.
    ///
    /// Errors have kind ``ABIError/Kind/invalidArgument``, carry the offending text, and their
    /// path locates it inside arrays and tuples (`[1].amount`).
    public static func parse(_ text: String, as type: ABIType) throws(ABIError) -> ABIValue {
        switch type {
        case .string:
            return .string(unquote(text))
        case .uint(let bits):
            let trimmed = trim(text)
            let (negative, magnitude) = try parseInteger(trimmed, typeName: type.canonicalName)
            guard !negative || magnitude.isZero else {
                throw .invalidArgument(trimmed, "is not a \(type.canonicalName): it is negative")
            }
            guard magnitude.bitLength <= bits else {
                throw .invalidArgument(trimmed, "does not fit in \(type.canonicalName) (at most \((U256.max >> (256 - bits)).decimalString))")
            }
            return .uint(magnitude)
        case .int(let bits):
            let trimmed = trim(text)
            let (negative, magnitude) = try parseInteger(trimmed, typeName: type.canonicalName)
            guard let value = I256(negative: negative, magnitude: magnitude), value.fits(bitWidth: bits) else {
                throw .invalidArgument(trimmed, "does not fit in \(type.canonicalName) (-2^\(bits - 1) to 2^\(bits - 1)-1)")
            }
            return .int(value)
        case .address:
            let trimmed = trim(text)
            do throws(AddressError) {
                return .address(try Address(trimmed))
            } catch {
                switch error.reason {
                case .length, .notHex:
                    throw .invalidArgument(trimmed, "is not an address: expected 0x and 40 hex digits")
                case .badChecksum(let expected):
                    throw .invalidArgument(
                        trimmed,
                        "fails its EIP-55 checksum (mixed case must read \(expected)); check for a typo, or write it in lowercase to skip the check"
                    )
                }
            }
        case .bool:
            let trimmed = trim(text)
            switch trimmed {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: throw .invalidArgument(trimmed, "is not a bool: expected true or false")
            }
        case .bytes:
            let trimmed = trim(text)
            guard let bytes = try? Hex.decode(trimmed) else {
                throw .invalidArgument(trimmed, "is not bytes: expected hex such as 0x1234 (an even number of hex digits)")
            }
            return .bytes(bytes)
        case .fixedBytes(let n):
            let trimmed = trim(text)
            guard let bytes = try? Hex.decode(trimmed) else {
                throw .invalidArgument(trimmed, "is not a bytes\(n): expected 0x and \(2 * n) hex digits")
            }
            guard bytes.count == n else {
                throw .invalidArgument(trimmed, "is not a bytes\(n): it has \(bytes.count) byte\(bytes.count == 1 ? "" : "s"), expected exactly \(n) (\(2 * n) hex digits)")
            }
            return .fixedBytes(bytes)
        case .array(let element):
            let items = try split(trim(text), open: "[", close: "]", typeName: type.canonicalName)
            return .array(try parseElements(items, as: repeatElement(element, count: items.count)) { .element($0) })
        case .fixedArray(let element, let count):
            let trimmed = trim(text)
            let items = try split(trimmed, open: "[", close: "]", typeName: type.canonicalName)
            guard items.count == count else {
                throw .invalidArgument(trimmed, "is not a \(type.canonicalName): it has \(items.count) element\(items.count == 1 ? "" : "s"), expected \(count)")
            }
            return .array(try parseElements(items, as: repeatElement(element, count: count)) { .element($0) })
        case .tuple(let components):
            let trimmed = trim(text)
            let items = try split(trimmed, open: "(", close: ")", typeName: type.canonicalName)
            guard items.count == components.count else {
                throw .invalidArgument(trimmed, "is not a \(type.canonicalName): it has \(items.count) component\(items.count == 1 ? "" : "s"), expected \(components.count)")
            }
            return .tuple(try parseElements(items, as: components.lazy.map { $0.type }) { .field($0, name: components[$0].name) })
        }
    }

    private static func parseElements<Types: Collection<ABIType>>(
        _ items: [Substring], as types: Types, component: (Int) -> ABIPath.Component
    ) throws(ABIError) -> [ABIValue] {
        var values: [ABIValue] = []
        values.reserveCapacity(items.count)
        for (i, (item, type)) in zip(items, types).enumerated() {
            do throws(ABIError) {
                values.append(try parse(String(item), as: type))
            } catch {
                throw error.under(component(i))
            }
        }
        return values
    }

    private static func trim(_ text: some StringProtocol) -> String {
        var s = Substring(text)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }

    /// Removes surrounding double quotes and resolves escapes inside them; other text is kept
    /// as it is.
    private static func unquote(_ text: String) -> String {
        guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else { return text }
        var out = ""
        var escaped = false
        for c in text.dropFirst().dropLast() {
            if escaped {
                switch c {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                default: out.append(c)
                }
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        if escaped { out.append("\\") }
        return out
    }

    /// Splits `[a, b]` or `(a, b)` into trimmed elements at top-level commas.
    private static func split(_ text: String, open: Character, close: Character, typeName: String) throws(ABIError) -> [Substring] {
        let example = open == "[" ? "[a, b]" : "(a, b)"
        guard text.first == open, text.last == close, text.count >= 2 else {
            throw .invalidArgument(text, "is not a \(typeName): expected \(example)")
        }
        let body = text.dropFirst().dropLast()
        var items: [Substring] = []
        var depth: [Character] = []
        var inQuotes = false
        var escaped = false
        var start = body.startIndex
        var index = body.startIndex
        while index != body.endIndex {
            let c = body[index]
            if inQuotes {
                if escaped {
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else if c == "\"" {
                    inQuotes = false
                }
            } else {
                switch c {
                case "\"": inQuotes = true
                case "[": depth.append("]")
                case "(": depth.append(")")
                case "]", ")":
                    guard depth.last == c else {
                        throw .invalidArgument(text, "is not a \(typeName): unbalanced '\(c)'")
                    }
                    depth.removeLast()
                case "," where depth.isEmpty:
                    items.append(body[start..<index])
                    start = body.index(after: index)
                default: break
                }
            }
            index = body.index(after: index)
        }
        guard depth.isEmpty, !inQuotes else {
            throw .invalidArgument(text, "is not a \(typeName): \(inQuotes ? "unterminated quote" : "unclosed '\(depth.last == "]" ? "[" : "(")'")")
        }
        items.append(body[start...])
        let trimmed = items.map { Substring(trim($0)) }
        if trimmed.count == 1, trimmed[0].isEmpty { return [] }
        if let empty = trimmed.firstIndex(where: \.isEmpty) {
            throw .invalidArgument(text, "is not a \(typeName): element \(empty) is empty")
        }
        return trimmed
    }

    private static let units: [(String, Int)] = [("ether", 18), ("gwei", 9), ("wei", 0)]

    /// Parses a cast-style integer into sign and magnitude.
    static func parseInteger(_ text: String, typeName: String) throws(ABIError) -> (negative: Bool, magnitude: U256) {
        var body = Substring(text)
        let negative = body.hasPrefix("-")
        if negative { body = body.dropFirst() }
        if body.hasPrefix("0x") || body.hasPrefix("0X") {
            guard body.count > 2, let value = U256(hex: body) else {
                throw .invalidArgument(text, "is not a \(typeName): bad hex number (at most 64 hex digits)")
            }
            return (negative, value)
        }
        var unitExponent = 0
        for (unit, exponent) in units where body.hasSuffix(unit) {
            body = body.dropLast(unit.count)
            while body.last == " " { body.removeLast() }
            unitExponent = exponent
            break
        }
        var exponent = 0
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let value = Int(body[body.index(after: e)...]), abs(value) <= 100 else {
                throw .invalidArgument(text, "is not a \(typeName): bad exponent (expected a number such as 1e18)")
            }
            exponent = value
            body = body[..<e]
        }
        var integerPart = body
        var fraction: Substring = ""
        if let dot = body.firstIndex(of: ".") {
            integerPart = body[..<dot]
            fraction = body[body.index(after: dot)...]
        }
        let digits = integerPart + fraction
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .invalidArgument(text, "is not a \(typeName): expected a decimal or 0x number (1000, 0x3e8, 1e18, 1.5 ether)")
        }
        var scale = exponent + unitExponent - fraction.count
        var significant = Substring(digits)
        while scale < 0, significant.last == "0" {
            significant = significant.dropLast()
            scale += 1
        }
        guard scale >= 0 else {
            throw .invalidArgument(text, "is not a \(typeName): it is not a whole number")
        }
        if significant.isEmpty { significant = "0" }
        guard let mantissa = U256(decimal: significant), let power = U256.pow10(scale) else {
            throw .invalidArgument(text, "is too large for a 256-bit number")
        }
        let (value, overflow) = mantissa.multipliedReportingOverflow(by: power)
        guard !overflow else { throw .invalidArgument(text, "is too large for a 256-bit number") }
        return (negative, value)
    }
}
