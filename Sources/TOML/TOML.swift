import Foundation

/// A strict TOML 1.0 reader that keeps the line of every key and value.
///
/// Parse with `TOML.parse(_:file:)` or `TOML.load(path:)`, then read the returned root table
/// with its typed accessors and finish each table with `rejectUnknownKeys()`:
///
///     let root = try TOML.load(path: "policies/base.toml")
///     let policy = try root.table("policy")
///     let chainID = try policy.int("chain_id")
///     try policy.rejectUnknownKeys()
///     try root.rejectUnknownKeys()
///
/// Every error is a `TOMLError` whose description names the file, the line and the key.
public enum TOML {
    /// Parses a document held in a string. `file` only labels errors and positions.
    public static func parse(_ text: String, file: String? = nil) throws(TOMLError) -> Table {
        try parse(bytes: Swift.Array(text.utf8), file: file)
    }

    /// Parses a document from its raw bytes, which must be valid UTF-8.
    public static func parse(bytes: [UInt8], file: String? = nil) throws(TOMLError) -> Table {
        var parser = TOMLParser(bytes: bytes, file: file)
        return try parser.parseDocument()
    }

    /// Reads and parses the file at `path`; errors name the file as `path` (or `displayName`).
    public static func load(path: String, displayName: String? = nil) throws(TOMLError) -> Table {
        let name = displayName ?? path
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TOMLError(
                .unreadable, file: name, line: nil, column: nil, keyPath: nil,
                message: "cannot read the file; check that it exists and that this user may read it",
                cause: error)
        }
        return try parse(bytes: [UInt8](data), file: name)
    }
}
