import Foundation

/// How a path written in the keeper's config is found: one rule for every path key (the
/// database, ABI files, the signer socket, a strategy's files and directories), so that a
/// keeper started from any working directory reads and writes the same files.
public enum ConfigPath {
    /// `path` as written in the config file `configFile`: absolute paths as given; a relative
    /// path against the directory of `configFile`, made absolute (with the working directory
    /// when `configFile` itself is relative) and standardized (`.` and `..` removed). Without a
    /// known config file (config parsed from text), `path` is returned as given.
    public static func resolve(_ path: String, relativeTo configFile: String?) -> String {
        guard !path.hasPrefix("/"), let configFile, !configFile.isEmpty else { return path }
        return URL(fileURLWithPath: configFile).deletingLastPathComponent()
            .appendingPathComponent(path).standardizedFileURL.path
    }
}
