import ArgumentParser

/// `signer`: the isolated signing service.
@main
struct SignerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signer",
        abstract: "Holds the keys and signs only what an operator-approved policy allows.",
        subcommands: [AuditCommand.self]
    )
}
