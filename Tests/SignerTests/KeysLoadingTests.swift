import EVM
import Foundation
import Testing

@testable import Signer

@Suite("Loading a keys directory")
struct KeysLoadingTests {
    @Test("keys.example/ loads the keeper and operator addresses from its README")
    func loadsKeysExample() throws {
        let fixture = try KeysFixture.example()
        let keys = try fixture.directory.load(logger: quietLogger)
        #expect(keys.addresses.map(\.checksummed).sorted() == [KeysFixture.keeperAddress, KeysFixture.operatorAddress].sorted())
        #expect(Set(keys.entries.map(\.file)) == [fixture.file("keeper.json"), fixture.file("operator.json")])

        // The loaded key signs as its address.
        let keeper = try Address(KeysFixture.keeperAddress)
        let digest = Keccak256.hash(Array("hello".utf8))
        let signature = try #require(try keys.withKey(for: keeper) { try $0.sign(digest: digest) })
        #expect(try Secp256k1.recoverAddress(digest: digest, signature: signature) == keeper)
        #expect(keys.withKey(for: Address.zero) { _ in true } == nil)
    }

    @Test("one trailing newline in a password file is ignored, and only one")
    func trailingNewline() throws {
        let fixture = try KeysFixture.example()
        try fixture.write(KeysFixture.keeperPassword, to: fixture.file("keeper.password"))
        _ = try fixture.directory.loadKey("keeper")
        try fixture.write(KeysFixture.keeperPassword + "\n", to: fixture.file("keeper.password"))
        _ = try fixture.directory.loadKey("keeper")
        try fixture.write(KeysFixture.keeperPassword + "\n\n", to: fixture.file("keeper.password"))
        expectKeysError(.wrongPassword) { try fixture.directory.loadKey("keeper") }
    }

    @Test("a wrong password is an error that names the file, and neither the password nor the key")
    func wrongPassword() throws {
        let fixture = try KeysFixture.example()
        // The real key's bytes, to check that no error or description ever shows them.
        let real = try fixture.directory.loadKey("keeper")
        let keyHex = real.withUnsafeBytes { Hex.encode($0, prefix: false) }

        let wrong = "hunter2-not-the-password"
        try fixture.write(wrong + "\n", to: fixture.file("keeper.password"))
        let error = try #require(expectKeysError(.wrongPassword) { try fixture.directory.load(logger: quietLogger) })
        let texts = [error.message, "\(error)", String(reflecting: error), error.shortDescription, "\(error.cause.map { "\($0)" } ?? "")"]
        for text in texts {
            #expect(!text.contains(wrong))
            #expect(!text.contains(KeysFixture.keeperPassword))
            #expect(!text.lowercased().contains(keyHex))
        }
        #expect(error.message.contains(fixture.file("keeper.json")))
        #expect(error.message.contains(fixture.file("keeper.password")))
        #expect((error.cause as? KeystoreError)?.kind == .wrongPassword)
        #expect(!"\(real)".contains(keyHex))
    }

    @Test("a missing password file says what to create")
    func missingPassword() throws {
        let fixture = try KeysFixture.example()
        try fixture.remove(fixture.file("keeper.password"))
        let error = try #require(expectKeysError(.missingPassword) { try fixture.directory.load(logger: quietLogger) })
        #expect(error.message.contains("create \(fixture.file("keeper.password")) (mode 0600"))
        #expect(error.message.contains("LoadCredential=keeper:"))
    }

    @Test("an empty password file is refused")
    func emptyPassword() throws {
        let fixture = try KeysFixture.example()
        try fixture.write("\n", to: fixture.file("keeper.password"))
        let error = try #require(expectKeysError(.invalidPasswordFile) { try fixture.directory.load(logger: quietLogger) })
        #expect(error.message.contains("empty"))
    }

    @Test("the password comes from $CREDENTIALS_DIRECTORY/NAME when there is no NAME.password")
    func credentialsDirectory() throws {
        let fixture = try KeysFixture.example()
        let credentials = fixture.root + "/credentials"
        try mkdirChecked(credentials, mode: 0o500)
        try chmodChecked(credentials, 0o700)
        try fixture.copy(from: fixture.file("keeper.password"), to: credentials + "/keeper", mode: 0o400)
        try fixture.remove(fixture.file("keeper.password"))

        let directory = KeyStoreDirectory(path: fixture.path, environment: ["CREDENTIALS_DIRECTORY": credentials])
        #expect(directory.credentialsDirectory == credentials)
        #expect(try directory.passwordLocation(forKey: "keeper").source == .credential("keeper"))
        #expect(try directory.passwordLocation(forKey: "operator").source == .file(fixture.file("operator.password")))
        let keys = try directory.load(logger: quietLogger)
        #expect(keys.count == 2)

        // Without the variable there is no password for the keeper.
        expectKeysError(.missingPassword) { try KeyStoreDirectory(path: fixture.path, environment: [:]).load(logger: quietLogger) }

        // Both a file and a credential: refused rather than guessed.
        try fixture.copy(from: credentials + "/keeper", to: fixture.file("keeper.password"))
        let ambiguous = try #require(expectKeysError(.ambiguousPassword) { try directory.load(logger: quietLogger) })
        #expect(ambiguous.message.contains(credentials + "/keeper"))
    }

    @Test("configured password sources: a credential name and a file path")
    func configuredSources() throws {
        let fixture = try KeysFixture.example()
        let credentials = fixture.root + "/credentials"
        try mkdirChecked(credentials, mode: 0o700)
        try fixture.copy(from: fixture.file("keeper.password"), to: credentials + "/keeper-signing-password", mode: 0o400)
        try fixture.copy(from: fixture.file("operator.password"), to: fixture.root + "/operator.pw")
        try fixture.remove(fixture.file("keeper.password"))
        try fixture.remove(fixture.file("operator.password"))

        let directory = KeyStoreDirectory(
            path: fixture.path, credentialsDirectory: credentials,
            passwords: ["keeper": .credential("keeper-signing-password"), "operator": .file(fixture.root + "/operator.pw")])
        #expect(try directory.load(logger: quietLogger).count == 2)

        let noCredentials = KeyStoreDirectory(path: fixture.path, passwords: ["keeper": .credential("keeper-signing-password")])
        let error = try #require(expectKeysError(.missingPassword) { try noCredentials.loadKey("keeper") })
        #expect(error.message.contains("CREDENTIALS_DIRECTORY is not set"))
    }

    @Test("two files holding the same key are refused, naming both")
    func duplicateAddress() throws {
        let fixture = try KeysFixture.example()
        try fixture.copy(from: fixture.file("keeper.json"), to: fixture.file("keeper-copy.json"))
        try fixture.copy(from: fixture.file("keeper.password"), to: fixture.file("keeper-copy.password"))
        let error = try #require(expectKeysError(.duplicateAddress) { try fixture.directory.load(logger: quietLogger) })
        #expect(error.message.contains(fixture.file("keeper.json")))
        #expect(error.message.contains(fixture.file("keeper-copy.json")))
        #expect(error.message.contains(KeysFixture.keeperAddress))
    }

    @Test("corrupt JSON is an error naming the file, with the keystore error as its cause")
    func corruptJSON() throws {
        let fixture = try KeysFixture.example()
        try fixture.write("{\"version\": 3, \"crypto\": ", to: fixture.file("keeper.json"))
        let error = try #require(expectKeysError(.invalidKeystore) { try fixture.directory.load(logger: quietLogger) })
        #expect(error.message.hasPrefix("\(fixture.file("keeper.json")) is not a usable keystore"))
        #expect((error.cause as? KeystoreError)?.kind == .corruptFile)
    }

    @Test("an address field that disagrees with the decrypted key is refused")
    func addressMismatch() throws {
        let fixture = try KeysFixture.example()
        let json = try String(contentsOfFile: fixture.file("keeper.json"), encoding: .utf8)
        let altered = json.replacingOccurrences(
            of: "70997970C51812dc3A010C7d01b50e0d17dc79C8", with: "2Ede0C3A717ce4b92df2484f3ea6a00dDbD95785")
        #expect(altered != json)
        try fixture.write(altered, to: fixture.file("keeper.json"))
        let error = try #require(expectKeysError(.addressMismatch) { try fixture.directory.load(logger: quietLogger) })
        #expect(error.message.contains(KeysFixture.keeperAddress))
        #expect(error.message.contains(KeysFixture.operatorAddress))
    }

    @Test("a directory without keystores is an error; other files and hidden files are ignored")
    func noKeys() throws {
        let fixture = try KeysFixture()
        try fixture.write("notes", to: fixture.file("README.md"))
        try fixture.copy(from: KeysFixture.exampleDirectory + "/keeper.json", to: fixture.file(".keeper.json"))
        let error = try #require(expectKeysError(.noKeys) { try fixture.directory.load(logger: quietLogger) })
        #expect(error.message.contains("signer keys new --dir \(fixture.path)"))
        #expect(try fixture.directory.keyNames().isEmpty)
    }

    @Test("release() drops every key, so each is deinitialised and zeroed")
    func releaseZeroesKeys() throws {
        let fixture = try KeysFixture.example()
        let keys = try fixture.directory.load(logger: quietLogger)
        let keeper = try Address(KeysFixture.keeperAddress)
        weak var weakKey: PrivateKey?
        keys.withKey(for: keeper) { weakKey = $0 }
        #expect(weakKey != nil)

        keys.release()
        #expect(weakKey == nil)
        #expect(keys.isEmpty)
        #expect(keys.addresses.isEmpty)
        #expect(keys.withKey(for: keeper) { _ in true } == nil)
        // The entries (addresses and files, no secrets) stay for status output.
        #expect(keys.entries.count == 2)
        #expect(!"\(keys)".isEmpty)
        keys.release()  // idempotent
    }
}
