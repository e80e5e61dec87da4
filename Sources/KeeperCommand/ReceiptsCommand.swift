import ArgumentParser
import Foundation
import Keeper

/// `keeper receipts export --config FILE [--model M] [--strategy NAME] [--out DIR]`.
struct ReceiptsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipts",
        abstract: "Drift receipts the keeper computed and archived.",
        subcommands: [ReceiptsExportCommand.self]
    )
}

struct ReceiptsExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write archived drift receipts as canonical JSON, so anyone can recompute their hashes.",
        discussion: """
            Without --out, prints one receipt per line (JSON Lines), byte for byte as hashed.
            With --out DIR, writes <model>-<periodEnd>-<hash>.json (exact bytes, no newline)
            and its .inputs.json, and prints one summary line per receipt.

            The Keccak-256 of a receipt's bytes is the hash registered on chain:
              keeper keccak "$(cat DIR/fraud-v1-1700006400-1a2b3c4d.json)"
              keeper keccak 0x$(xxd -p -c0 DIR/fraud-v1-1700006400-1a2b3c4d.json)
            """
    )

    @Option(name: .long, help: "The keeper's config file (keeper.toml).")
    var config: String

    @Option(name: .long, help: "Only this model (its name, such as fraud-v1).")
    var model: String?

    @Option(name: .long, help: "Only the drift-receipts strategy with this name.")
    var strategy: String?

    @Option(name: .long, help: "Write one file per receipt into this directory.")
    var out: String?

    func run() throws {
        do throws(ToolError) {
            let records = try ReceiptsTool.records(configPath: config, model: model, strategy: strategy)
            if let out {
                let files = try ReceiptsTool.write(records, to: out)
                for (record, file) in zip(records, files) { print(ReceiptsTool.summary(record, file: file)) }
            } else {
                for record in records { print(ReceiptsTool.line(record)) }
            }
        } catch {
            printError("error: \(error.message)")
            throw ToolExit.badInput
        }
    }
}
