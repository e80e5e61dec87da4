/// Parses human-readable ABI: types, parameter lists and declarations such as
/// `function resolve(uint256 marketId, bool outcome) external returns (bool)`,
/// `event Transfer(address indexed from, address indexed to, uint256 value)`,
/// `error InsufficientBalance(uint256 available, uint256 required)` or the bare
/// `protect(address,(address,uint256)[],uint256)`.
struct ABISignatureParser {
    /// A parsed declaration, before it becomes a function, event or error.
    struct Declaration {
        /// `function`, `event`, `error`, or nil when the keyword is omitted.
        var keyword: String?
        var name: String
        var inputs: [ABIParameter]
        var indexed: [Bool]
        var outputs: [ABIParameter]
        var stateMutability: ABIFunction.StateMutability?
        var anonymous = false
    }

    private let text: String
    private let bytes: [UInt8]
    private var index = 0

    init(_ text: String) {
        self.text = text
        self.bytes = Array(text.utf8)
    }

    // MARK: Declarations

    mutating func parseDeclaration() throws(ABIError) -> Declaration {
        skipSpace()
        var first = try identifier(what: "a function, event or error name")
        var keyword: String?
        if ["function", "event", "error"].contains(first) {
            keyword = first
            skipSpace()
            first = try identifier(what: "a name after '\(first)'")
        }
        let name = first
        let (inputs, indexed) = try parameterList(allowIndexed: keyword == "event" || keyword == nil)
        if keyword == "function" || keyword == "error", let i = indexed.firstIndex(of: true) {
            throw fail("'indexed' on parameter \(i + 1): only event parameters can be indexed")
        }
        var declaration = Declaration(keyword: keyword, name: name, inputs: inputs, indexed: indexed, outputs: [])
        var sawOutputs = false
        while true {
            skipSpace()
            guard let c = peek() else { break }
            if c == UInt8(ascii: ";") {
                index += 1
                skipSpace()
                break
            }
            if c == UInt8(ascii: "("), !sawOutputs {
                // cast style: `balanceOf(address)(uint256)`
                declaration.outputs = try parameterList(allowIndexed: false).0
                sawOutputs = true
                continue
            }
            let word = try identifier(what: "a modifier, 'returns' or the end")
            switch word {
            case "returns" where !sawOutputs:
                skipSpace()
                declaration.outputs = try parameterList(allowIndexed: false).0
                sawOutputs = true
            case "external", "public", "internal", "private", "virtual":
                break
            case "override":
                // `override` or `override(A, B)`: the list names contracts, not types.
                skipSpace()
                if peek() == UInt8(ascii: "(") {
                    while let c = peek(), c != UInt8(ascii: ")") { index += 1 }
                    try expect(UInt8(ascii: ")"))
                }
            case "view", "pure", "payable", "nonpayable":
                declaration.stateMutability = ABIFunction.StateMutability(rawValue: word)
            case "constant":
                declaration.stateMutability = .view
            case "anonymous" where keyword == "event":
                declaration.anonymous = true
            default:
                index -= word.utf8.count
                throw fail("unexpected '\(word)'")
            }
        }
        try expectEnd()
        return declaration
    }

    // MARK: Types and parameters

    /// `(param, param, ...)`; returns the parameters and their `indexed` flags.
    mutating func parameterList(allowIndexed: Bool) throws(ABIError) -> ([ABIParameter], [Bool]) {
        skipSpace()
        try expect(UInt8(ascii: "("))
        var parameters: [ABIParameter] = []
        var indexed: [Bool] = []
        skipSpace()
        if peek() == UInt8(ascii: ")") {
            index += 1
            return ([], [])
        }
        while true {
            let (parameter, isIndexed) = try parameter(allowIndexed: allowIndexed)
            parameters.append(parameter)
            indexed.append(isIndexed)
            skipSpace()
            guard let c = peek() else { throw fail("missing ')'") }
            index += 1
            if c == UInt8(ascii: ")") { break }
            guard c == UInt8(ascii: ",") else {
                index -= 1
                throw fail("expected ',' or ')'")
            }
        }
        return (parameters, indexed)
    }

    /// `type [indexed] [memory|calldata|storage] [name]`.
    private mutating func parameter(allowIndexed: Bool) throws(ABIError) -> (ABIParameter, Bool) {
        let type = try parseType()
        var name = ""
        var isIndexed = false
        while true {
            skipSpace()
            guard let c = peek(), ABISignatureParser.isIdentifierStart(c) else { break }
            let start = index
            let word = try identifier(what: "a parameter name")
            switch word {
            case "indexed" where name.isEmpty:
                guard allowIndexed else {
                    index = start
                    throw fail("'indexed' is only allowed on event parameters")
                }
                isIndexed = true
            case "memory" where name.isEmpty, "calldata" where name.isEmpty, "storage" where name.isEmpty:
                break
            case "payable" where name.isEmpty && type == .address:
                break
            default:
                guard name.isEmpty else {
                    index = start
                    throw fail("unexpected '\(word)' after parameter name '\(name)'")
                }
                name = word
            }
        }
        return (ABIParameter(name: name, type: type), isIndexed)
    }

    /// A type with any array suffixes.
    mutating func parseType() throws(ABIError) -> ABIType {
        skipSpace()
        let start = index
        var type: ABIType
        if peek() == UInt8(ascii: "(") {
            type = .tuple(try parameterList(allowIndexed: false).0)
        } else {
            let word = try identifier(what: "a type")
            if word == "tuple" {
                skipSpace()
                type = .tuple(try parameterList(allowIndexed: false).0)
            } else {
                do throws(ABIError) {
                    type = try ABISignatureParser.elementary(word)
                } catch {
                    index = start
                    throw fail(error.message)
                }
            }
        }
        while true {
            skipSpace()
            guard peek() == UInt8(ascii: "[") else { break }
            index += 1
            skipSpace()
            if peek() == UInt8(ascii: "]") {
                index += 1
                type = .array(type)
                continue
            }
            let digitsStart = index
            while let c = peek(), c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") { index += 1 }
            let digits = String(decoding: bytes[digitsStart..<index], as: UTF8.self)
            guard !digits.isEmpty, digits.count <= 9, let count = Int(digits) else {
                throw fail("expected an array length or ']'")
            }
            skipSpace()
            try expect(UInt8(ascii: "]"))
            type = .fixedArray(type, count: count)
        }
        do throws(ABIError) {
            try type.validate()
        } catch {
            index = start
            throw fail(error.message)
        }
        return type
    }

    static func elementary(_ word: String) throws(ABIError) -> ABIType {
        switch word {
        case "address": return .address
        case "bool": return .bool
        case "string": return .string
        case "bytes": return .bytes
        case "byte": return .fixedBytes(1)
        case "uint": return .uint256
        case "int": return .int256
        default: break
        }
        for (prefix, make) in [("uint", { ABIType.uint(bits: $0) }), ("int", { ABIType.int(bits: $0) }), ("bytes", { ABIType.fixedBytes($0) })]
        where word.hasPrefix(prefix) {
            let digits = word.dropFirst(prefix.count)
            guard digits.allSatisfy(\.isASCII), !digits.hasPrefix("0"), digits.count <= 3, let n = Int(digits) else { break }
            let type = make(n)
            try type.validate()
            return type
        }
        if word.hasPrefix("fixed") || word.hasPrefix("ufixed") {
            throw .invalidType("'\(word)': fixed-point types are not supported")
        }
        throw .invalidType("'\(word)' is not an ABI type (uintN, intN, address, bool, bytesN, bytes, string, tuples and arrays of them)")
    }

    // MARK: Lexing

    mutating func expectEnd() throws(ABIError) {
        skipSpace()
        guard index == bytes.count else { throw fail("unexpected text at the end") }
    }

    private mutating func expect(_ c: UInt8) throws(ABIError) {
        guard peek() == c else { throw fail("expected '\(Character(Unicode.Scalar(c)))'") }
        index += 1
    }

    private mutating func identifier(what: String) throws(ABIError) -> String {
        skipSpace()
        guard let c = peek(), ABISignatureParser.isIdentifierStart(c) else { throw fail("expected \(what)") }
        let start = index
        index += 1
        while let c = peek(), ABISignatureParser.isIdentifierStart(c) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) {
            index += 1
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private static func isIdentifierStart(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || c == UInt8(ascii: "_") || c == UInt8(ascii: "$")
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpace() {
        while let c = peek(), c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d { index += 1 }
    }

    private func fail(_ message: String) -> ABIError {
        let found = index < bytes.count ? "'\(String(decoding: bytes[index...].prefix(12), as: UTF8.self))'" : "the end"
        return .invalidSignature("\(message) at column \(index + 1) (found \(found)) in '\(text)'")
    }
}
