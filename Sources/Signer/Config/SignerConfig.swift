public import EVM
import Foundation
public import TOML

/// The signer's configuration file (`signer.toml`). Every key is documented in docs/signer.md;
/// an unknown key, a missing required key or a bad value is an error naming the file, line and
/// key, and the signer refuses to start (fail closed).
public struct SignerConfig: Sendable, Hashable {
    /// `[socket]`: where and to whom the signer listens.
    public struct Socket: Sendable, Hashable {
        public var path: String = "/run/keeper-signer/signer.sock"
        /// File mode of the socket, set before bind via the umask.
        public var mode: UInt32 = 0o660
        /// Group of the socket file: a name or a numeric gid (nil: the signer's own group).
        public var group: String?
        /// Peers allowed by uid and gid (both empty: only the signer's own uid).
        public var allowedUIDs: [UInt32] = []
        public var allowedGIDs: [UInt32] = []
        public var maxConnections: Int = 64
        public var idleTimeout: Duration = .seconds(60)
        public var readTimeout: Duration = .seconds(5)
    }

    /// `[keys]`: the keystore directory and, optionally, where each key's password comes from.
    public struct Keys: Sendable, Hashable {
        public var directory: String
        /// Per key name: `file:PATH` or `credential:NAME` (default: `NAME.password` beside the
        /// key, or `$CREDENTIALS_DIRECTORY/NAME`).
        public var passwords: [String: PasswordSource] = [:]
    }

    /// Where one key's password comes from.
    public enum PasswordSource: Sendable, Hashable {
        case file(String)
        case credential(String)
    }

    /// `[approval]`: the operators whose approvals make a policy active, and how many are needed.
    public struct Approval: Sendable, Hashable {
        public var operators: [Address]
        public var threshold: Int
    }

    public var socket: Socket
    public var keys: Keys
    /// `[policy] file`: the policy file; its approvals are read from `FILE.approvals.json`.
    public var policyFile: String
    public var approval: Approval
    /// `[database] path`: the spend ledger, signed-nonce registry and audit log.
    public var databasePath: String
    /// `[database] commit_timeout`: how long a request waits for its records to be committed
    /// before it is refused (see ``SignerStore/Options/commitTimeout``).
    public var commitTimeout: Duration = .seconds(2)
    /// `[log] format`: `logfmt` or `json`; `level`: trace ... critical.
    public var logFormat: String = "logfmt"
    public var logLevel: String = "info"
    /// The file this was read from (relative paths in it are resolved against its directory).
    public var file: String

    /// Reads and checks `path`.
    public static func load(path: String) throws(TOMLError) -> SignerConfig {
        try SignerConfig(table: try TOML.load(path: path), file: path)
    }

    /// Reads a parsed document; `file` labels errors and anchors relative paths.
    public init(table root: TOML.Table, file: String) throws(TOMLError) {
        self.file = file
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") ? path : base.appendingPathComponent(path).standardizedFileURL.path
        }

        var socket = Socket()
        if let t = try root.optionalTable("socket") {
            socket.path = try t.optionalString("path").map(resolve) ?? socket.path
            if let mode = try t.optionalString("mode") {
                guard let value = UInt32(mode.hasPrefix("0o") ? String(mode.dropFirst(2)) : mode, radix: 8), value <= 0o777 else {
                    throw t.error(key: "mode", "'\(mode)' is not a file mode; write it in octal, such as \"0660\"")
                }
                socket.mode = value
            }
            socket.group = try t.optionalString("group")
            socket.allowedUIDs = try Self.ids(t, "allowed_uids")
            socket.allowedGIDs = try Self.ids(t, "allowed_gids")
            if let n = try t.optionalInt("max_connections") {
                guard (1...10_000).contains(n) else { throw t.error(key: "max_connections", "expected 1 to 10000, found \(n)") }
                socket.maxConnections = n
            }
            socket.idleTimeout = try t.optionalDuration("idle_timeout") ?? socket.idleTimeout
            socket.readTimeout = try t.optionalDuration("read_timeout") ?? socket.readTimeout
            try t.rejectUnknownKeys()
        }
        self.socket = socket

        let keysTable = try root.table("keys")
        var keys = Keys(directory: resolve(try keysTable.string("dir")))
        if let passwords = try keysTable.optionalTable("passwords") {
            for name in passwords.keys {
                let text = try passwords.string(name)
                if text.hasPrefix("file:") {
                    keys.passwords[name] = .file(resolve(String(text.dropFirst(5))))
                } else if text.hasPrefix("credential:") {
                    keys.passwords[name] = .credential(String(text.dropFirst(11)))
                } else {
                    throw passwords.error(key: name, "expected \"file:PATH\" or \"credential:NAME\", found '\(text)'")
                }
            }
            try passwords.rejectUnknownKeys()
        }
        try keysTable.rejectUnknownKeys()
        self.keys = keys

        let policy = try root.table("policy")
        policyFile = resolve(try policy.string("file"))
        try policy.rejectUnknownKeys()

        let approvalTable = try root.table("approval")
        let operatorTexts = try approvalTable.array("operators").strings()
        var operators: [Address] = []
        for (i, text) in operatorTexts.enumerated() {
            do {
                operators.append(try Address(text))
            } catch {
                throw approvalTable.error(key: "operators", "entry \(i + 1): \(error)")
            }
        }
        guard !operators.isEmpty else { throw approvalTable.error(key: "operators", "list at least one operator address") }
        guard Set(operators).count == operators.count else { throw approvalTable.error(key: "operators", "an operator is listed twice") }
        let threshold = try approvalTable.int("threshold")
        guard (1...operators.count).contains(threshold) else {
            throw approvalTable.error(key: "threshold", "expected 1 to \(operators.count) (the number of operators), found \(threshold)")
        }
        try approvalTable.rejectUnknownKeys()
        approval = Approval(operators: operators, threshold: threshold)

        let database = try root.table("database")
        databasePath = resolve(try database.string("path"))
        if let timeout = try database.optionalDuration("commit_timeout") {
            guard timeout > .zero, timeout <= .seconds(60) else {
                throw database.error(key: "commit_timeout", "expected more than 0s and at most 60s, found \(TOML.formatDuration(timeout))")
            }
            commitTimeout = timeout
        }
        try database.rejectUnknownKeys()

        if let log = try root.optionalTable("log") {
            if let format = try log.optionalString("format") {
                guard format == "logfmt" || format == "json" else { throw log.error(key: "format", "expected \"logfmt\" or \"json\", found '\(format)'") }
                logFormat = format
            }
            if let level = try log.optionalString("level") {
                let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
                guard levels.contains(level) else { throw log.error(key: "level", "expected one of \(levels.joined(separator: ", ")), found '\(level)'") }
                logLevel = level
            }
            try log.rejectUnknownKeys()
        }
        try root.rejectUnknownKeys()
    }

    static func ids(_ table: TOML.Table, _ key: String) throws(TOMLError) -> [UInt32] {
        guard let array = try table.optionalArray(key) else { return [] }
        var out: [UInt32] = []
        for n in try array.integers() {
            guard let id = UInt32(exactly: n) else { throw table.error(key: key, "\(n) is not a uid/gid") }
            out.append(id)
        }
        return out
    }
}
