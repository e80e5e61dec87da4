import EVM
import Foundation
import Testing

@testable import Signer

@Suite("keys new and keys import, through the library")
struct KeysWritingTests {
    static let light = Keystore.KDF.scrypt(.light)

    @Test("new -> list -> load: the generated key comes back under its address")
    func newListLoadRoundTrip() throws {
        let fixture = try KeysFixture()
        let (address, file) = try fixture.directory.create(name: "hot", password: secret("correct horse"), kdf: Self.light)
        #expect(file == fixture.file("hot.json"))
        #expect(try fixture.mode(of: file) == 0o600)
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.path) == ["hot.json"])

        var listing = try fixture.directory.list()
        #expect(listing.keys.map(\.address) == [address])
        #expect(listing.keys.first?.problems.map(\.kind) == [.missingPassword])

        try fixture.write("correct horse\n", to: fixture.file("hot.password"))
        listing = try fixture.directory.list()
        #expect(listing.isUsable)
        #expect(listing.keys.first?.passwordSource == .file(fixture.file("hot.password")))

        let keys = try fixture.directory.load(logger: quietLogger)
        #expect(keys.addresses == [address])
        let keystore = try Keystore(json: String(contentsOfFile: file, encoding: .utf8))
        #expect(keystore.kdf == Self.light)
        #expect(keystore.address == address)
    }

    @Test("new creates a missing directory with mode 0700")
    func createsDirectory() throws {
        let fixture = try KeysFixture()
        let nested = KeyStoreDirectory(path: fixture.root + "/fresh")
        _ = try nested.create(name: "a", password: secret("pw"), kdf: Self.light)
        #expect(try fixture.mode(of: fixture.root + "/fresh") == 0o700)
    }

    @Test("new never overwrites an existing file")
    func neverOverwrites() throws {
        let fixture = try KeysFixture.example()
        let before = try Data(contentsOf: URL(fileURLWithPath: fixture.file("keeper.json")))
        let error = try #require(
            expectKeysError(.alreadyExists) { try fixture.directory.create(name: "keeper", password: secret("pw"), kdf: Self.light) })
        #expect(error.isUsageError)
        #expect(try Data(contentsOf: URL(fileURLWithPath: fixture.file("keeper.json"))) == before)
    }

    @Test("new refuses bad names", arguments: ["", ".hidden", "-x", "a/b", "k.json", "a b", String(repeating: "n", count: 65)])
    func refusesBadNames(name: String) throws {
        let fixture = try KeysFixture()
        let error = try #require(
            expectKeysError(.invalidInput) { try fixture.directory.create(name: name, password: secret("pw"), kdf: Self.light) })
        #expect(error.isUsageError)
    }

    @Test("new refuses an empty password and an insecure directory")
    func refusesEmptyPasswordAndInsecureDirectory() throws {
        let fixture = try KeysFixture()
        expectKeysError(.invalidInput) { try fixture.directory.create(name: "a", password: secret(""), kdf: Self.light) }
        try chmodChecked(fixture.path, 0o755)
        let error = try #require(
            expectKeysError(.insecurePermissions) { try fixture.directory.create(name: "a", password: secret("pw"), kdf: Self.light) })
        #expect(error.message.hasSuffix("run: chmod 700 \(fixture.path)"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.path).isEmpty)
    }

    @Test("new uses geth's standard scrypt parameters by default")
    func standardByDefault() throws {
        let fixture = try KeysFixture()
        let (_, file) = try fixture.directory.create(name: "std", password: secret("pw"))
        let keystore = try Keystore(json: String(contentsOfFile: file, encoding: .utf8))
        #expect(keystore.kdf == .scrypt(Keystore.ScryptParameters(n: 262_144, r: 8, p: 1)))
    }

    @Test(
        "import reads 64 hex digits, with or without 0x and surrounding whitespace",
        arguments: ["%@", "0x%@\n", "  0X%@  \r\n", "%@\n\n"])
    func importsHex(format: String) throws {
        let fixture = try KeysFixture()
        let hex = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
        let expected = try PrivateKey(bytes: Hex.decode(hex)).address
        try fixture.write(format.replacingOccurrences(of: "%@", with: hex), to: fixture.root + "/key.hex")
        let (address, file) = try fixture.directory.importKey(
            name: "imported", privateKeyFile: fixture.root + "/key.hex", password: secret("pw"), kdf: Self.light)
        #expect(address == expected)
        try fixture.write("pw", to: fixture.file("imported.password"))
        let key = try fixture.directory.loadKey("imported")
        #expect(key.address == expected)
        #expect(key.withUnsafeBytes { Hex.encode($0, prefix: false) } == hex)
        #expect(file == fixture.file("imported.json"))
    }

    @Test("import refuses a readable key file, bad hex (without echoing it) and an invalid key")
    func importRefusals() throws {
        let fixture = try KeysFixture()
        let keyFile = fixture.root + "/key.hex"
        let hex = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"

        try fixture.write(hex, to: keyFile, mode: 0o644)
        let insecure = try #require(expectKeysError(.insecurePermissions) {
            try fixture.directory.importKey(name: "a", privateKeyFile: keyFile, password: secret("pw"), kdf: Self.light)
        })
        #expect(insecure.message == "\(keyFile) is readable by group or others (mode 0644); run: chmod 600 \(keyFile)")

        let bad = String(hex.dropLast()) + "g"
        try fixture.write(bad, to: keyFile)
        let badHex = try #require(expectKeysError(.invalidInput) {
            try fixture.directory.importKey(name: "a", privateKeyFile: keyFile, password: secret("pw"), kdf: Self.light)
        })
        #expect(!badHex.message.contains(String(hex.prefix(16))))
        #expect(badHex.isUsageError)

        try fixture.write(String(repeating: "0", count: 64), to: keyFile)
        let zero = try #require(expectKeysError(.invalidInput) {
            try fixture.directory.importKey(name: "a", privateKeyFile: keyFile, password: secret("pw"), kdf: Self.light)
        })
        #expect(zero.message.contains("does not hold a valid secp256k1 private key"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.path).isEmpty)
    }

    @Test("import refuses a key that a keystore in the directory already holds")
    func importDuplicate() throws {
        let fixture = try KeysFixture.example()
        let keeper = try fixture.directory.loadKey("keeper")
        let keyFile = fixture.root + "/key.hex"
        try fixture.write(keeper.withUnsafeBytes { Hex.encode($0) }, to: keyFile)
        let error = try #require(expectKeysError(.alreadyExists) {
            try fixture.directory.importKey(name: "again", privateKeyFile: keyFile, password: secret("pw"), kdf: Self.light)
        })
        #expect(error.message.contains(fixture.file("keeper.json")))
    }

    @Test("secret bytes: one trailing newline dropped, constant-time comparison, source array zeroed")
    func secretBytes() {
        var source = Array("pass\n".utf8)
        var password = SecretBytes(consuming: &source)
        #expect(source.isEmpty)
        password.dropOneTrailingNewline()
        #expect(password.count == 4)
        password.dropOneTrailingNewline()
        #expect(password.count == 4)
        let same = password.constantTimeEquals(secret("pass"))
        let shorter = password.constantTimeEquals(secret("pas"))
        let differs = password.constantTimeEquals(secret("pasS"))
        #expect(same)
        #expect(!shorter)
        #expect(!differs)
        #expect(password.withUnsafeBytes { Array($0) } == Array("pass".utf8))
    }
}
