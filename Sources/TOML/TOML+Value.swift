extension TOML {
    /// A 1-based line and column (in Unicode scalars) in the source text.
    public struct Position: Hashable, Sendable, Comparable, CustomStringConvertible {
        /// 1-based line.
        public let line: Int
        /// 1-based column, counted in Unicode scalars.
        public let column: Int

        /// A position at `line` and `column`.
        public init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }

        /// Document order.
        public static func < (a: Position, b: Position) -> Bool {
            (a.line, a.column) < (b.line, b.column)
        }

        public var description: String { "\(line):\(column)" }
    }

    /// A TOML value. Positions live beside it: in `Table.Entry` for keyed values and in
    /// `Element` for array items, so a value compares equal to the same value written elsewhere.
    public enum Value: Sendable, Equatable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        case dateTime(DateTime)
        case array(Array)
        case table(Table)

        /// The value's type with its article, for messages: "a string", "an integer", ...
        public var typeDescription: String {
            switch self {
            case .string: "a string"
            case .integer: "an integer"
            case .float: "a float"
            case .boolean: "a boolean"
            case .dateTime(let d): d.kind.description
            case .array: "an array"
            case .table: "a table"
            }
        }

        /// The string, if this is a string.
        public var stringValue: String? { if case .string(let v) = self { v } else { nil } }
        /// The integer, if this is an integer.
        public var integerValue: Int64? { if case .integer(let v) = self { v } else { nil } }
        /// The number as a `Double`, if this is a float or an integer.
        public var doubleValue: Double? {
            switch self {
            case .float(let v): v
            case .integer(let v): Double(v)
            default: nil
            }
        }
        /// The boolean, if this is a boolean.
        public var boolValue: Bool? { if case .boolean(let v) = self { v } else { nil } }
        /// The array, if this is an array (static or of tables).
        public var arrayValue: Array? { if case .array(let v) = self { v } else { nil } }
        /// The table, if this is a table (standard or inline).
        public var tableValue: Table? { if case .table(let v) = self { v } else { nil } }
    }

    /// One item of an array, with where it was written.
    public struct Element: Sendable, Equatable {
        /// The item.
        public let value: Value
        /// Where the item starts.
        public let position: Position

        /// An item at `position`.
        public init(value: Value, position: Position) {
            self.value = value
            self.position = position
        }

        /// Compares the values only.
        public static func == (a: Element, b: Element) -> Bool { a.value == b.value }
    }

    /// A date, a time or both, as TOML 1.0 defines them. Kept as the original text: the keeper
    /// and signer barely use them, and the text round-trips without loss.
    public struct DateTime: Hashable, Sendable, CustomStringConvertible {
        /// Which of the four TOML date/time forms this is.
        public enum Kind: Hashable, Sendable, CustomStringConvertible {
            case offsetDateTime, localDateTime, localDate, localTime

            public var description: String {
                switch self {
                case .offsetDateTime: "an offset date-time"
                case .localDateTime: "a local date-time"
                case .localDate: "a local date"
                case .localTime: "a local time"
                }
            }
        }

        /// Which form the text has.
        public let kind: Kind
        /// The text as written in the document.
        public let text: String

        /// A date/time of `kind` written as `text` (not validated here; the parser validates).
        public init(kind: Kind, text: String) {
            self.kind = kind
            self.text = text
        }

        public var description: String { text }
    }
}
