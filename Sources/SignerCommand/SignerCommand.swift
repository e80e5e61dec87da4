import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// `signer`: the isolated signing service.
///
/// Each subcommand group lives in its own file (`KeysCommand.swift`, ...); to add one, write its
/// file and add it to ``subcommands``.
@main
struct SignerCommand: AsyncParsableCommand {
    /// The subcommand groups, in the order `--help` lists them.
    static let subcommands: [any ParsableCommand.Type] = [
        KeysCommand.self,
        PolicyCommand.self,
        AuditCommand.self,
    ]

    static let configuration = CommandConfiguration(
        commandName: "signer",
        abstract: "Holds the keys and signs only what an operator-approved policy allows.",
        discussion: """
            Exit status: 0 on success, 1 on failure, 2 on bad input (an unknown option, a \
            missing argument, an invalid name or key file).
            """,
        subcommands: subcommands
    )

    /// Parses and runs the command, mapping errors to the exit statuses in the help: 2 for bad
    /// input, 1 for failures, 0 for `--help`.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            fail(error)
        }
    }

    /// Prints `error` to standard error and exits with its status.
    static func fail(_ error: any Error) -> Never {
        if let failure = error as? any CommandFailure {
            printToStandardError("Error: \(failure.commandMessage)")
            Glibc.exit(failure.exitStatus)
        }
        if exitCode(for: error) == .validationFailure {
            printToStandardError(fullMessage(for: error))
            Glibc.exit(2)
        }
        exit(withError: error)
    }
}

/// An error that knows its exit status and its one-line message (library errors conform in the
/// file of the subcommand group that throws them).
protocol CommandFailure: Error {
    /// 2 for bad input, 1 for a failure.
    var exitStatus: Int32 { get }
    /// What went wrong and what to do.
    var commandMessage: String { get }
}

/// Writes `text` and a newline to standard error (unbuffered, so it is ordered with the exit).
func printToStandardError(_ text: String) {
    let line = Array((text + "\n").utf8)
    var offset = 0
    while offset < line.count {
        let n = line.withUnsafeBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
        if n <= 0 { break }
        offset += n
    }
}
