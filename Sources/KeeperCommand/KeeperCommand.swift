import ArgumentParser

/// `keeper`: the keeper daemon and the tools operators and policy authors use.
@main
struct KeeperCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keeper",
        abstract: "Keeper bot and oracle for EVM chains; signs nothing itself."
    )
}
