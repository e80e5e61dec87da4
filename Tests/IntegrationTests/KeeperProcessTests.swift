import DevnetTestKit
import Foundation
import ProcessTestKit
import Testing

/// The built `keeper` executable as operators run it.
@Suite(.serialized) struct KeeperProcessTests {
    /// `keeper`, next to the test bundle (`.build/<config>/`).
    static func keeperBinary() throws -> URL { URL(fileURLWithPath: try BuiltExecutable.path("keeper")) }

    /// Runs `keeper` with `arguments` to completion, off the cooperative pool.
    static func run(_ arguments: [String]) async throws -> (status: Int32, out: String, err: String) {
        let result = try await ChildProcess.run(try keeperBinary().path, arguments)
        return (result.status, result.stdout, result.stderr)
    }

    static func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keeper-\(UUID().uuidString).toml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func config(url: String) -> String {
        """
        chain_id = 31337

        [rpc]
        endpoints = [{ name = "devnet", url = "\(url)" }]

        [signer]
        account = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"

        [database]
        path = "keeper.db"

        [http]
        enabled = false
        """
    }

    @Test func configCheckPrintsASummary() async throws {
        let path = try Self.write(Self.config(url: "http://127.0.0.1:8545/"))
        let result = try await Self.run(["config", "check", path])
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.hasPrefix("\(path): ok\n"))
        #expect(result.out.contains("rpc           devnet (127.0.0.1)"))
        #expect(result.out.contains("strategies    none"))
    }

    @Test func configCheckNamesTheLineAndExits2() async throws {
        let path = try Self.write(Self.config(url: "http://127.0.0.1:8545/") + "\n\n[fees]\nbump_percent = 5\n")
        let result = try await Self.run(["config", "check", path])
        #expect(result.status == 2)
        #expect(result.out.isEmpty)
        #expect(result.err.contains("\(path):16: key 'fees.bump_percent'"), "\(result.err)")
    }

    @Test func planRunsOneDryRunTickAndExits() async throws {
        let devnet = try await Devnet.start(scenario: "contracts")
        let path = try Self.write(Self.config(url: devnet.url.absoluteString))
        let result = try await Self.run(["plan", "--config", path])
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.hasPrefix("block "))
        #expect(result.out.contains(": nothing to do"))
        let json = try await Self.run(["plan", "--config", path, "--json"])
        #expect(json.status == 0)
        #expect(json.out.isEmpty)
        // Dry-run writes no database.
        let db = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("keeper.db").path
        #expect(!FileManager.default.fileExists(atPath: db))
    }
}
