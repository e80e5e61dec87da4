import ArgumentParser
import Keeper

/// `keeper config check FILE`.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check keeper.toml.",
        subcommands: [Check.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Read and check a config file; print a summary (exit 0) or the error (exit 2).",
            discussion: """
                Every error names the file, the line and the key, and says what is expected.
                The summary lists the RPC endpoints (by name and host: URLs may hold API keys),
                contracts and strategies. Nothing is contacted.
                """
        )

        @Argument(help: "The config file (keeper.toml).")
        var file: String

        func run() async throws {
            do {
                let config = try KeeperConfig.load(path: file, kinds: StrategyKinds.all)
                print(config.summary, terminator: "")
            } catch {
                printError("error: \(error)")
                throw ToolExit.badInput
            }
        }
    }
}
