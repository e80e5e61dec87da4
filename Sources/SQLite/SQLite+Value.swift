extension SQLite {
    /// A value as SQLite stores it.
    public enum Value: Hashable, Sendable {
        case integer(Int64)
        case real(Double)
        case text(String)
        case blob([UInt8])
        case null
    }

    /// A Swift value that can be bound to a statement parameter.
    ///
    /// `Int`, `Int64`, `Int32`, `Double`, `String`, `[UInt8]` (as a blob), `Bool` (as 0/1),
    /// `SQLite.Value`, and `Optional` of any of these (`nil` binds NULL).
    public protocol Bindable {
        /// The value to bind.
        var sqliteValue: Value { get }
    }
}

extension SQLite.Value: SQLite.Bindable {
    public var sqliteValue: SQLite.Value { self }
}

extension Int64: SQLite.Bindable {
    public var sqliteValue: SQLite.Value { .integer(self) }
}

extension Int: SQLite.Bindable {
    public var sqliteValue: SQLite.Value { .integer(Int64(self)) }
}

extension Int32: SQLite.Bindable {
    public var sqliteValue: SQLite.Value { .integer(Int64(self)) }
}

extension Bool: SQLite.Bindable {
    public var sqliteValue: SQLite.Value { .integer(self ? 1 : 0) }
}

extension Double: SQLite.Bindable {
    public var sqliteValue: SQLite.Value { .real(self) }
}

extension String: SQLite.Bindable {
    public var sqliteValue: SQLite.Value { .text(self) }
}

extension Array: SQLite.Bindable where Element == UInt8 {
    public var sqliteValue: SQLite.Value { .blob(self) }
}

extension Optional: SQLite.Bindable where Wrapped: SQLite.Bindable {
    public var sqliteValue: SQLite.Value { self?.sqliteValue ?? .null }
}
