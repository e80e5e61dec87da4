public import Foundation

/// Locates and loads the third-party vector files in `../shared/vectors/` (beside the repository),
/// or in `$EVM_VECTORS_DIR` when set.
public enum Vectors {
    /// The vectors directory.
    public static let directory: URL = {
        if let dir = ProcessInfo.processInfo.environment["EVM_VECTORS_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir, isDirectory: true)
        }
        // Tests/EVMTestKit/Vectors.swift -> repository root -> ../shared/vectors
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.deletingLastPathComponent().appendingPathComponent("shared/vectors", isDirectory: true)
    }()

    /// Decodes `name` (for example `"rlp.json"`) into `T`. A missing or malformed file is a
    /// test-stopping error, never a silent skip: every vector file must be exercised.
    public static func load<T: Decodable>(_ name: String, as type: T.Type = T.self) -> T {
        let url = directory.appendingPathComponent(name)
        do {
            let data = try Data(contentsOf: url)
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            fatalError("cannot load vector file \(url.path): \(error)")
        }
    }
}
