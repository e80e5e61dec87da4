import EVM
import Foundation
import ProcessTestKit
import Testing

@testable import Signer

/// The built `signer` binary, run as a child process.
@Suite("signer keys, the real binary")
struct KeysCommandTests {
    /// The `signer` executable beside the test bundle in the build directory.
    static func signerBinary() throws -> String {
        let testBinary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let path = URL(fileURLWithPath: testBinary).deletingLastPathComponent().appendingPathComponent("signer").path
        try #require(
            FileManager.default.isExecutableFile(atPath: path),
            "no signer binary at \(path): build it with 'swift build' (swift test builds it too)")
        return path
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `signer ARGS` under `umask 000` (to show that modes do not depend on the umask),
    /// with standard input from /dev/null, off the cooperative pool.
    static func signer(_ arguments: [String]) async throws -> Output {
        let run = try await ChildProcess.run("/bin/sh", ["-c", "umask 000; exec \"$0\" \"$@\"", try signerBinary()] + arguments)
        return Output(status: run.status, stdout: run.stdout, stderr: run.stderr)
    }

    @Test("keys new with a password file, then keys list; exit statuses 0, 2 and 1")
    func newThenList() async throws {
        let fixture = try KeysFixture()
        let dir = fixture.root + "/made"
        let passwordFile = fixture.root + "/hot.password"
        try fixture.write("a long and public test password\n", to: passwordFile)

        let created = try await Self.signer(["keys", "new", "--dir", dir, "--name", "hot", "--password-file", passwordFile, "--light"])
        #expect(created.status == 0, "\(created.stderr)")
        let printed = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let address = try Address(printed)
        #expect(printed == address.checksummed)
        #expect(created.stderr.contains("wrote \(dir)/hot.json (mode 0600"))
        #expect(try fixture.mode(of: dir + "/hot.json") == 0o600)
        #expect(try fixture.mode(of: dir) == 0o700)

        // list: refused until the password is beside the key (or a credential).
        var listed = try await Self.signer(["keys", "list", "--dir", dir])
        #expect(listed.status == 1)
        #expect(listed.stdout.contains("\(address.checksummed)  \(dir)/hot.json"))
        #expect(listed.stdout.contains("no password for \(dir)/hot.json"))

        try fixture.copy(from: passwordFile, to: dir + "/hot.password")
        listed = try await Self.signer(["keys", "list", "--dir", dir])
        #expect(listed.status == 0, "\(listed.stdout)")
        #expect(listed.stdout == "\(address.checksummed)  \(dir)/hot.json  password file \(dir)/hot.password  ok\n")

        // The library loads what the binary wrote.
        #expect(try KeyStoreDirectory(path: dir).load(logger: quietLogger).addresses == [address])

        // Bad input: an existing name, an invalid name, a missing option: status 2.
        let again = try await Self.signer(["keys", "new", "--dir", dir, "--name", "hot", "--password-file", passwordFile, "--light"])
        #expect(again.status == 2)
        #expect(again.stderr.contains("already exists"))
        #expect(try await Self.signer(["keys", "new", "--dir", dir, "--name", "../x", "--password-file", passwordFile]).status == 2)
        #expect(try await Self.signer(["keys", "new", "--dir", dir]).status == 2)
        #expect(try await Self.signer(["keys", "frobnicate"]).status == 2)

        // A failure: an unreadable-by-policy file: status 1 with the fix.
        try chmodChecked(dir + "/hot.json", 0o644)
        listed = try await Self.signer(["keys", "list", "--dir", dir])
        #expect(listed.status == 1)
        #expect(listed.stdout.contains("run: chmod 600 \(dir)/hot.json"))
        try chmodChecked(passwordFile, 0o640)
        let insecurePassword = try await Self.signer(["keys", "new", "--dir", dir, "--name", "other", "--password-file", passwordFile])
        #expect(insecurePassword.status == 1)
        #expect(insecurePassword.stderr.contains("run: chmod 600 \(passwordFile)"))
        // Nothing secret on either stream.
        for output in [created, listed, insecurePassword] {
            #expect(!output.stdout.contains("public test password"))
            #expect(!output.stderr.contains("public test password"))
        }
    }

    @Test("keys import from a 0600 hex file")
    func importKey() async throws {
        let fixture = try KeysFixture()
        let hex = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
        let expected = try PrivateKey(bytes: Hex.decode(hex)).address
        try fixture.write("0x" + hex + "\n", to: fixture.root + "/key.hex")
        try fixture.write("pw\n", to: fixture.file("imported.password"))
        let imported = try await Self.signer([
            "keys", "import", "--dir", fixture.path, "--name", "imported", "--private-key-file", fixture.root + "/key.hex",
            "--password-file", fixture.file("imported.password"), "--light",
        ])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout == expected.checksummed + "\n")
        #expect(!imported.stdout.contains(hex) && !imported.stderr.contains(hex))
        #expect(try fixture.directory.loadKey("imported").address == expected)
    }

    @Test("--help explains with examples and exits 0")
    func help() async throws {
        for command in [["--help"], ["keys", "--help"], ["keys", "new", "--help"], ["keys", "import", "--help"], ["keys", "list", "--help"]] {
            let output = try await Self.signer(command)
            #expect(output.status == 0, "\(command)")
            #expect(output.stdout.contains("USAGE: signer"), "\(command)")
        }
        #expect(try await Self.signer(["keys", "new", "--help"]).stdout.contains("Examples:"))
        #expect(try await Self.signer(["keys", "--help"]).stdout.contains("signer keys list --dir"))
    }
}
