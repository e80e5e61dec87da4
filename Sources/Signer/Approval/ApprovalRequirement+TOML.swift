import EVM
import Foundation
import TOML

extension ApprovalRequirement {
    /// Reads the `[approval]` table of the signer's config file (`signer.toml`):
    ///
    /// ```toml
    /// [approval]
    /// operators = ["0x2Ede0C3A717ce4b92df2484f3ea6a00dDbD95785", "0x..."]
    /// threshold = 2
    /// ```
    ///
    /// Only `[approval]` is read here (the rest of the file belongs to `signer serve`); inside it
    /// an unknown key is an error. Errors name the file, line and key, and say what to change.
    public static func load(configPath: String) throws(ApprovalError) -> ApprovalRequirement {
        do {
            return try ApprovalRequirement(config: TOML.load(path: configPath))
        } catch {
            throw ApprovalError(.invalidRequirement, "\(error)", cause: error)
        }
    }

    /// The same from config text; `file` names it in errors.
    public static func parse(configText: String, file: String) throws(ApprovalError) -> ApprovalRequirement {
        do {
            return try ApprovalRequirement(config: TOML.parse(configText, file: file))
        } catch {
            throw ApprovalError(.invalidRequirement, "\(error)", cause: error)
        }
    }

    /// The requirement in the `[approval]` table of a parsed config document.
    init(config root: TOML.Table) throws(TOMLError) {
        guard let approval = try root.optionalTable("approval") else {
            throw TOMLError(
                .missingKey, file: root.file, line: nil, column: nil, keyPath: "approval",
                message: "no [approval] table; add one with operators = [\"0x...\"] and threshold = M (see docs/signer.md, \"Approving a policy\")")
        }
        let list = try approval.array("operators")
        let texts = try list.strings()
        var operators: [Address] = []
        for (i, text) in texts.enumerated() {
            guard let address = try? Address(text) else {
                throw list.error(at: i, "'\(text)' is not an address; write 0x and 40 hex digits (a mixed-case address must have a valid EIP-55 checksum)")
            }
            if let first = operators.firstIndex(of: address) {
                throw list.error(at: i, "operator \(address.checksummed) is listed twice (also operators[\(first)]); list each operator once")
            }
            operators.append(address)
        }
        if operators.isEmpty {
            throw approval.error(key: "operators", "the list of operators is empty; list the Ethereum addresses of the people who approve policies")
        }
        let threshold = try approval.int("threshold")
        guard threshold >= 1, threshold <= operators.count else {
            throw approval.error(key: "threshold", "threshold = \(threshold) must be between 1 and the number of operators (\(operators.count))")
        }
        try approval.rejectUnknownKeys()
        do {
            self = try ApprovalRequirement(operators: operators, threshold: threshold)
        } catch {
            throw approval.error(key: "operators", error.message)
        }
    }
}
