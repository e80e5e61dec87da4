import EVM
import Logging
import Synchronization
import Testing

@testable import Signer

/// A log handler that keeps every line it is given, rendered with its metadata.
final class RecordingLogHandler: LogHandler, Sendable {
    let lines = Mutex<[String]>([])
    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    subscript(metadataKey _: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        let rendered = "\(event.level) \(event.message) \(event.metadata ?? [:])"
        lines.withLock { $0.append(rendered) }
    }
}

@Suite("What loading keys logs")
struct KeysLoggingTests {
    @Test("loading logs each key's address and file, never its password or bytes")
    func logLines() throws {
        let fixture = try KeysFixture.example()
        let handler = RecordingLogHandler()
        let keys = try fixture.directory.load(logger: Logger(label: "test") { _ in handler })
        let lines = handler.lines.withLock { $0 }
        #expect(lines.count == 2)
        let keyHexes = keys.addresses.compactMap { address in
            keys.withKey(for: address) { key in key.withUnsafeBytes { Hex.encode($0, prefix: false) } }
        }
        #expect(keyHexes.count == 2)
        for line in lines {
            #expect(line.contains("loaded key"))
            #expect(!line.contains("password-public"))
            for hex in keyHexes { #expect(!line.lowercased().contains(hex)) }
        }
        #expect(lines.contains { $0.contains(KeysFixture.keeperAddress) && $0.contains(fixture.file("keeper.json")) })
    }
}
