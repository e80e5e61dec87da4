import ArgumentParser
import EVM
import Signer

#if canImport(Glibc)
import Glibc
#endif

/// `signer keys new|import|list`: manage the keystores in a keys directory.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, import and check the keystores the signer loads.",
        discussion: """
            A keys directory holds Keystore V3 files (NAME.json, mode 0600) and, unless systemd \
            provides them as credentials, their passwords (NAME.password, mode 0600, one line). \
            The signer refuses a key or password file that group or others can read or write, and \
            says which chmod fixes it. Passwords are read from a file or typed at the terminal, \
            never taken from the command line.

            Examples:
              signer keys new --dir /etc/keeper-signer/keys --name keeper
              signer keys new --dir keys --name keeper --password-file keys/keeper.password
              signer keys import --dir keys --name hot --private-key-file hot.hex --password-file keys/hot.password
              signer keys list --dir keys
            """,
        subcommands: [New.self, Import.self, List.self]
    )
}

extension KeysError: CommandFailure {
    var exitStatus: Int32 { isUsageError ? 2 : 1 }
    var commandMessage: String { message }
}

/// Options shared by `keys new` and `keys import`.
struct KeyWriteOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The keys directory (created with mode 0700 if missing).", valueName: "dir"))
    var dir: String

    @Option(name: .long, help: ArgumentHelp("The key's name: the file written is DIR/NAME.json.", valueName: "name"))
    var name: String

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A file (mode 0600) holding the password on one line; without it the password is asked for twice on the terminal.",
            valueName: "file"))
    var passwordFile: String?

    @Flag(
        name: .long,
        help: "Encrypt with light scrypt parameters (n=4096): fast, and weak. For tests and demos only.")
    var light = false

    func validate() throws {
        guard KeyStoreDirectory.isValidName(name) else {
            throw ValidationError(
                "'\(name)' is not a valid key name: use 1 to 64 letters, digits, '.', '_' or '-', not starting with '.' or '-', without .json")
        }
    }

    var kdf: Keystore.KDF { light ? .scrypt(.light) : .standard }

    /// The password from `--password-file`, or typed twice on the terminal.
    func password() throws(KeysError) -> SecretBytes {
        if let passwordFile {
            return try KeyStoreDirectory.readPasswordFile(passwordFile)
        }
        return try TerminalPrompt.readNewPassword(prompt: "Password for the new keystore \(name).json: ")
    }

    func report(address: Address, file: String) {
        print(address.checksummed)
        let kdfText = light ? "light scrypt (n=4096): for tests only" : "scrypt n=262144"
        let passwordHint =
            passwordFile.map { "its password is in \($0)" }
            ?? "keep its password in \(dir)/\(name).password (mode 0600) or a systemd credential '\(name)'"
        printToStandardError("wrote \(file) (mode 0600, \(kdfText)); \(passwordHint)")
    }
}

extension KeysCommand {
    /// `signer keys new`.
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new",
            abstract: "Generate a key and write it as an encrypted keystore; print its address.",
            discussion: """
                Writes DIR/NAME.json with mode 0600 (never overwriting a file), encrypted with \
                scrypt at geth's standard cost (n=262144, r=8, p=1), and prints the new address on \
                standard output.

                Examples:
                  signer keys new --dir keys --name keeper                 # asks for the password twice
                  signer keys new --dir keys --name keeper --password-file keys/keeper.password
                """
        )

        @OptionGroup var options: KeyWriteOptions

        func run() throws {
            let password = try options.password()
            let directory = KeyStoreDirectory(path: options.dir)
            let (address, file) = try directory.create(name: options.name, password: password, kdf: options.kdf)
            options.report(address: address, file: file)
        }
    }

    /// `signer keys import`.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Encrypt an existing raw private key into a keystore; print its address.",
            discussion: """
                The key is read from a file (mode 0600, owned by you) holding 64 hex digits, \
                optionally 0x-prefixed; it is never taken from the command line. The bytes read are \
                zeroed once the keystore is written; delete the file yourself (shred -u FILE) when \
                you no longer need it.

                Example:
                  signer keys import --dir keys --name hot --private-key-file hot.hex --password-file keys/hot.password
                """
        )

        @OptionGroup var options: KeyWriteOptions

        @Option(
            name: .long,
            help: ArgumentHelp("A file (mode 0600) holding the private key as 64 hex digits.", valueName: "file"))
        var privateKeyFile: String

        func run() throws {
            let password = try options.password()
            let directory = KeyStoreDirectory(path: options.dir)
            let (address, file) = try directory.importKey(
                name: options.name, privateKeyFile: privateKeyFile, password: password, kdf: options.kdf)
            options.report(address: address, file: file)
        }
    }

    /// `signer keys list`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the keystores in a keys directory and check their files' modes; decrypt nothing.",
            discussion: """
                For each NAME.json: the address its file claims (checked only when the signer \
                decrypts it), the file, where its password comes from, and whether the signer \
                would accept the files, with the command that fixes each problem. Exits with \
                status 1 if anything would be refused. The password source follows the signer's \
                rules: NAME.password beside the keystore, or the systemd credential NAME when \
                CREDENTIALS_DIRECTORY is set.

                Example:
                  signer keys list --dir /etc/keeper-signer/keys
                """
        )

        @Option(name: .long, help: ArgumentHelp("The keys directory.", valueName: "dir"))
        var dir: String

        func run() throws {
            let directory = KeyStoreDirectory(path: dir, environment: Self.environment())
            let listing = try directory.list()
            if let problem = listing.directoryProblem {
                print("directory \(dir): REFUSED: \(problem.message)")
            }
            if listing.keys.isEmpty {
                print("no keystores (*.json) in \(dir)")
            }
            for key in listing.keys {
                let address = key.address?.checksummed ?? "(no address field)".padding(42)
                let password = key.passwordSource.map(\.description) ?? "no password"
                let verdict = key.isUsable ? "ok" : "REFUSED"
                print("\(address)  \(key.file)  \(password)  \(verdict)")
                for problem in key.problems {
                    print("    \(problem.message)")
                }
            }
            if !listing.isUsable { throw ExitCode.failure }
        }

        /// `CREDENTIALS_DIRECTORY` only: no other variable is read.
        static func environment() -> [String: String] {
            guard let value = getenv("CREDENTIALS_DIRECTORY") else { return [:] }
            return ["CREDENTIALS_DIRECTORY": String(cString: value)]
        }
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
