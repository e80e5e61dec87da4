import ArgumentParser
import EVM
import Foundation
import Keeper
import Oracle
import Strategies

/// `keeper aave enroll|unenroll|list`: users protected by an aave-protection strategy, kept in
/// the keeper's database.
struct AaveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aave",
        abstract: "Enroll users for Aave health-factor protection in the keeper's database.",
        discussion: """
            Users are enrolled in keeper.toml ([[strategies.NAME.users]]) or in the
            keeper's database ([database] path) with these commands. A strategy
            watches database users only with database_users = true in its table;
            the running keeper reads them at every tick, so no reload is needed.
            A user enrolled in both is watched with the config's settings: the
            config file wins.

            Settings not given take the strategy's defaults (trigger_health_factor,
            target_health_factor, slippage_bps; the largest collateral and debt by
            value). Enrolling a user again replaces all of their settings.

            Bad input exits 2 with a message naming the argument.
            """,
        subcommands: [Enroll.self, Unenroll.self, List.self]
    )

    /// Options every subcommand takes.
    struct Common: ParsableArguments {
        @Option(name: .long, help: "The keeper's config file (its [database] path and the strategy).")
        var config: String = "keeper.toml"

        @Option(name: .long, help: "The aave-protection strategy (its [strategies.NAME]); needed when there are several.")
        var strategy: String?

        /// The strategy, or exit 2 with the error.
        func target() throws -> AaveEnrollTool.Target {
            let loaded: KeeperConfig
            do {
                loaded = try KeeperConfig.load(path: config, kinds: StrategyKinds.all)
            } catch {
                printError("error: --config: \(error)")
                throw ToolExit.badInput
            }
            return try toolStep { () throws(ToolError) in try AaveEnrollTool.target(config: loaded, strategy: strategy) }
        }
    }

    struct Enroll: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "enroll",
            abstract: "Enroll a user (or replace their settings).",
            discussion: """
                Health factors are decimals (1.20). The target must be above the
                trigger and the trigger at least 1.0, counting the strategy's
                defaults for what is not given. Assets are [contracts] names or 0x
                addresses.

                Example:
                  keeper aave enroll --config /etc/keeper/keeper.toml \\
                    0x90F79bf6EB2c4f870365E785982E1f101E93b906 \\
                    --trigger 1.20 --target 1.50 --collateral WETH --debt USDC \\
                    --slippage-bps 50
                """
        )

        @OptionGroup var common: Common

        @Argument(help: "The user's address (0x and 40 hex digits).")
        var address: String

        @Option(name: .long, help: "Act when the health factor is below this (default: the strategy's trigger_health_factor).")
        var trigger: String?

        @Option(name: .long, help: "Bring the health factor to at least this (default: the strategy's target_health_factor).")
        var target: String?

        @Option(name: .long, help: "The collateral to withdraw and swap (default: the user's largest).")
        var collateral: String?

        @Option(name: .long, help: "The debt to repay (default: the user's largest).")
        var debt: String?

        @Option(name: .customLong("slippage-bps"), help: "The most swap slippage accepted, 0-9999 bps (default: the strategy's slippage_bps).")
        var slippageBps: Int?

        func run() throws {
            let strategy = try common.target()
            let enrollment = try toolStep { () throws(ToolError) in
                try AaveEnrollTool.enrollment(
                    address: address, trigger: trigger, target: target, collateral: collateral, debt: debt,
                    slippageBps: slippageBps, for: strategy)
            }
            guard strategy.config.databaseUsers else {
                printError("error: --strategy \(strategy.name): this strategy does not watch users enrolled in the database; set database_users = true in [strategies.\(strategy.name)] of '\(strategy.configPath)' (and reload the keeper) first")
                throw ToolExit.badInput
            }
            let created: Bool
            do {
                created = try strategy.store.enroll(enrollment, strategy: strategy.name, now: UInt64(Date().timeIntervalSince1970))
            } catch {
                printError("error: \(error)")
                throw ExitCode.failure
            }
            print("\(created ? "enrolled" : "updated") for \(strategy.name): \(AaveEnrollTool.describe(enrollment, strategy))")
            if AaveEnrollTool.configEnrolls(enrollment.address, strategy) {
                printError("note: the config also enrolls \(enrollment.address.checksummed) for \(strategy.name); its settings win while it does")
            }
        }
    }

    struct Unenroll: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unenroll",
            abstract: "Remove a user's enrollment from the database.",
            discussion: """
                The running keeper stops watching the user at its next tick, unless
                the config enrolls them too or the subgraph discovers them (users
                with debt).
                """
        )

        @OptionGroup var common: Common

        @Argument(help: "The user's address.")
        var address: String

        func run() throws {
            let strategy = try common.target()
            let user = try toolStep { () throws(ToolError) in try AaveEnrollTool.address(address, argument: "<address>") }
            let removed: Bool
            do {
                removed = try strategy.store.unenroll(user, strategy: strategy.name)
            } catch {
                printError("error: \(error)")
                throw ExitCode.failure
            }
            let inConfig = AaveEnrollTool.configEnrolls(user, strategy)
            guard removed else {
                let why = inConfig
                    ? "enrolled in the config ([[strategies.\(strategy.name).users]] of '\(strategy.configPath)'), not in the database; remove it there and reload"
                    : "not enrolled in the database for \(strategy.name); nothing to remove ('keeper aave list' shows who is)"
                printError("error: <address> \(user.checksummed): \(why)")
                throw ToolExit.badInput
            }
            print("unenrolled \(user.checksummed) from \(strategy.name)")
            if inConfig {
                printError("note: the config still enrolls \(user.checksummed) for \(strategy.name)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the strategy's enrolled users: the config's and the database's."
        )

        @OptionGroup var common: Common

        @Flag(name: .long, help: "One JSON object a line, a user each: source (config or database), address, the applied trigger_health_factor, target_health_factor, collateral, debt (null: the largest), slippage_bps, watched, config_wins.")
        var json = false

        func run() throws {
            let strategy = try common.target()
            let json = self.json
            print(try toolStep { () throws(ToolError) in
                try json ? AaveEnrollTool.listJSON(strategy) : AaveEnrollTool.list(strategy)
            }, terminator: "")
        }
    }
}

/// Runs a tool step; its ToolError is printed as `error: ...` and the command exits 2.
func toolStep<T>(_ body: () throws(ToolError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        printError("error: \(error.message)")
        throw ToolExit.badInput
    }
}
