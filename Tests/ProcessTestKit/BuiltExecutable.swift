public import Foundation

/// The package's executables (`keeper`, `signer`) where `swift build --build-tests` left them:
/// next to the test bundle (`.build/<config>/`), else in `.build/debug/`.
public enum BuiltExecutable {
    /// The repository root (this file is Tests/ProcessTestKit/BuiltExecutable.swift).
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The path of the executable `name`; throws when it was not built.
    public static func path(_ name: String) throws -> String {
        var dir = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
            dir = dir.deletingLastPathComponent()
        }
        let fallback = repositoryRoot.appendingPathComponent(".build/debug/\(name)")
        guard FileManager.default.isExecutableFile(atPath: fallback.path) else {
            throw HarnessError(message: "no \(name) executable next to the tests; run swift build --build-tests first")
        }
        return fallback.path
    }
}
