import ServiceLogging
import ArgumentParser
import Foundation
import Keeper
import Logging

/// Options `run` and `plan` share.
struct KeeperOptions: ParsableArguments {
    @Option(name: .long, help: "The config file.")
    var config: String = "keeper.toml"

    /// Loads the config (exit 2 with the error when it does not load) and sets up logging.
    func load() throws -> KeeperConfig {
        let loaded: KeeperConfig
        do {
            loaded = try KeeperConfig.load(path: config, kinds: StrategyKinds.all)
        } catch {
            printError("error: \(error)")
            throw ToolExit.badInput
        }
        LoggingSystem.bootstrap(ServiceLogHandler.factory(format: loaded.log.format, level: loaded.log.level), metadataProvider: nil)
        return loaded
    }
}
