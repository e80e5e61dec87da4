extension TOML {
    /// An array (static `[1, 2]` or an array of tables `[[x]]`) with the position of each item.
    ///
    /// The typed readers (`strings()`, `integers()`, `tables()`, ...) report the first item of the
    /// wrong type with its line and its path, for example `key 'allow[2]': expected a string,
    /// found an integer`.
    public struct Array: Sendable, Equatable, RandomAccessCollection {
        /// The items in order.
        public let elements: [Element]
        /// Where the array starts (its `[`, or the first `[[header]]`).
        public let position: Position
        /// The file the document came from, if known.
        public let file: String?
        let path: [PathComponent]

        init(elements: [Element], position: Position, file: String?, path: [PathComponent]) {
            self.elements = elements
            self.position = position
            self.file = file
            self.path = path
        }

        /// Dotted path of the array, for messages.
        public var keyPath: String { PathComponent.render(path) }

        public var startIndex: Int { elements.startIndex }
        public var endIndex: Int { elements.endIndex }
        public subscript(index: Int) -> Element { elements[index] }

        /// Compares the values only.
        public static func == (a: Array, b: Array) -> Bool { a.elements == b.elements }

        /// Every item as a string.
        public func strings() throws(TOMLError) -> [String] { try typed("a string") { $0.stringValue } }
        /// Every item as an integer that fits `Int`.
        public func integers() throws(TOMLError) -> [Int] {
            try typed("an integer") { $0.integerValue.map { Int($0) } }
        }
        /// Every item as a number (integers are accepted and converted).
        public func doubles() throws(TOMLError) -> [Double] { try typed("a number") { $0.doubleValue } }
        /// Every item as a boolean.
        public func bools() throws(TOMLError) -> [Bool] { try typed("a boolean") { $0.boolValue } }
        /// Every item as a table (an array of tables, or a static array of inline tables).
        public func tables() throws(TOMLError) -> [Table] { try typed("a table") { $0.tableValue } }

        /// An error about item `index`, at its line, naming its path: for loaders that check
        /// more than the type (`error(at: 2, "expected a checksummed address")`).
        public func error(at index: Int, _ message: String) -> TOMLError {
            let position = elements.indices.contains(index) ? elements[index].position : self.position
            return TOMLError(
                .invalidValue, file: file, line: position.line, column: position.column,
                keyPath: PathComponent.render(path + [.index(index)]), message: message)
        }

        private func typed<T>(_ expected: String, _ extract: (Value) -> T?) throws(TOMLError) -> [T] {
            var result: [T] = []
            result.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                guard let value = extract(element.value) else {
                    throw TOMLError(
                        .typeMismatch, file: file, line: element.position.line,
                        column: element.position.column,
                        keyPath: PathComponent.render(path + [.index(index)]),
                        message: "expected \(expected), found \(element.value.typeDescription)")
                }
                result.append(value)
            }
            return result
        }
    }

    /// One step of a key path: a key, or an index into an array.
    enum PathComponent: Hashable, Sendable {
        case key(String)
        case index(Int)

        /// `a.b."c d"[2].e`: bare keys as they are, others quoted.
        static func render(_ path: [PathComponent]) -> String {
            var text = ""
            for component in path {
                switch component {
                case .key(let key):
                    if !text.isEmpty { text += "." }
                    text += quotedIfNeeded(key)
                case .index(let index):
                    text += "[\(index)]"
                }
            }
            return text
        }

        static func quotedIfNeeded(_ key: String) -> String {
            if !key.isEmpty, key.utf8.allSatisfy(TOMLParser.isBareKeyByte) { return key }
            var quoted = "\""
            for scalar in key.unicodeScalars {
                switch scalar {
                case "\"": quoted += "\\\""
                case "\\": quoted += "\\\\"
                case "\n": quoted += "\\n"
                case "\t": quoted += "\\t"
                default:
                    if scalar.value < 0x20 || scalar.value == 0x7F {
                        let hex = String(scalar.value, radix: 16, uppercase: true)
                        quoted += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        quoted.unicodeScalars.append(scalar)
                    }
                }
            }
            return quoted + "\""
        }
    }
}
