import EVM
import Foundation
import Testing

@testable import Signer

@Suite("Key and password file permissions")
struct KeysPermissionTests {
    @Test("a group-readable key file is refused with the chmod that fixes it")
    func groupReadableKey() throws {
        let fixture = try KeysFixture.example()
        try chmodChecked(fixture.file("keeper.json"), 0o640)
        let error = try #require(expectKeysError(.insecurePermissions) { try fixture.directory.load(logger: quietLogger) })
        let file = fixture.file("keeper.json")
        #expect(error.message == "\(file) is readable by group or others (mode 0640); run: chmod 600 \(file)")
    }

    @Test("a world-readable password file is refused with the chmod that fixes it")
    func worldReadablePassword() throws {
        let fixture = try KeysFixture.example()
        try chmodChecked(fixture.file("operator.password"), 0o604)
        let error = try #require(expectKeysError(.insecurePermissions) { try fixture.directory.load(logger: quietLogger) })
        let file = fixture.file("operator.password")
        #expect(error.message == "\(file) is readable by group or others (mode 0604); run: chmod 600 \(file)")
    }

    @Test("a group-writable keys directory is refused with the chmod that fixes it")
    func groupWritableDirectory() throws {
        let fixture = try KeysFixture.example()
        try chmodChecked(fixture.path, 0o730)
        let error = try #require(expectKeysError(.insecurePermissions) { try fixture.directory.load(logger: quietLogger) })
        #expect(error.message == "\(fixture.path) is writable by group or others (mode 0730); run: chmod 700 \(fixture.path)")
    }

    @Test("search permission alone on the directory is allowed")
    func searchableDirectory() throws {
        let fixture = try KeysFixture.example()
        try chmodChecked(fixture.path, 0o711)
        #expect(try fixture.directory.load(logger: quietLogger).count == 2)
    }

    @Test(
        "every group or other permission bit on a file is refused, and the message says which kind",
        arguments: [
            (0o644 as mode_t, "readable"), (0o660, "readable and writable"), (0o620, "writable"), (0o602, "writable"),
            (0o610, "accessible"), (0o601, "accessible"), (0o666, "readable and writable"), (0o400, nil), (0o600, nil),
            (0o700, nil),
        ] as [(mode_t, String?)])
    func modeTable(mode: mode_t, word: String?) throws {
        let fixture = try KeysFixture.example()
        let file = fixture.file("keeper.json")
        try chmodChecked(file, mode)
        if let word {
            let error = try #require(expectKeysError(.insecurePermissions) { try fixture.directory.loadKey("keeper") })
            let octal = String(repeating: "0", count: 4 - String(mode, radix: 8).count) + String(mode, radix: 8)
            #expect(error.message == "\(file) is \(word) by group or others (mode \(octal)); run: chmod 600 \(file)")
        } else {
            _ = try fixture.directory.loadKey("keeper")
        }
    }

    @Test("a symbolic link to a key file is refused, not followed")
    func symlinkedKey() throws {
        let fixture = try KeysFixture.example()
        try fixture.copy(from: fixture.file("keeper.json"), to: fixture.root + "/elsewhere.json")
        try fixture.remove(fixture.file("keeper.json"))
        try #require(symlink(fixture.root + "/elsewhere.json", fixture.file("keeper.json")) == 0)
        let error = try #require(expectKeysError(.notRegularFile) { try fixture.directory.load(logger: quietLogger) })
        #expect(error.message.hasPrefix("\(fixture.file("keeper.json")) is a symbolic link"))
    }

    @Test("a symbolic link to a password file is refused, not followed")
    func symlinkedPassword() throws {
        let fixture = try KeysFixture.example()
        try fixture.copy(from: fixture.file("keeper.password"), to: fixture.root + "/elsewhere.password")
        try fixture.remove(fixture.file("keeper.password"))
        try #require(symlink(fixture.root + "/elsewhere.password", fixture.file("keeper.password")) == 0)
        expectKeysError(.notRegularFile) { try fixture.directory.load(logger: quietLogger) }
    }

    @Test("the keys directory itself may be a symbolic link (it is resolved, then checked)")
    func symlinkedDirectory() throws {
        let fixture = try KeysFixture.example()
        let link = fixture.root + "/keys-link"
        try #require(symlink(fixture.path, link) == 0)
        #expect(try KeyStoreDirectory(path: link).load(logger: quietLogger).count == 2)
        try chmodChecked(fixture.path, 0o750)
        expectKeysError(.insecurePermissions) { try KeyStoreDirectory(path: link).load(logger: quietLogger) }
    }

    @Test("a key file owned by another user is refused with the chown that fixes it", .enabled(if: geteuid() == 0))
    func otherOwner() throws {
        let fixture = try KeysFixture.example()
        try #require(chown(fixture.file("keeper.json"), 65534, 65534) == 0)
        let error = try #require(expectKeysError(.wrongOwner) { try fixture.directory.load(logger: quietLogger) })
        #expect(error.message.contains("owned by uid 65534"))
        #expect(error.message.contains("run: chown \(geteuid()) \(fixture.file("keeper.json"))"))
    }

    @Test("password files and credentials owned by another user are refused", .enabled(if: geteuid() == 0))
    func passwordOwner() throws {
        let fixture = try KeysFixture.example()
        try #require(chown(fixture.file("operator.password"), 65534, 65534) == 0)
        expectKeysError(.wrongOwner) { try fixture.directory.loadKey("operator") }

        let credentials = fixture.root + "/credentials"
        try mkdirChecked(credentials, mode: 0o700)
        try fixture.copy(from: fixture.file("keeper.password"), to: credentials + "/keeper", mode: 0o400)
        try fixture.remove(fixture.file("keeper.password"))
        try #require(chown(credentials + "/keeper", 65534, 65534) == 0)
        let directory = KeyStoreDirectory(path: fixture.path, credentialsDirectory: credentials)
        expectKeysError(.wrongOwner) { try directory.loadKey("keeper") }
    }

    @Test("a file name with spaces gets a quoted chmod")
    func quotedFix() throws {
        let fixture = try KeysFixture.example()
        let directory = KeyStoreDirectory(path: fixture.path, passwords: ["keeper": .file(fixture.root + "/my password")])
        try fixture.copy(from: fixture.file("keeper.password"), to: fixture.root + "/my password", mode: 0o644)
        let error = try #require(expectKeysError(.insecurePermissions) { try directory.loadKey("keeper") })
        #expect(error.message.hasSuffix("run: chmod 600 '\(fixture.root)/my password'"))
    }

    @Test("keys list reports every problem, reads no password, and still shows the claimed addresses")
    func listReportsProblems() throws {
        let fixture = try KeysFixture.example()
        try chmodChecked(fixture.file("keeper.json"), 0o644)
        try chmodChecked(fixture.file("keeper.password"), 0o640)
        try fixture.remove(fixture.file("operator.password"))
        try chmodChecked(fixture.path, 0o770)

        let listing = try fixture.directory.list()
        #expect(!listing.isUsable)
        #expect(listing.directoryProblem?.kind == .insecurePermissions)
        #expect(listing.keys.map(\.name) == ["keeper", "operator"])
        #expect(listing.keys.map { $0.address?.checksummed } == [KeysFixture.keeperAddress, KeysFixture.operatorAddress])
        #expect(listing.keys[0].problems.map(\.kind) == [.insecurePermissions, .insecurePermissions])
        #expect(listing.keys[0].problems[1].message.contains("run: chmod 600 \(fixture.file("keeper.password"))"))
        #expect(listing.keys[1].problems.map(\.kind) == [.missingPassword])

        try chmodChecked(fixture.path, 0o700)
        try chmodChecked(fixture.file("keeper.json"), 0o600)
        try chmodChecked(fixture.file("keeper.password"), 0o600)
        try fixture.copy(from: KeysFixture.exampleDirectory + "/operator.password", to: fixture.file("operator.password"))
        #expect(try fixture.directory.list().isUsable)
    }
}
