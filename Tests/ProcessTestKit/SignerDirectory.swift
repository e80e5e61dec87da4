public import Foundation

/// A private directory for the real `signer serve`, as the serve tests, the keeper's process
/// tests and the benchmarks prepare it: keys.example's keeper key in `keys/`, its operator key
/// beside them, a policy as `policy.toml`, and `signer.toml` naming them, with the example
/// operator as the one approver (threshold 1), the socket at `signer.sock` and the ledger at
/// `signer.db`.
public enum SignerDirectory {
    /// keys.example/operator.json's account.
    public static let operatorAddress = "0x2Ede0C3A717ce4b92df2484f3ea6a00dDbD95785"

    /// Creates `directory` (mode 0700) with the keys (0600), `policy` (TOML text) and signer.toml;
    /// `socket` and `database` are more lines for signer.toml's `[socket]` and `[database]`.
    public static func prepare(_ directory: URL, repositoryRoot: URL, policy: String, socket: String = "", database: String = "") throws {
        let files = FileManager.default
        let keys = directory.appendingPathComponent("keys")
        try files.createDirectory(at: keys, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try files.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
        let examples = repositoryRoot.appendingPathComponent("keys.example")
        for (name, target) in [("keeper.json", keys), ("keeper.password", keys), ("operator.json", directory), ("operator.password", directory)] {
            let destination = target.appendingPathComponent(name)
            try files.copyItem(at: examples.appendingPathComponent(name), to: destination)
            try files.setAttributes([.posixPermissions: 0o600], ofItemAtPath: destination.path)
        }
        try Data(policy.utf8).write(to: directory.appendingPathComponent("policy.toml"))
        try Data("""
            [socket]
            path = "signer.sock"
            \(socket)
            [keys]
            dir = "keys"
            [policy]
            file = "policy.toml"
            [approval]
            operators = ["\(operatorAddress)"]
            threshold = 1
            [database]
            path = "signer.db"
            \(database)
            """.utf8).write(to: directory.appendingPathComponent("signer.toml"))
    }

    /// `signer policy approve` of the directory's policy with the example operator's keystore
    /// (blocking: scrypt takes a moment; from async code run it on a thread of its own).
    public static func approve(_ directory: URL, signer executable: String) throws -> (status: Int32, output: String) {
        try run(executable, [
            "policy", "approve", directory.appendingPathComponent("policy.toml").path,
            "--keystore", directory.appendingPathComponent("operator.json").path,
            "--password-file", directory.appendingPathComponent("operator.password").path,
            "--config", directory.appendingPathComponent("signer.toml").path,
        ])
    }

    /// Runs a command to completion (``ChildProcess/runBlocking(_:_:environment:standardInput:currentDirectory:timeLimit:)``)
    /// and returns its exit status and its output (stdout, then stderr). Blocking.
    public static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try ChildProcess.runBlocking(executable, arguments)
        return (result.status, result.stdout + result.stderr)
    }
}
