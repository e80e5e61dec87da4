import ArgumentParser

import Foundation

/// `keeper`: the keeper daemon and the tools operators and policy authors use.
///
/// One file per subcommand.
@main
struct KeeperCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keeper",
        abstract: "Keeper bot and oracle for EVM chains; signs nothing itself.",
        subcommands: [RunCommand.self, PlanCommand.self, ConfigCommand.self, ABICommand.self, KeccakCommand.self, ReceiptsCommand.self, AaveCommand.self]
    )

    /// Runs the command line. Bad input of any kind (a malformed value, or arguments that do not
    /// parse) exits with status 2 and a message on stderr, with nothing on stdout.
    static func main() async {
        do {
            var command = try await asyncParseAsRoot(nil)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                exit(withError: ToolExit.badInput)
            }
            exit(withError: error)
        }
    }
}

/// The exit status for bad input: the same for every tool.
enum ToolExit {
    static let badInput = ExitCode(2)
}

/// Writes `text` and a newline to stderr.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
