import Foundation
import Keeper
import Oracle
import Strategies
import Testing

/// Every path in keeper.toml, the strategies' included, is relative to the config file's
/// directory and comes out absolute, whatever the working directory.
@Suite struct ConfigPathTests {
    static let text = """
        chain_id = 31337

        [rpc]
        endpoints = [{ name = "primary", url = "http://127.0.0.1:8545" }]

        [signer]
        account = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
        socket = "run/signer.sock"

        [database]
        path = "state/keeper.db"

        [contracts.DriftReceiptRegistry]
        address = "0x5FbDB2315678afecb367f032d93F642f64180aa3"

        [strategies.drift]
        kind = "drift-receipts"
        directory = "../monitoring"

        [strategies.drift2]
        kind = "drift-receipts"
        directory = "/srv/monitoring"
        archive = "/var/lib/keeper/receipts.sqlite"
        """

    static func drift(_ config: KeeperConfig, _ name: String) throws -> DriftReceiptsObserver {
        try #require(config.strategies.first { $0.name == name }?.observer as? DriftReceiptsObserver)
    }

    @Test func aConfigGivenByARelativePathResolvesEveryPathAgainstItsDirectory() throws {
        let config = try KeeperConfig.parse(Self.text, path: "conf/keeper.toml", kinds: .of([DriftReceiptsKind.self]))
        let base = FileManager.default.currentDirectoryPath + "/conf"
        #expect(config.database.path == base + "/state/keeper.db")
        #expect(config.signer.socket == base + "/run/signer.sock")
        let drift = try Self.drift(config, "drift")
        // The archive's default, like the database, lives next to the config, not in the working directory.
        #expect(drift.archive.path == base + "/drift-receipts.sqlite")
        #expect(drift.inner.source == .directory(FileManager.default.currentDirectoryPath + "/monitoring"))
        // Absolute paths are kept as written.
        let other = try Self.drift(config, "drift2")
        #expect(other.archive.path == "/var/lib/keeper/receipts.sqlite")
        #expect(other.inner.source == .directory("/srv/monitoring"))
    }

    @Test func aBareFileNameIsInTheWorkingDirectoryAndStillAbsolute() throws {
        let config = try KeeperConfig.parse(Self.text, path: "keeper.toml", kinds: .of([DriftReceiptsKind.self]))
        let cwd = FileManager.default.currentDirectoryPath
        #expect(config.database.path == cwd + "/state/keeper.db")
        #expect(try Self.drift(config, "drift").archive.path == cwd + "/drift-receipts.sqlite")
        #expect(ConfigPath.resolve("a/./b/../c.db", relativeTo: "/etc/keeper/keeper.toml") == "/etc/keeper/a/c.db")
        #expect(ConfigPath.resolve("x.db", relativeTo: nil) == "x.db")
    }
}
