import ArgumentParser
import EVM
import Foundation
import Signer

#if canImport(Glibc)
import Glibc
#endif

/// `signer policy check|message|approve|add-approval|status`: test a policy, and approve it.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Test a policy file against a transaction, and approve it as an operator.",
        discussion: """
            The signer signs only under a policy whose current bytes carry approvals from at \
            least M distinct operators (threshold M, from the [approval] table of the signer's \
            config, or --operator and --threshold). An approval is an EIP-191 personal message \
            naming the file, its sha256 and its chain id; approvals are kept beside the policy in \
            FILE.approvals.json. Any edit to the file voids them.

            Examples:
              signer policy check policies/demo.toml --tx tx.json
              signer policy message policies/demo.toml
              signer policy approve policies/demo.toml --keystore operator.json --config signer.toml
              cast wallet sign --keystore operator.json "$(signer policy message policies/demo.toml)"
              signer policy add-approval policies/demo.toml --signature 0x... --config signer.toml
              signer policy status policies/demo.toml --config signer.toml
            """,
        subcommands: [Check.self, Message.self, Approve.self, AddApproval.self, Status.self]
    )
}

extension PolicyError: CommandFailure {
    /// A policy or transaction file that does not load is bad input.
    var exitStatus: Int32 { 2 }
    var commandMessage: String { description }
}

extension ApprovalError: CommandFailure {
    var exitStatus: Int32 {
        switch kind {
        case .invalidPolicy, .invalidRequirement, .invalidSignature: 2
        case .notApproved, .unlistedOperator, .malformedApprovals, .io, .keystore: 1
        }
    }
    var commandMessage: String { message }
}

/// Who must approve: `--config signer.toml` (its `[approval]` table), or `--operator` (repeated)
/// and `--threshold`.
struct ApprovalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("The signer's config file (signer.toml, checked whole as 'signer serve' reads it); its [approval] table lists the operators and the threshold.", valueName: "file"))
    var config: String?

    @Option(
        name: .customLong("operator"),
        help: ArgumentHelp("An operator's address (repeat for each operator); instead of --config.", valueName: "0x..."))
    var operators: [String] = []

    @Option(name: .long, help: ArgumentHelp("How many distinct operators must approve (with --operator).", valueName: "M"))
    var threshold: Int?

    func validate() throws {
        if config != nil {
            guard operators.isEmpty, threshold == nil else {
                throw ValidationError("give either --config or --operator and --threshold, not both")
            }
            return
        }
        guard !operators.isEmpty, threshold != nil else {
            throw ValidationError("give the operators: --config signer.toml (its [approval] table), or --operator 0x... (repeated) and --threshold M")
        }
        for text in operators {
            guard (try? Address(text)) != nil else {
                throw ValidationError("--operator '\(text)' is not an address; write 0x and 40 hex digits (mixed case must be a valid EIP-55 checksum)")
            }
        }
    }

    /// The requirement, from the config file or the options.
    func requirement() throws(ApprovalError) -> ApprovalRequirement {
        if let config {
            return try ApprovalRequirement.load(configPath: config)
        }
        return try ApprovalRequirement(operators: operators.compactMap { try? Address($0) }, threshold: threshold ?? 0)
    }
}

/// The output of `approve` and `add-approval`: what was recorded, then the status.
private func report(_ approval: PolicyApproval, policyPath: String, requirement: ApprovalRequirement) throws(ApprovalError) {
    print("recorded the approval of \(approval.operatorAddress.checksummed) for sha256 \(approval.sha256) (chain_id \(approval.chainId)) in \(PolicyApprovals.path(forPolicy: policyPath))")
    print(try PolicyTool.status(policyPath: policyPath, requirement: requirement).description)
}

extension PolicyCommand {
    /// `signer policy check`.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Decide a transaction against a policy file and print the rule that decided; sign nothing.",
            discussion: """
                Prints one line: 'allow: CONTRACT (ADDRESS) FUNCTION' or 'refuse [RULE]: REASON'. \
                Budgets start empty and no nonce was signed before. The policy does not need to \
                be approved, so a policy can be tested before anyone approves it.

                tx.json holds the first parameter of account_signTransaction: from, to, gas, \
                maxFeePerGas and maxPriorityFeePerGas (or gasPrice), value, data (or input), \
                nonce, chainId, type, accessList; quantities as 0x hex.

                Exit status: 0 allowed, 1 refused, 2 bad input (a policy or tx.json that does not \
                load, a bad option).

                Examples:
                  signer policy check policies/demo.toml --tx tx.json
                  signer policy check policies/demo.toml --tx tx.json --from 0x70997970C51812dc3A010C7d01b50e0d17dc79C8
                  signer policy check policies/demo.toml --tx tx.json --method-signature 'resolve(uint256,bool)'
                """
        )

        @Argument(help: ArgumentHelp("The policy file.", valueName: "file"))
        var file: String

        @Option(name: .long, help: ArgumentHelp("The transaction, as JSON.", valueName: "tx.json"))
        var tx: String

        @Option(name: .long, help: ArgumentHelp("The signing account, instead of the JSON's from.", valueName: "0x..."))
        var from: String?

        @Option(
            name: .long,
            help: ArgumentHelp("The method signature the caller claims the calldata calls (account_signTransaction's second parameter).", valueName: "sig"))
        var methodSignature: String?

        func validate() throws {
            if let from, (try? Address(from)) == nil {
                throw ValidationError("--from '\(from)' is not an address; write 0x and 40 hex digits (mixed case must be a valid EIP-55 checksum)")
            }
        }

        func run() throws {
            guard let json = FileManager.default.contents(atPath: tx) else {
                throw ValidationError("cannot read the transaction file '\(tx)'; check that it exists and is readable")
            }
            let decision = try PolicyCheck.decide(
                policyPath: file, transactionJSON: Array(json), transactionFile: (tx as NSString).lastPathComponent,
                from: from.flatMap { try? Address($0) }, methodSignature: methodSignature, now: Date())
            print(decision.description)
            if !decision.isAllowed { throw ExitCode.failure }
        }
    }

    /// `signer policy message`.
    struct Message: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "message",
            abstract: "Print the exact approval message for the file's current bytes, to sign with any wallet.",
            discussion: """
                The message is an EIP-191 personal message of four lines, with \\n line ends and no \
                trailing newline (one is added only when standard output is a terminal):

                  keeper-signer policy approval
                  file: FILE's base name
                  sha256: the sha256 of the file's bytes, 64 lowercase hex digits
                  chain_id: the policy's chain_id

                With --chain-id, the command refuses (exit status 1) a policy written for another \
                chain, so that you never sign an approval for a chain you did not mean.

                Examples:
                  signer policy message policies/demo.toml
                  signer policy message policies/demo.toml --chain-id 31337
                  cast wallet sign --keystore operator.json "$(signer policy message policies/demo.toml)"
                """
        )

        @Argument(help: ArgumentHelp("The policy file.", valueName: "file"))
        var file: String

        @Option(name: .long, help: ArgumentHelp("The chain you expect the policy to be for.", valueName: "id"))
        var chainId: UInt64?

        func run() throws {
            let message = try PolicyTool.message(policyPath: file)
            if let chainId, chainId != message.chainId {
                printToStandardError("Error: \(message.file) is a policy for chain_id \(message.chainId), not \(chainId); check that this is the file you mean to approve")
                throw ExitCode.failure
            }
            print(message.text, terminator: isatty(1) == 1 ? "\n" : "")
        }
    }

    /// `signer policy approve`.
    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "approve",
            abstract: "Approve the file's current bytes with an operator's keystore; record it beside the file.",
            discussion: """
                Decrypts the operator's keystore (a file of yours with mode 0600), signs the \
                approval message for the file's current bytes, records it in FILE.approvals.json \
                and prints the status. The key must be a listed operator's. The password comes \
                from --password-file (mode 0600, one line) or is asked for on the terminal; it is \
                never taken from the command line.

                Examples:
                  signer policy approve policies/demo.toml --keystore ~/operator.json --config signer.toml
                  signer policy approve policies/demo.toml --keystore ~/operator.json --password-file ~/operator.password \\
                      --operator 0x2Ede0C3A717ce4b92df2484f3ea6a00dDbD95785 --threshold 1
                """
        )

        @Argument(help: ArgumentHelp("The policy file.", valueName: "file"))
        var file: String

        @Option(name: .long, help: ArgumentHelp("The operator's Keystore V3 file (mode 0600).", valueName: "file"))
        var keystore: String

        @Option(
            name: .long,
            help: ArgumentHelp("A file (mode 0600) holding the keystore's password on one line; without it the password is asked for on the terminal.", valueName: "file"))
        var passwordFile: String?

        @OptionGroup var approval: ApprovalOptions

        func run() throws {
            let requirement = try approval.requirement()
            let password: SecretBytes
            if let passwordFile {
                password = try KeyStoreDirectory.readPasswordFile(passwordFile)
            } else {
                password = try TerminalPrompt.readPassword(prompt: "Password for \(keystore): ")
            }
            let recorded = try PolicyTool.approve(policyPath: file, keystorePath: keystore, password: password, requirement: requirement, now: Date())
            try report(recorded, policyPath: file, requirement: requirement)
        }
    }

    /// `signer policy add-approval`.
    struct AddApproval: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-approval",
            abstract: "Record an approval signed elsewhere (cast wallet sign, a hardware wallet).",
            discussion: """
                The signature (65 bytes r||s||v as 0x hex, v 27/28 or 0/1) must be over the text \
                of 'signer policy message FILE' for the file's current bytes, and recover to a \
                listed operator. Prints the status after recording it.

                Examples:
                  sig=$(cast wallet sign --keystore operator.json "$(signer policy message policies/demo.toml)")
                  signer policy add-approval policies/demo.toml --signature "$sig" --config signer.toml
                """
        )

        @Argument(help: ArgumentHelp("The policy file.", valueName: "file"))
        var file: String

        @Option(name: .long, help: ArgumentHelp("The signature as printed by cast wallet sign.", valueName: "0x..."))
        var signature: String

        @OptionGroup var approval: ApprovalOptions

        func run() throws {
            let requirement = try approval.requirement()
            let recorded = try PolicyTool.addApproval(policyPath: file, signature: signature, requirement: requirement, now: Date())
            try report(recorded, policyPath: file, requirement: requirement)
        }
    }

    /// `signer policy status`.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show who approved which version of the file, and whether its current bytes are approved.",
            discussion: """
                Prints the file's sha256 and chain_id, 'approvals N of M required: APPROVED' or \
                'NOT APPROVED', and one line per recorded approval: operator, time, hash, and \
                its state (valid, duplicate, other-version, wrong-chain, invalid-signature, \
                unlisted-operator).

                Exit status: 0 approved, 1 not approved, 2 bad input (a policy or config that does \
                not load).

                Examples:
                  signer policy status policies/demo.toml --config signer.toml
                  signer policy status policies/demo.toml --operator 0x2Ede0C3A717ce4b92df2484f3ea6a00dDbD95785 --threshold 1
                """
        )

        @Argument(help: ArgumentHelp("The policy file.", valueName: "file"))
        var file: String

        @OptionGroup var approval: ApprovalOptions

        func run() throws {
            let requirement = try approval.requirement()
            let status = try PolicyTool.status(policyPath: file, requirement: requirement)
            print(status.description)
            if !status.isApproved { throw ExitCode.failure }
        }
    }
}
