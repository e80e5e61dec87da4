// INTERIM: a small strict TOML reader for policy files, used until the shared TOML module
// (Sources/TOML) lands on main. The policy loader reads only the `PolicyTOML.Node` tree below, so
// switching means replacing `PolicyTOML.parse` with an adapter from the shared reader's document.

/// A strict reader for the part of TOML 1.0 that policy files use: comments, `[tables]`,
/// `[[arrays of tables]]`, dotted and quoted keys, basic and literal strings, integers (decimal,
/// hex, octal, binary, with `_`), floats (kept as their text), booleans, arrays and inline
/// tables. Multi-line strings and dates are refused with a message. Every node keeps its line.
enum PolicyTOML {
    /// A parsed value and the line it started on.
    struct Node {
        enum Value {
            case table(Table)
            case array([Node])
            case string(String)
            case integer(Int64)
            /// A float literal, kept as written so that amounts never go through `Double`.
            case float(String)
            case bool(Bool)
        }
        var value: Value
        var line: Int
        /// Written as `[[header]]` elements (not an array value).
        var isArrayOfTables = false
        /// Written as `{ ... }`.
        var isInline = false

        /// A short name of the value's TOML type, for messages.
        var typeName: String {
            switch value {
            case .table: "table"
            case .array: "array"
            case .string: "string"
            case .integer: "integer"
            case .float: "float"
            case .bool: "boolean"
            }
        }
    }

    /// A table: its keys in file order.
    final class Table {
        var keys: [String] = []
        var nodes: [String: Node] = [:]
        /// Defined by a `[header]` or by a value (not just implied by a dotted header).
        var explicitlyDefined = false
        /// An inline table or a table defined by dotted keys under a value: closed to headers.
        var sealed = false
        var line: Int

        init(line: Int) { self.line = line }

        subscript(key: String) -> Node? { nodes[key] }

        func set(_ key: String, _ node: Node) {
            if nodes[key] == nil { keys.append(key) }
            nodes[key] = node
        }
    }

    /// A syntax error at a line.
    struct SyntaxError: Error {
        var line: Int
        var message: String
    }

    /// Parses a whole document.
    static func parse(_ text: String) throws(SyntaxError) -> Table {
        var parser = Parser(Array(text.utf8))
        return try parser.document()
    }
}

extension PolicyTOML {
    fileprivate struct Parser {
        let bytes: [UInt8]
        var index = 0
        var line = 1

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index >= bytes.count }
        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        func fail(_ message: String) -> SyntaxError { SyntaxError(line: line, message: message) }

        mutating func skipSpaces() {
            while let c = peek, c == 0x20 || c == 0x09 { index += 1 }
        }

        /// Skips spaces and a comment; then requires the end of the line (or of the file).
        mutating func endOfLine() throws(SyntaxError) {
            skipSpaces()
            if peek == UInt8(ascii: "#") { skipComment() }
            guard let c = peek else { return }
            if c == 0x0A { index += 1; line += 1; return }
            if c == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 2; line += 1; return }
            throw fail("unexpected '\(Self.printable(c))' after a value; put one key = value per line")
        }

        mutating func skipComment() {
            while let c = peek, c != 0x0A { index += 1 }
        }

        /// Skips whitespace, newlines and comments (inside arrays and between statements).
        mutating func skipBlank() {
            while let c = peek {
                if c == 0x20 || c == 0x09 || c == 0x0D { index += 1 } else if c == 0x0A { index += 1; line += 1 } else if c == UInt8(ascii: "#") { skipComment() } else { return }
            }
        }

        static func printable(_ c: UInt8) -> String {
            c >= 0x20 && c < 0x7F ? String(UnicodeScalar(c)) : "\\u{\(String(c, radix: 16))}"
        }

        mutating func document() throws(SyntaxError) -> Table {
            let root = Table(line: 1)
            root.explicitlyDefined = true
            var current = root
            while true {
                skipBlank()
                guard let c = peek else { break }
                if c == UInt8(ascii: "[") {
                    current = try header(root: root)
                } else {
                    try keyValue(into: current)
                }
                try endOfLine()
            }
            return root
        }

        mutating func header(root: Table) throws(SyntaxError) -> Table {
            let headerLine = line
            index += 1
            let isArray = peek == UInt8(ascii: "[")
            if isArray { index += 1 }
            skipSpaces()
            let path = try key()
            skipSpaces()
            guard peek == UInt8(ascii: "]") else { throw fail("expected ']' to close the table header") }
            index += 1
            if isArray {
                guard peek == UInt8(ascii: "]") else { throw fail("expected ']]' to close the array-of-tables header") }
                index += 1
            }
            var table = root
            for (i, part) in path.enumerated() {
                let last = i == path.count - 1
                if last && isArray {
                    let element = Table(line: headerLine)
                    element.explicitlyDefined = true
                    if let existing = table[part] {
                        guard case .array(var elements) = existing.value, existing.isArrayOfTables else {
                            throw fail("'\(path.joined(separator: "."))' is already defined as a \(existing.typeName) on line \(existing.line)")
                        }
                        elements.append(Node(value: .table(element), line: headerLine))
                        table.set(part, Node(value: .array(elements), line: existing.line, isArrayOfTables: true))
                    } else {
                        table.set(part, Node(value: .array([Node(value: .table(element), line: headerLine)]), line: headerLine, isArrayOfTables: true))
                    }
                    return element
                }
                if let existing = table[part] {
                    switch existing.value {
                    case .table(let child):
                        if child.sealed { throw fail("'\(path.joined(separator: "."))' extends a table closed on line \(child.line)") }
                        if last {
                            if child.explicitlyDefined { throw fail("table '\(path.joined(separator: "."))' is defined twice (first on line \(child.line))") }
                            child.explicitlyDefined = true
                            child.line = headerLine
                        }
                        table = child
                    case .array(let elements) where existing.isArrayOfTables:
                        guard !last, case .table(let child)? = elements.last?.value else {
                            throw fail("'\(path.joined(separator: "."))' is already an array of tables (line \(existing.line))")
                        }
                        table = child
                    default:
                        throw fail("'\(path.joined(separator: "."))' is already defined as a \(existing.typeName) on line \(existing.line)")
                    }
                } else {
                    let child = Table(line: headerLine)
                    child.explicitlyDefined = last
                    table.set(part, Node(value: .table(child), line: headerLine))
                    table = child
                }
            }
            return table
        }

        mutating func keyValue(into table: Table) throws(SyntaxError) {
            let keyLine = line
            let path = try key()
            skipSpaces()
            guard peek == UInt8(ascii: "=") else { throw fail("expected '=' after the key '\(path.joined(separator: "."))'") }
            index += 1
            skipSpaces()
            let node = try value()
            var target = table
            for part in path.dropLast() {
                if let existing = target[part] {
                    guard case .table(let child) = existing.value, !child.explicitlyDefined || child.sealed, !existing.isInline else {
                        throw fail("'\(path.joined(separator: "."))': '\(part)' is already defined as a \(existing.typeName) on line \(existing.line)")
                    }
                    target = child
                } else {
                    let child = Table(line: keyLine)
                    child.sealed = true
                    target.set(part, Node(value: .table(child), line: keyLine))
                    target = child
                }
            }
            let last = path[path.count - 1]
            if let existing = target[last] {
                throw fail("duplicate key '\(path.joined(separator: "."))' (first defined on line \(existing.line))")
            }
            target.set(last, node)
        }

        /// A dotted key: bare, "basic" or 'literal' parts.
        mutating func key() throws(SyntaxError) -> [String] {
            var parts: [String] = []
            while true {
                skipSpaces()
                guard let c = peek else { throw fail("expected a key") }
                if c == UInt8(ascii: "\"") {
                    parts.append(try basicString())
                } else if c == UInt8(ascii: "'") {
                    parts.append(try literalString())
                } else {
                    let start = index
                    while let c = peek, Self.isBare(c) { index += 1 }
                    guard index > start else { throw fail("expected a key, found '\(Self.printable(c))'") }
                    parts.append(String(decoding: bytes[start..<index], as: UTF8.self))
                }
                skipSpaces()
                if peek == UInt8(ascii: ".") { index += 1 } else { return parts }
            }
        }

        static func isBare(_ c: UInt8) -> Bool {
            (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x2D
        }

        mutating func value() throws(SyntaxError) -> Node {
            let valueLine = line
            guard let c = peek else { throw fail("expected a value") }
            switch c {
            case UInt8(ascii: "\""):
                if bytes[index...].starts(with: Array("\"\"\"".utf8)) { throw fail("multi-line strings are not supported in policy files; use a one-line string") }
                return Node(value: .string(try basicString()), line: valueLine)
            case UInt8(ascii: "'"):
                if bytes[index...].starts(with: Array("'''".utf8)) { throw fail("multi-line strings are not supported in policy files; use a one-line string") }
                return Node(value: .string(try literalString()), line: valueLine)
            case UInt8(ascii: "["):
                index += 1
                var elements: [Node] = []
                while true {
                    skipBlank()
                    if peek == UInt8(ascii: "]") { index += 1; break }
                    elements.append(try value())
                    skipBlank()
                    if peek == UInt8(ascii: ",") { index += 1; continue }
                    if peek == UInt8(ascii: "]") { index += 1; break }
                    throw fail("expected ',' or ']' in an array")
                }
                return Node(value: .array(elements), line: valueLine)
            case UInt8(ascii: "{"):
                index += 1
                let table = Table(line: valueLine)
                table.explicitlyDefined = true
                table.sealed = true
                skipSpaces()
                if peek == UInt8(ascii: "}") { index += 1; return Node(value: .table(table), line: valueLine, isInline: true) }
                while true {
                    skipSpaces()
                    try keyValue(into: table)
                    skipSpaces()
                    if peek == UInt8(ascii: ",") { index += 1; continue }
                    if peek == UInt8(ascii: "}") { index += 1; break }
                    throw fail("expected ',' or '}' in an inline table (inline tables are one line)")
                }
                return Node(value: .table(table), line: valueLine, isInline: true)
            default:
                let start = index
                while let c = peek, Self.isBare(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || c == UInt8(ascii: ":") { index += 1 }
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                guard !text.isEmpty else { throw fail("expected a value, found '\(Self.printable(c))'") }
                if text == "true" { return Node(value: .bool(true), line: valueLine) }
                if text == "false" { return Node(value: .bool(false), line: valueLine) }
                if let integer = Self.integer(text) { return Node(value: .integer(integer), line: valueLine) }
                if Self.isFloat(text) { return Node(value: .float(text), line: valueLine) }
                throw fail("'\(text)' is not a TOML value (strings need quotes; dates are not supported here)")
            }
        }

        static func integer(_ text: String) -> Int64? {
            var body = Substring(text)
            var negative = false
            if body.first == "+" || body.first == "-" { negative = body.first == "-"; body = body.dropFirst() }
            var radix = 10
            if body.hasPrefix("0x") || body.hasPrefix("0o") || body.hasPrefix("0b") {
                guard !negative, text.first != "+" else { return nil }
                radix = body.hasPrefix("0x") ? 16 : body.hasPrefix("0o") ? 8 : 2
                body = body.dropFirst(2)
            } else if body.count > 1, body.first == "0" {
                return nil
            }
            guard let first = body.first, first != "_", body.last != "_", !body.contains("__") else { return nil }
            let digits = body.filter { $0 != "_" }
            guard let magnitude = UInt64(digits, radix: radix) else { return nil }
            if negative {
                return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil
            }
            return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
        }

        static func isFloat(_ text: String) -> Bool {
            let body = text.hasPrefix("+") || text.hasPrefix("-") ? Substring(text.dropFirst()) : Substring(text)
            if body == "inf" || body == "nan" { return true }
            guard !body.isEmpty, body.allSatisfy({ $0.isASCII && ($0.isNumber || "_.eE+-".contains($0)) }) else { return false }
            return body.first!.isNumber && (body.contains(".") || body.contains("e") || body.contains("E"))
        }

        mutating func basicString() throws(SyntaxError) -> String {
            index += 1
            var chunkStart = index
            var out = ""
            while true {
                guard let c = peek, c != 0x0A else { throw fail("unterminated string") }
                if c == UInt8(ascii: "\"") {
                    out += String(decoding: bytes[chunkStart..<index], as: UTF8.self)
                    index += 1
                    return out
                }
                if c == UInt8(ascii: "\\") {
                    out += String(decoding: bytes[chunkStart..<index], as: UTF8.self)
                    index += 1
                    guard let e = peek else { throw fail("unterminated string") }
                    index += 1
                    switch e {
                    case UInt8(ascii: "n"): out += "\n"
                    case UInt8(ascii: "t"): out += "\t"
                    case UInt8(ascii: "r"): out += "\r"
                    case UInt8(ascii: "b"): out += "\u{08}"
                    case UInt8(ascii: "f"): out += "\u{0C}"
                    case UInt8(ascii: "\""): out += "\""
                    case UInt8(ascii: "\\"): out += "\\"
                    case UInt8(ascii: "u"), UInt8(ascii: "U"):
                        let count = e == UInt8(ascii: "u") ? 4 : 8
                        guard index + count <= bytes.count,
                              let code = UInt32(String(decoding: bytes[index..<index + count], as: UTF8.self), radix: 16),
                              let scalar = UnicodeScalar(code)
                        else { throw fail("invalid unicode escape in a string") }
                        out.unicodeScalars.append(scalar)
                        index += count
                    default:
                        throw fail("invalid escape '\\\(Self.printable(e))' in a string")
                    }
                    chunkStart = index
                    continue
                }
                if c < 0x20 && c != 0x09 { throw fail("control character in a string") }
                index += 1
            }
        }

        mutating func literalString() throws(SyntaxError) -> String {
            index += 1
            let start = index
            while true {
                guard let c = peek, c != 0x0A else { throw fail("unterminated string") }
                if c == UInt8(ascii: "'") {
                    let text = String(decoding: bytes[start..<index], as: UTF8.self)
                    index += 1
                    return text
                }
                index += 1
            }
        }
    }
}
