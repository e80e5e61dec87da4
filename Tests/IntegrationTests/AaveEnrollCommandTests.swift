import EVM
import Foundation
import Keeper
import Oracle
import ProcessTestKit
import Testing

/// `keeper aave enroll|unenroll|list`, run as the built executable: the database it writes is
/// the one the config names (relative to the config file), and bad input exits 2 naming the
/// argument.
@Suite struct AaveEnrollCommandTests {
    static let user = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
    static let configUser = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"

    /// A directory with keeper.toml (aave strategy `aave`, database_users as given) and the
    /// database at `state/keeper.db` beside it.
    struct Fixture {
        let directory: URL
        var config: String { directory.appendingPathComponent("keeper.toml").path }
        var database: String { directory.appendingPathComponent("state/keeper.db").path }

        init(databaseUsers: Bool = true) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("aave-enroll-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let text = """
                chain_id = 31337
                [rpc]
                endpoints = [{ name = "devnet", url = "http://127.0.0.1:1/" }]
                [signer]
                account = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
                [database]
                path = "state/keeper.db"
                [contracts.Pool]
                address = "0x0000000000000000000000000000000000000b0b"
                [contracts.FlashLoanOrchestrator]
                address = "0x0000000000000000000000000000000000000aaa"
                [contracts.PriceOracle]
                address = "0x0000000000000000000000000000000000000ccc"
                [contracts.WETH]
                address = "0x00000000000000000000000000000000000000e1"
                [contracts.USDC]
                address = "0x00000000000000000000000000000000000000e2"
                [strategies.aave]
                kind = "aave-protection"
                database_users = \(databaseUsers)
                [[strategies.aave.users]]
                address = "\(AaveEnrollCommandTests.configUser)"
                target_health_factor = "1.40"
                """
            try Data(text.utf8).write(to: URL(fileURLWithPath: config))
        }

        func keeper(_ arguments: [String]) async throws -> ChildProcess.Output {
            try await ChildProcess.run(try KeeperProcessTests.keeperBinary().path, arguments)
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    @Test func helpExplainsTheCommands() async throws {
        let f = try Fixture()
        defer { f.remove() }
        let help = try await f.keeper(["aave", "--help"])
        #expect(help.status == 0)
        for text in ["enroll", "unenroll", "list", "database_users = true", "config file wins", "exits 2"] {
            #expect(help.stdout.contains(text), "missing '\(text)' in:\n\(help.stdout)")
        }
        let enroll = try await f.keeper(["aave", "enroll", "--help"])
        #expect(enroll.status == 0)
        for text in ["--trigger", "--target", "--collateral", "--debt", "--slippage-bps", "--strategy", "--config"] {
            #expect(enroll.stdout.contains(text), "missing '\(text)' in:\n\(enroll.stdout)")
        }
    }

    @Test func enrollListAndUnenrollThroughTheConfigsDatabase() async throws {
        let f = try Fixture()
        defer { f.remove() }
        let enrolled = try await f.keeper([
            "aave", "enroll", "--config", f.config, Self.user, "--trigger", "1.2", "--target", "1.5", "--collateral", "WETH",
            "--debt", "0x00000000000000000000000000000000000000e2", "--slippage-bps", "50",
        ])
        #expect(enrolled.status == 0, "\(enrolled.stderr)")
        #expect(enrolled.stdout == "enrolled for aave: \(Self.user) trigger 1.20, target 1.50, collateral WETH, debt USDC, slippage 50 bps\n")
        // The database the config names, next to the config (not in the working directory).
        let stored = try AaveEnrollmentStore(path: f.database).enrollments(strategy: "aave")
        #expect(stored == [AaveEnrollment(
            address: try Address(Self.user), triggerHealthFactor: U256(1_200_000_000_000_000_000),
            targetHealthFactor: U256(1_500_000_000_000_000_000), collateralAsset: Address(word: U256(0xe1)),
            debtAsset: Address(word: U256(0xe2)), slippageBps: 50)])

        let again = try await f.keeper(["aave", "enroll", "--config", f.config, Self.user])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout == "updated for aave: \(Self.user) trigger 1.10 (default), target 1.30 (default), collateral largest, debt largest, slippage 30 bps (default)\n")

        let list = try await f.keeper(["aave", "list", "--config", f.config])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.hasPrefix("strategy aave: defaults trigger 1.10, target 1.30, slippage 30 bps; database users are watched (database_users = true)\n"))
        #expect(list.stdout.contains("config    \(Self.configUser) trigger 1.10 (default), target 1.40,"))
        #expect(list.stdout.contains("database  \(Self.user) trigger 1.10 (default)"))
        let json = try await f.keeper(["aave", "list", "--config", f.config, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let objects = try json.stdout.split(separator: "\n").map { try JSONValue.parse(Array($0.utf8)) }
        #expect(objects.map { $0["source"]?.stringValue } == ["config", "database"])
        let fromDatabase = try #require(objects.last)
        #expect(fromDatabase["address"]?.stringValue == Self.user)
        #expect(fromDatabase["trigger_health_factor"]?.stringValue == "1.10")
        #expect(fromDatabase["target_health_factor"]?.stringValue == "1.30")
        #expect(fromDatabase["collateral"] == .null)
        #expect(fromDatabase["slippage_bps"] == .number("30"))
        #expect(fromDatabase["watched"] == .bool(true))
        #expect(fromDatabase["config_wins"] == .bool(false))
        #expect(objects.first?["target_health_factor"]?.stringValue == "1.40")

        let removed = try await f.keeper(["aave", "unenroll", "--config", f.config, Self.user])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(removed.stdout == "unenrolled \(Self.user) from aave\n")
        #expect(try AaveEnrollmentStore(path: f.database).enrollments(strategy: "aave").isEmpty)
        let twice = try await f.keeper(["aave", "unenroll", "--config", f.config, Self.user])
        #expect(twice.status == 2)
        #expect(twice.stderr.contains("error: <address> \(Self.user): not enrolled in the database for aave"), "\(twice.stderr)")
        let configOnly = try await f.keeper(["aave", "unenroll", "--config", f.config, Self.configUser])
        #expect(configOnly.status == 2)
        #expect(configOnly.stderr.contains("enrolled in the config ([[strategies.aave.users]]"), "\(configOnly.stderr)")

        // Enrolling a user the config enrolls too works, with a note that the config wins.
        let both = try await f.keeper(["aave", "enroll", "--config", f.config, Self.configUser, "--target", "1.6"])
        #expect(both.status == 0)
        #expect(both.stderr.contains("note: the config also enrolls \(Self.configUser) for aave; its settings win"), "\(both.stderr)")
    }

    @Test(arguments: [
        (["nope"], "<address> 'nope' is not an address"),
        ([user, "--target", "1.05"], "--target 1.05: must be above the trigger 1.10 (the strategy's trigger_health_factor)"),
        ([user, "--trigger", "1.4"], "--trigger 1.4: must be below the target 1.30"),
        ([user, "--trigger", "0.9", "--target", "1.2"], "--trigger 0.9: must be at least 1.0"),
        ([user, "--trigger", "1,2"], "--trigger '1,2': not a health factor"),
        ([user, "--collateral", "WBTC"], "--collateral 'WBTC': names no contract in [contracts]"),
        ([user, "--collateral", "WETH", "--debt", "WETH"], "--debt WETH: the same asset as --collateral"),
        ([user, "--slippage-bps", "10000"], "--slippage-bps 10000: expected 0 to 9999"),
        ([user, "--slippage-bps", "lots"], "--slippage-bps"),
        ([user, "--strategy", "other"], "--strategy 'other': no aave-protection strategy of that name"),
        ([], "Missing expected argument '<address>'"),
    ])
    func badInputExits2NamingTheArgument(arguments: [String], message: String) async throws {
        let f = try Fixture()
        defer { f.remove() }
        let result = try await f.keeper(["aave", "enroll", "--config", f.config] + arguments)
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        // Nothing was written.
        #expect(try AaveEnrollmentStore(path: f.database).enrollments(strategy: "aave").isEmpty)
    }

    @Test func aStrategyThatDoesNotReadTheDatabaseRefusesEnrollment() async throws {
        let f = try Fixture(databaseUsers: false)
        defer { f.remove() }
        let result = try await f.keeper(["aave", "enroll", "--config", f.config, Self.user])
        #expect(result.status == 2)
        #expect(result.stderr.contains("set database_users = true in [strategies.aave]"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: f.database))
        let missing = try await f.keeper(["aave", "list", "--config", f.directory.appendingPathComponent("absent.toml").path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("error: --config:"), "\(missing.stderr)")
    }
}
