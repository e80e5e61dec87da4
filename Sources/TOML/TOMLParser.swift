/// The TOML 1.0 parser: bytes in, a `TOML.Table` out, or the first error with its position.
///
/// Tables are built as mutable reference nodes (`ParsedTable`) while parsing and frozen into
/// value types at the end. The rules for defining tables follow the spec (and tomli's
/// reading of it): a table is defined once by a `[header]`; tables made by dotted keys can be
/// extended by dotted keys only within the section that made them; inline tables and static
/// arrays are closed once written.
struct TOMLParser {
    let bytes: [UInt8]
    let file: String?
    var offset = 0
    private var lineStarts: [Int] = [0]
    private var flags = DefinitionFlags()
    /// Arrays and inline tables open around the current value.
    private var nesting = 0
    /// Bounds on nesting and on key segments, so hostile input cannot exhaust the stack.
    static let maximumDepth = 128

    init(bytes: [UInt8], file: String?) {
        self.bytes = bytes
        self.file = file
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            lineStarts.append(index + 1)
        }
    }

    // MARK: Document

    mutating func parseDocument() throws(TOMLError) -> TOML.Table {
        try validateUTF8()
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { offset = 3 }
        let root = ParsedTable(path: [], position: TOML.Position(line: 1, column: 1), origin: .header)
        var current = root
        var header: [String] = []
        while offset < bytes.count {
            skipWhitespace()
            guard let byte = peek() else { break }
            switch byte {
            case UInt8(ascii: "#"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                break
            case UInt8(ascii: "["):
                if peek(1) == UInt8(ascii: "[") {
                    (current, header) = try parseArrayTableHeader(root: root)
                } else {
                    (current, header) = try parseTableHeader(root: root)
                }
            default:
                try parseKeyValue(into: current, header: header)
            }
            try endLine()
        }
        return root.freeze(file: file)
    }

    /// After an expression: optional whitespace and comment, then a newline or the end.
    private mutating func endLine() throws(TOMLError) {
        skipWhitespace()
        if peek() == UInt8(ascii: "#") { try skipComment() }
        guard let byte = peek() else { return }
        if byte == UInt8(ascii: "\n") {
            offset += 1
        } else if byte == UInt8(ascii: "\r"), peek(1) == UInt8(ascii: "\n") {
            offset += 2
        } else {
            throw error(
                .trailingCharacters, at: offset,
                "unexpected \(describe(at: offset)) after the end of the expression; put each key, table header or comment on its own line")
        }
    }

    private mutating func skipComment() throws(TOMLError) {
        offset += 1
        while let byte = peek() {
            if byte == UInt8(ascii: "\n") { return }
            if byte == UInt8(ascii: "\r") {
                if peek(1) == UInt8(ascii: "\n") { return }
                throw error(.invalidCharacter, at: offset, "a carriage return must be followed by a line feed")
            }
            if Self.isControl(byte) {
                throw error(.invalidCharacter, at: offset, "control character \(describe(at: offset)) is not allowed in a comment")
            }
            offset += 1
        }
    }

    // MARK: Table headers

    private mutating func parseTableHeader(root: ParsedTable) throws(TOMLError) -> (ParsedTable, [String]) {
        let start = offset
        offset += 1
        let keys = try parseKey()
        skipWhitespace()
        guard peek() == UInt8(ascii: "]") else {
            throw error(.invalidKey, at: offset, "expected ']' to close the table header, found \(describe(at: offset))")
        }
        offset += 1
        let path = keys.map(\.name)
        let display = TOML.PathComponent.render(path.map { .key($0) })
        flags.finalizePending()
        if let frozenAt = flags.frozenPosition(path) {
            throw error(
                .tableRedefinition, at: start,
                "cannot define table [\(display)]: '\(display)' was already written as an inline table or array at line \(frozenAt.line)")
        }
        if let definedAt = flags.explicitPosition(path) {
            throw error(
                .tableRedefinition, at: start,
                "table [\(display)] is defined twice; it was first defined at line \(definedAt.line)")
        }
        let position = self.position(of: start)
        flags.setExplicit(path, at: position)
        let table = try nest(root: root, keys: keys, headerStart: start)
        if table.origin == .implicit {
            // Made earlier by a longer header; its definition is here.
            let parent = try nest(root: root, keys: Swift.Array(keys.dropLast()), headerStart: start)
            if let entry = parent.entries[keys[keys.count - 1].name] {
                entry.keyPosition = position
                entry.valuePosition = position
            }
        }
        table.position = position
        table.origin = .header
        return (table, path)
    }

    private mutating func parseArrayTableHeader(root: ParsedTable) throws(TOMLError) -> (ParsedTable, [String]) {
        let start = offset
        offset += 2
        let keys = try parseKey()
        skipWhitespace()
        guard peek() == UInt8(ascii: "]"), peek(1) == UInt8(ascii: "]") else {
            throw error(.invalidKey, at: offset, "expected ']]' to close the array-of-tables header, found \(describe(at: offset))")
        }
        offset += 2
        let path = keys.map(\.name)
        let display = TOML.PathComponent.render(path.map { .key($0) })
        flags.finalizePending()
        if let frozenAt = flags.frozenPosition(path) {
            throw error(
                .tableRedefinition, at: start,
                "cannot append to [[\(display)]]: '\(display)' was already written as a static array or inline table at line \(frozenAt.line)")
        }
        let position = self.position(of: start)
        flags.unsetAll(under: path)
        flags.setExplicit(path, at: position)
        let parent = try nest(root: root, keys: Swift.Array(keys.dropLast()), headerStart: start)
        let last = keys[keys.count - 1]
        let element = ParsedTable(
            path: parent.path + [.key(last.name)], position: position, origin: .header)
        if let existing = parent.entries[last.name] {
            guard case .arrayOfTables(let list) = existing.content else {
                throw error(
                    .tableRedefinition, at: start,
                    "cannot define [[\(display)]]: '\(display)' is already \(existing.content.typeDescription) defined at line \(existing.keyPosition.line)")
            }
            element.path = parent.path + [.key(last.name), .index(list.count)]
            existing.content = .arrayOfTables(list + [element])
        } else {
            element.path = parent.path + [.key(last.name), .index(0)]
            parent.insert(last.name, ParsedEntry(
                keyPosition: position, valuePosition: position, content: .arrayOfTables([element])))
        }
        return (element, path)
    }

    /// Walks (and creates) the tables along `keys` from the root for a header; the last table of
    /// an array of tables is entered.
    private mutating func nest(root: ParsedTable, keys: [KeySegment], headerStart: Int) throws(TOMLError) -> ParsedTable {
        var table = root
        for key in keys {
            if let existing = table.entries[key.name] {
                switch existing.content {
                case .table(let sub):
                    table = sub
                case .arrayOfTables(let list):
                    table = list[list.count - 1]
                case .value(let value):
                    let display = TOML.PathComponent.render(table.path + [.key(key.name)])
                    throw error(
                        .keyConflict, at: key.offset,
                        "'\(display)' is already \(value.typeDescription) defined at line \(existing.keyPosition.line); it cannot also be a table")
                }
            } else {
                let position = self.position(of: headerStart)
                let sub = ParsedTable(path: table.path + [.key(key.name)], position: position, origin: .implicit)
                table.insert(key.name, ParsedEntry(keyPosition: position, valuePosition: position, content: .table(sub)))
                table = sub
            }
        }
        return table
    }

    // MARK: Key/value pairs

    /// `a.b.c = value` inside the section whose header path is `header`.
    private mutating func parseKeyValue(into section: ParsedTable, header: [String]) throws(TOMLError) {
        let keys = try parseKey()
        try expectEquals(after: keys)
        let valueStart = offset
        let value = try parseValue(path: section.path + keys.map { .key($0.name) })

        // Dotted keys: the intermediate tables must not be [header]-defined ones, and become
        // closed to later sections.
        var absolute = header
        for key in keys.dropLast() {
            absolute.append(key.name)
            if let definedAt = flags.explicitPosition(absolute) {
                let display = TOML.PathComponent.render(absolute.map { .key($0) })
                throw error(
                    .tableRedefinition, at: key.offset,
                    "cannot add keys to table [\(display)] with a dotted key here; it was defined at line \(definedAt.line), add the key in that section instead")
            }
            flags.addPending(absolute, at: position(of: key.offset))
        }
        let parentPath = header + keys.dropLast().map(\.name)
        if let frozenAt = flags.frozenPosition(parentPath) {
            let display = TOML.PathComponent.render(parentPath.map { .key($0) })
            throw error(
                .keyConflict, at: keys[0].offset,
                "cannot add a key to '\(display)': it was written as an inline table or array at line \(frozenAt.line)")
        }
        let table = try walkDotted(from: section, keys: keys)
        try insertValue(value, key: keys[keys.count - 1], valueStart: valueStart, into: table)
        switch value {
        case .array, .table: flags.setFrozen(header + keys.map(\.name), at: position(of: valueStart))
        default: break
        }
    }

    /// Follows (creating) the tables named by all but the last dotted key.
    private func walkDotted(from start: ParsedTable, keys: [KeySegment]) throws(TOMLError) -> ParsedTable {
        var table = start
        for key in keys.dropLast() {
            if let existing = table.entries[key.name] {
                switch existing.content {
                case .table(let sub):
                    table = sub
                case .arrayOfTables:
                    let display = TOML.PathComponent.render(table.path + [.key(key.name)])
                    throw error(
                        .keyConflict, at: key.offset,
                        "'\(display)' is an array of tables (line \(existing.keyPosition.line)); add keys to it in a [[\(display)]] section")
                case .value(let value):
                    let display = TOML.PathComponent.render(table.path + [.key(key.name)])
                    throw error(
                        .keyConflict, at: key.offset,
                        "'\(display)' is already \(value.typeDescription) defined at line \(existing.keyPosition.line); it cannot also be a table")
                }
            } else {
                let position = self.position(of: key.offset)
                let sub = ParsedTable(path: table.path + [.key(key.name)], position: position, origin: .dotted)
                table.insert(key.name, ParsedEntry(keyPosition: position, valuePosition: position, content: .table(sub)))
                table = sub
            }
        }
        return table
    }

    private func insertValue(_ value: TOML.Value, key: KeySegment, valueStart: Int, into table: ParsedTable) throws(TOMLError) {
        if let existing = table.entries[key.name] {
            let display = TOML.PathComponent.render(table.path + [.key(key.name)])
            throw error(
                .duplicateKey, at: key.offset,
                "duplicate key '\(display)'; it was first defined at line \(existing.keyPosition.line)")
        }
        table.insert(key.name, ParsedEntry(
            keyPosition: position(of: key.offset), valuePosition: position(of: valueStart), content: .value(value)))
    }

    private mutating func expectEquals(after keys: [KeySegment]) throws(TOMLError) {
        skipWhitespace()
        guard peek() == UInt8(ascii: "=") else {
            let display = TOML.PathComponent.render(keys.map { .key($0.name) })
            if offset > 0, bytes[offset - 1] != UInt8(ascii: " "), bytes[offset - 1] != UInt8(ascii: "\t"), let byte = peek(), byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r") {
                throw error(
                    .invalidKey, at: offset,
                    "invalid character \(describe(at: offset)) in key '\(display)'; bare keys may use only A-Z a-z 0-9 _ -, quote any other key")
            }
            throw error(.expectedEquals, at: offset, "expected '=' after key '\(display)', found \(describe(at: offset))")
        }
        offset += 1
        skipWhitespace()
    }

    // MARK: Keys

    struct KeySegment {
        let name: String
        let offset: Int
    }

    /// A simple or dotted key, with whitespace allowed around the dots.
    private mutating func parseKey() throws(TOMLError) -> [KeySegment] {
        var segments: [KeySegment] = []
        while true {
            skipWhitespace()
            segments.append(try parseSimpleKey())
            if segments.count > Self.maximumDepth {
                throw error(.invalidKey, at: segments[0].offset, "a dotted key may have at most \(Self.maximumDepth) parts")
            }
            skipWhitespace()
            guard peek() == UInt8(ascii: ".") else { return segments }
            offset += 1
        }
    }

    private mutating func parseSimpleKey() throws(TOMLError) -> KeySegment {
        let start = offset
        switch peek() {
        case UInt8(ascii: "\""):
            if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") {
                throw error(.invalidKey, at: start, "a multi-line string cannot be a key; use \"...\" or '...'")
            }
            return KeySegment(name: try parseBasicString(), offset: start)
        case UInt8(ascii: "'"):
            if peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") {
                throw error(.invalidKey, at: start, "a multi-line string cannot be a key; use \"...\" or '...'")
            }
            return KeySegment(name: try parseLiteralString(), offset: start)
        default:
            while let byte = peek(), Self.isBareKeyByte(byte) { offset += 1 }
            guard offset > start else {
                if peek() == UInt8(ascii: "=") {
                    throw error(.invalidKey, at: start, "missing key before '='")
                }
                throw error(
                    .invalidKey, at: start,
                    "invalid character \(describe(at: start)) in a key; bare keys may use only A-Z a-z 0-9 _ -, quote any other key")
            }
            return KeySegment(name: String(decoding: bytes[start..<offset], as: UTF8.self), offset: start)
        }
    }

    // MARK: Values

    private mutating func parseValue(path: [TOML.PathComponent]) throws(TOMLError) -> TOML.Value {
        guard let byte = peek(), byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r"), byte != UInt8(ascii: "#") else {
            throw error(.expectedValue, at: offset, "missing value; expected a string, number, boolean, date, array or inline table")
        }
        switch byte {
        case UInt8(ascii: "\""):
            if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") {
                return .string(try parseMultilineBasicString())
            }
            return .string(try parseBasicString())
        case UInt8(ascii: "'"):
            if peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") {
                return .string(try parseMultilineLiteralString())
            }
            return .string(try parseLiteralString())
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            guard nesting < Self.maximumDepth else {
                throw error(.expectedValue, at: offset, "arrays and inline tables may nest at most \(Self.maximumDepth) deep")
            }
            nesting += 1
            defer { nesting -= 1 }
            return byte == UInt8(ascii: "[") ? .array(try parseArray(path: path)) : .table(try parseInlineTable(path: path))
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            let start = offset
            let token = scanToken()
            switch token {
            case "true": return .boolean(true)
            case "false": return .boolean(false)
            default:
                throw error(.expectedValue, at: start, "invalid value '\(token)'; booleans are lowercase true or false, strings need quotes")
            }
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"),
            UInt8(ascii: "i"), UInt8(ascii: "n"):
            return try parseNumberOrDate()
        default:
            throw error(
                .expectedValue, at: offset,
                "expected a value, found \(describe(at: offset)); strings need quotes")
        }
    }

    private mutating func parseArray(path: [TOML.PathComponent]) throws(TOMLError) -> TOML.Array {
        let start = offset
        offset += 1
        var elements: [TOML.Element] = []
        while true {
            try skipWhitespaceCommentsAndNewlines()
            guard let byte = peek() else {
                throw error(.expectedValue, at: start, "unterminated array; expected ']'")
            }
            if byte == UInt8(ascii: "]") {
                offset += 1
                break
            }
            let elementStart = offset
            let value = try parseValue(path: path + [.index(elements.count)])
            elements.append(TOML.Element(value: value, position: position(of: elementStart)))
            try skipWhitespaceCommentsAndNewlines()
            if peek() == UInt8(ascii: ",") {
                offset += 1
            } else if peek() == UInt8(ascii: "]") {
                offset += 1
                break
            } else if peek() == nil {
                throw error(.expectedValue, at: start, "unterminated array; expected ']'")
            } else {
                throw error(.trailingCharacters, at: offset, "expected ',' or ']' in the array, found \(describe(at: offset))")
            }
        }
        return TOML.Array(elements: elements, position: position(of: start), file: file, path: path)
    }

    private mutating func parseInlineTable(path: [TOML.PathComponent]) throws(TOMLError) -> TOML.Table {
        let start = offset
        offset += 1
        let table = ParsedTable(path: path, position: position(of: start), origin: .header)
        // Tables written as values inside this inline table, closed to dotted keys.
        var closed: Set<[String]> = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            offset += 1
            return table.freeze(file: file)
        }
        while true {
            try rejectNewlineInInlineTable(start: start)
            let keys = try parseKey()
            try expectEquals(after: keys)
            let valueStart = offset
            let value = try parseValue(path: path + keys.map { .key($0.name) })
            var prefix: [String] = []
            for key in keys.dropLast() {
                prefix.append(key.name)
                if closed.contains(prefix) {
                    throw error(.keyConflict, at: key.offset, "cannot add a key to '\(TOML.PathComponent.render(path + prefix.map { .key($0) }))': it is already a complete value")
                }
            }
            let parent = try walkDotted(from: table, keys: keys)
            try insertValue(value, key: keys[keys.count - 1], valueStart: valueStart, into: parent)
            if case .table = value { closed.insert(keys.map(\.name)) }
            skipWhitespace()
            try rejectNewlineInInlineTable(start: start)
            if peek() == UInt8(ascii: ",") {
                offset += 1
                skipWhitespace()
                if peek() == UInt8(ascii: "}") {
                    throw error(.trailingCharacters, at: offset, "a trailing comma is not allowed in an inline table")
                }
            } else if peek() == UInt8(ascii: "}") {
                offset += 1
                return table.freeze(file: file)
            } else {
                throw error(.trailingCharacters, at: offset, "expected ',' or '}' in the inline table, found \(describe(at: offset))")
            }
        }
    }

    private func rejectNewlineInInlineTable(start: Int) throws(TOMLError) {
        switch peek() {
        case nil:
            throw error(.expectedValue, at: start, "unterminated inline table; expected '}'")
        case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
            throw error(
                .invalidCharacter, at: offset,
                "an inline table must be on one line in TOML 1.0; close it with '}' or use a [table] section")
        default:
            return
        }
    }

    // MARK: Strings

    private mutating func parseBasicString() throws(TOMLError) -> String {
        let start = offset
        offset += 1
        var buffer: [UInt8] = []
        while true {
            guard let byte = peek() else {
                throw error(.unterminatedString, at: start, "unterminated string; close it with '\"'")
            }
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                return String(decoding: buffer, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &buffer)
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                throw error(
                    .unterminatedString, at: start,
                    "unterminated string; a \"...\" string must close on the same line, use \"\"\"...\"\"\" for several lines")
            default:
                if Self.isControl(byte) {
                    throw error(.invalidCharacter, at: offset, "control character \(describe(at: offset)) must be escaped in a string")
                }
                buffer.append(byte)
                offset += 1
            }
        }
    }

    private mutating func parseMultilineBasicString() throws(TOMLError) -> String {
        let start = offset
        offset += 3
        skipNewline()
        var buffer: [UInt8] = []
        while true {
            guard let byte = peek() else {
                throw error(.unterminatedString, at: start, "unterminated multi-line string; close it with '\"\"\"'")
            }
            switch byte {
            case UInt8(ascii: "\""):
                if try closeMultiline(quote: byte, into: &buffer) {
                    return String(decoding: buffer, as: UTF8.self)
                }
            case UInt8(ascii: "\\"):
                // A line-ending backslash trims the newline and all whitespace that follows.
                var look = offset + 1
                while look < bytes.count, bytes[look] == UInt8(ascii: " ") || bytes[look] == UInt8(ascii: "\t") { look += 1 }
                if look < bytes.count, bytes[look] == UInt8(ascii: "\n")
                    || (bytes[look] == UInt8(ascii: "\r") && look + 1 < bytes.count && bytes[look + 1] == UInt8(ascii: "\n")) {
                    offset = look
                    while let next = peek() {
                        if next == UInt8(ascii: " ") || next == UInt8(ascii: "\t") || next == UInt8(ascii: "\n") {
                            offset += 1
                        } else if next == UInt8(ascii: "\r"), peek(1) == UInt8(ascii: "\n") {
                            offset += 2
                        } else {
                            break
                        }
                    }
                } else {
                    try parseEscape(into: &buffer)
                }
            case UInt8(ascii: "\n"):
                buffer.append(byte)
                offset += 1
            case UInt8(ascii: "\r"):
                guard peek(1) == UInt8(ascii: "\n") else {
                    throw error(.invalidCharacter, at: offset, "a carriage return must be followed by a line feed")
                }
                buffer.append(UInt8(ascii: "\n"))
                offset += 2
            default:
                if Self.isControl(byte) {
                    throw error(.invalidCharacter, at: offset, "control character \(describe(at: offset)) must be escaped in a string")
                }
                buffer.append(byte)
                offset += 1
            }
        }
    }

    private mutating func parseLiteralString() throws(TOMLError) -> String {
        let start = offset
        offset += 1
        let contentStart = offset
        while true {
            guard let byte = peek() else {
                throw error(.unterminatedString, at: start, "unterminated literal string; close it with \"'\"")
            }
            if byte == UInt8(ascii: "'") {
                let text = String(decoding: bytes[contentStart..<offset], as: UTF8.self)
                offset += 1
                return text
            }
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                throw error(
                    .unterminatedString, at: start,
                    "unterminated literal string; a '...' string must close on the same line, use '''...''' for several lines")
            }
            if Self.isControl(byte) {
                throw error(.invalidCharacter, at: offset, "control character \(describe(at: offset)) is not allowed in a literal string")
            }
            offset += 1
        }
    }

    private mutating func parseMultilineLiteralString() throws(TOMLError) -> String {
        let start = offset
        offset += 3
        skipNewline()
        var buffer: [UInt8] = []
        while true {
            guard let byte = peek() else {
                throw error(.unterminatedString, at: start, "unterminated multi-line literal string; close it with \"'''\"")
            }
            switch byte {
            case UInt8(ascii: "'"):
                if try closeMultiline(quote: byte, into: &buffer) {
                    return String(decoding: buffer, as: UTF8.self)
                }
            case UInt8(ascii: "\n"):
                buffer.append(byte)
                offset += 1
            case UInt8(ascii: "\r"):
                guard peek(1) == UInt8(ascii: "\n") else {
                    throw error(.invalidCharacter, at: offset, "a carriage return must be followed by a line feed")
                }
                buffer.append(UInt8(ascii: "\n"))
                offset += 2
            default:
                if Self.isControl(byte) {
                    throw error(.invalidCharacter, at: offset, "control character \(describe(at: offset)) is not allowed in a literal string")
                }
                buffer.append(byte)
                offset += 1
            }
        }
    }

    /// At a run of quotes inside a multi-line string: three close it, and up to two more
    /// before them belong to the content. Returns whether the string is closed.
    private mutating func closeMultiline(quote: UInt8, into buffer: inout [UInt8]) throws(TOMLError) -> Bool {
        var count = 0
        while peek(count) == quote { count += 1 }
        if count < 3 {
            buffer.append(contentsOf: repeatElement(quote, count: count))
            offset += count
            return false
        }
        if count > 5 {
            throw error(.trailingCharacters, at: offset + 5, "too many quotes: at most two may precede the closing delimiter")
        }
        buffer.append(contentsOf: repeatElement(quote, count: count - 3))
        offset += count
        return true
    }

    private mutating func skipNewline() {
        if peek() == UInt8(ascii: "\n") {
            offset += 1
        } else if peek() == UInt8(ascii: "\r"), peek(1) == UInt8(ascii: "\n") {
            offset += 2
        }
    }

    private mutating func parseEscape(into buffer: inout [UInt8]) throws(TOMLError) {
        let start = offset
        guard let code = peek(1) else {
            throw error(.unterminatedString, at: start, "unterminated string after '\\'")
        }
        offset += 2
        let simple: UInt8? = switch code {
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "t"): 0x09
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "\""): UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): UInt8(ascii: "\\")
        default: nil
        }
        if let simple {
            buffer.append(simple)
            return
        }
        let digits: Int
        switch code {
        case UInt8(ascii: "u"): digits = 4
        case UInt8(ascii: "U"): digits = 8
        default:
            throw error(
                .invalidEscape, at: start,
                "invalid escape \(describeEscape(at: start)); TOML 1.0 allows \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX and \\UXXXXXXXX (write a backslash as \\\\)")
        }
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let byte = peek(), let digit = Self.hexValue(byte) else {
                throw error(.invalidEscape, at: start, "invalid escape: \\\(Character(UnicodeScalar(code))) needs exactly \(digits) hex digits")
            }
            value = value << 4 | UInt32(digit)
            offset += 1
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw error(
                .invalidEscape, at: start,
                "invalid escape: U+\(String(value, radix: 16, uppercase: true)) is not a Unicode scalar value (surrogate or above U+10FFFF)")
        }
        buffer.append(contentsOf: Swift.Array(String(Character(scalar)).utf8))
    }

    // MARK: Numbers and dates

    /// The characters a number, boolean or date can be made of.
    private mutating func scanToken() -> String {
        let start = offset
        while let byte = peek(), Self.isTokenByte(byte) { offset += 1 }
        return String(decoding: bytes[start..<offset], as: UTF8.self)
    }

    private mutating func parseNumberOrDate() throws(TOMLError) -> TOML.Value {
        let start = offset
        var token = scanToken()
        // A date followed by a space and a time is one local or offset date-time.
        if token.utf8.count == 10, DateTimeParser.isDate(Swift.Array(token.utf8)), peek() == UInt8(ascii: " "),
            let next = peek(1), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(next) {
            offset += 1
            token += " " + scanToken()
        }
        let utf8 = Swift.Array(token.utf8)
        let looksLikeDate = utf8.contains(UInt8(ascii: ":"))
            || (utf8.count >= 10 && utf8[4] == UInt8(ascii: "-") && utf8[0...3].allSatisfy(Self.isDigit))
        if looksLikeDate {
            guard let kind = DateTimeParser.parse(utf8) else {
                throw error(
                    .invalidDateTime, at: start,
                    "invalid date or time '\(token)'; expected forms like 1979-05-27T07:32:00Z, 1979-05-27 07:32:00, 1979-05-27 or 07:32:00")
            }
            return .dateTime(TOML.DateTime(kind: kind, text: token))
        }
        switch NumberParser.parse(utf8) {
        case .integer(let value): return .integer(value)
        case .float(let value): return .float(value)
        case .overflow:
            throw error(
                .integerOverflow, at: start,
                "integer '\(token)' is out of range; TOML integers are 64-bit signed (-9223372036854775808 ... 9223372036854775807), write larger amounts as a string")
        case .invalid(let reason):
            throw error(.invalidNumber, at: start, "invalid number '\(token)': \(reason)")
        }
    }

    // MARK: Scanning helpers

    private func peek(_ ahead: Int = 0) -> UInt8? {
        let index = offset + ahead
        return index < bytes.count ? bytes[index] : nil
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { offset += 1 }
    }

    private mutating func skipWhitespaceCommentsAndNewlines() throws(TOMLError) {
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"):
                offset += 1
            case UInt8(ascii: "\r"):
                guard peek(1) == UInt8(ascii: "\n") else {
                    throw error(.invalidCharacter, at: offset, "a carriage return must be followed by a line feed")
                }
                offset += 2
            case UInt8(ascii: "#"):
                try skipComment()
            default:
                return
            }
        }
    }

    static func isBareKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        isBareKeyByte(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// Control characters TOML forbids outside escapes (tab is allowed).
    private static func isControl(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != 0x09) || byte == 0x7F
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    // MARK: Positions and errors

    func position(of index: Int) -> TOML.Position {
        // The last line start at or before `index`.
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= index { low = mid } else { high = mid - 1 }
        }
        let lineStart = lineStarts[low]
        let end = min(index, bytes.count)
        // Columns count Unicode scalars: skip UTF-8 continuation bytes.
        let column = lineStart < end ? bytes[lineStart..<end].reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) } : 0
        return TOML.Position(line: low + 1, column: column + 1)
    }

    func error(_ kind: TOMLError.Kind, at index: Int, _ message: String) -> TOMLError {
        let position = position(of: index)
        return TOMLError(kind, file: file, line: position.line, column: position.column, keyPath: nil, message: message)
    }

    /// How to name the character at `index` in a message: `'x'`, `the end of the line`, `U+0007`.
    private func describe(at index: Int) -> String {
        guard index < bytes.count else { return "the end of the file" }
        let byte = bytes[index]
        switch byte {
        case UInt8(ascii: "\n"), UInt8(ascii: "\r"): return "the end of the line"
        case 0..<0x20, 0x7F: return "U+" + String(format4: byte)
        default:
            var end = index + 1
            while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
            return "'" + String(decoding: bytes[index..<end], as: UTF8.self) + "'"
        }
    }

    private func describeEscape(at index: Int) -> String {
        guard index + 1 < bytes.count else { return "'\\'" }
        var end = index + 2
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        let text = String(decoding: bytes[index..<end], as: UTF8.self)
        return bytes[index + 1] < 0x20 ? "'\\' followed by U+" + String(format4: bytes[index + 1]) : "'\(text)'"
    }

    /// Finds the first byte that is not well-formed UTF-8 (overlong forms, surrogates and
    /// values above U+10FFFF included).
    private func validateUTF8() throws(TOMLError) {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default:
                throw error(.invalidUTF8, at: index, "invalid UTF-8 (byte 0x\(String(format2: lead))); save the file as UTF-8")
            }
            for k in 1..<length {
                let i = index + k
                let ok = i < count && bytes[i] >= (k == 1 ? low : 0x80) && bytes[i] <= (k == 1 ? high : 0xBF)
                if !ok {
                    throw error(.invalidUTF8, at: index, "invalid UTF-8 sequence starting with byte 0x\(String(format2: lead)); save the file as UTF-8")
                }
            }
            index += length
        }
    }
}

extension String {
    fileprivate init(format4 byte: UInt8) {
        let hex = String(byte, radix: 16, uppercase: true)
        self = String(repeating: "0", count: 4 - hex.count) + hex
    }

    fileprivate init(format2 byte: UInt8) {
        let hex = String(byte, radix: 16, uppercase: true)
        self = hex.count == 1 ? "0" + hex : hex
    }
}
