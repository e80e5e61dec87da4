import EVM
import Foundation
import Signer
import TOML
import Testing

@Suite struct SignerConfigTests {
    static let valid = """
        [socket]
        path = "run/signer.sock"
        mode = "0660"
        group = "keeper"
        allowed_uids = [1000]
        max_connections = 16
        idle_timeout = "30s"

        [keys]
        dir = "keys"
        [keys.passwords]
        keeper = "credential:keeper-password"

        [policy]
        file = "policies/demo.toml"

        [approval]
        operators = ["0x2Ede0C3A717ce4b92df2484f3ea6a00dDbD95785"]
        threshold = 1

        [database]
        path = "/var/lib/keeper-signer/signer.db"

        [log]
        format = "json"
        """

    @Test func readsEveryKeyAndResolvesRelativePaths() throws {
        let config = try SignerConfig(table: try TOML.parse(Self.valid, file: "/etc/keeper-signer/signer.toml"), file: "/etc/keeper-signer/signer.toml")
        #expect(config.socket.path == "/etc/keeper-signer/run/signer.sock")
        #expect(config.socket.mode == 0o660)
        #expect(config.socket.group == "keeper")
        #expect(config.socket.allowedUIDs == [1000])
        #expect(config.socket.maxConnections == 16)
        #expect(config.socket.idleTimeout == .seconds(30))
        #expect(config.socket.readTimeout == .seconds(5))
        #expect(config.keys.directory == "/etc/keeper-signer/keys")
        #expect(config.keys.passwords["keeper"] == .credential("keeper-password"))
        #expect(config.policyFile == "/etc/keeper-signer/policies/demo.toml")
        #expect(config.approval.operators == [try Address("0x2Ede0C3A717ce4b92df2484f3ea6a00dDbD95785")])
        #expect(config.approval.threshold == 1)
        #expect(config.databasePath == "/var/lib/keeper-signer/signer.db")
        #expect(config.commitTimeout == .seconds(2))
        #expect(config.logFormat == "json")
        let text = Self.valid.replacingOccurrences(of: "[database]\n", with: "[database]\ncommit_timeout = \"250ms\"\n")
        #expect(try SignerConfig(table: try TOML.parse(text, file: "signer.toml"), file: "signer.toml").commitTimeout == .milliseconds(250))
    }

    @Test(arguments: [
        ("threshold = 1", "threshold = 2", 19, "threshold"),
        ("mode = \"0660\"", "mode = \"rw\"", 3, "mode"),
        ("idle_timeout = \"30s\"", "idle_timeout = \"soon\"", 7, "idle_timeout"),
        ("format = \"json\"", "format = \"xml\"", 25, "format"),
        ("[database]", "[database]\ncolour = \"red\"", 22, "colour"),
        ("[database]", "[database]\ncommit_timeout = \"0s\"", 22, "commit_timeout"),
        ("[database]", "[database]\ncommit_timeout = \"2m\"", 22, "commit_timeout"),
        ("keeper = \"credential:keeper-password\"", "keeper = \"env:PASSWORD\"", 12, "keeper"),
        ("operators = [\"0x2Ede0C3A717ce4b92df2484f3ea6a00dDbD95785\"]", "operators = [\"0x2ede0C3A717ce4b92df2484f3ea6a00dDbD95785\"]", 18, "operators"),
    ])
    func errorsNameTheLineAndKey(original: String, replacement: String, line: Int, key: String) throws {
        let text = Self.valid.replacingOccurrences(of: original, with: replacement)
        let error = #expect(throws: TOMLError.self) {
            try SignerConfig(table: try TOML.parse(text, file: "signer.toml"), file: "signer.toml")
        }
        #expect(error?.line == line)
        #expect(error?.description.contains(key) == true)
    }

    @Test func missingSectionsAreErrors() throws {
        let text = Self.valid.replacingOccurrences(of: "[policy]\nfile = \"policies/demo.toml\"\n", with: "")
        let error = #expect(throws: TOMLError.self) {
            try SignerConfig(table: try TOML.parse(text, file: "signer.toml"), file: "signer.toml")
        }
        #expect(error?.description.contains("policy") == true)
    }
}
