import EVM
import Foundation
import Logging
import Testing

@testable import Signer

/// A private temporary keys directory (mode 0700) for one test, removed when released.
///
/// `KeysFixture.example()` copies keys.example/ into it with mode 0600, as the README says the
/// tests do.
final class KeysFixture {
    /// The keys directory.
    let path: String
    /// The temporary directory that holds it (and any credentials directory or input files).
    let root: String

    /// The public throw-away addresses documented in keys.example/README.md.
    static let keeperAddress = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    static let operatorAddress = "0x2Ede0C3A717ce4b92df2484f3ea6a00dDbD95785"
    static let keeperPassword = "demo-keeper-password-public"

    /// keys.example/ in this repository.
    static let exampleDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("keys.example").path

    init() throws {
        var template = Array("/tmp/signer-keys-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        root = String(cString: try #require(made))
        path = root + "/keys"
        try mkdirChecked(path, mode: 0o700)
    }

    /// A fixture holding keys.example's four files with mode 0600.
    static func example() throws -> KeysFixture {
        let fixture = try KeysFixture()
        for name in ["keeper.json", "keeper.password", "operator.json", "operator.password"] {
            try fixture.copy(from: exampleDirectory + "/" + name, to: fixture.path + "/" + name)
        }
        return fixture
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// The directory as the signer sees it.
    var directory: KeyStoreDirectory { KeyStoreDirectory(path: path) }

    /// `path/name`.
    func file(_ name: String) -> String { path + "/" + name }

    func copy(from source: String, to destination: String, mode: mode_t = 0o600) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        try write(data, to: destination, mode: mode)
    }

    func write(_ text: String, to destination: String, mode: mode_t = 0o600) throws {
        try write(Data(text.utf8), to: destination, mode: mode)
    }

    func write(_ data: Data, to destination: String, mode: mode_t = 0o600) throws {
        _ = unlink(destination)
        try #require(FileManager.default.createFile(atPath: destination, contents: data))
        try chmodChecked(destination, mode)
    }

    func remove(_ path: String) throws {
        try FileManager.default.removeItem(atPath: path)
    }

    /// The mode bits of `path` (not following a link).
    func mode(of path: String) throws -> mode_t {
        var st = stat()
        try #require(lstat(path, &st) == 0)
        return st.st_mode & 0o7777
    }
}

func chmodChecked(_ path: String, _ mode: mode_t) throws {
    try #require(chmod(path, mode) == 0, "chmod \(String(mode, radix: 8)) \(path): errno \(errno)")
}

func mkdirChecked(_ path: String, mode: mode_t) throws {
    try #require(mkdir(path, mode) == 0, "mkdir \(path): errno \(errno)")
    try chmodChecked(path, mode)
}

/// Expects `body` to throw a ``KeysError`` of `kind` and returns it.
@discardableResult
func expectKeysError<R>(
    _ kind: KeysError.Kind, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> R
) -> KeysError? {
    do {
        _ = try body()
        Issue.record("expected a KeysError of kind \(kind), got success", sourceLocation: sourceLocation)
        return nil
    } catch let error as KeysError {
        #expect(error.kind == kind, "\(error.message)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected a KeysError of kind \(kind), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// A password as ``SecretBytes``.
func secret(_ text: String) -> SecretBytes {
    var bytes = Array(text.utf8)
    return SecretBytes(consuming: &bytes)
}

/// A logger that drops everything, so test output stays readable.
let quietLogger = Logger(label: "signer.keys.test") { _ in SwiftLogNoOpLogHandler() }
