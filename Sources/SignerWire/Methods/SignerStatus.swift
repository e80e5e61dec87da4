public import EVM

/// The result of `signer_status`: the active policy, budget use per window, uptime, version.
///
/// ```json
/// {"policy": {"file": "policies/base.toml", "sha256": "ab12..", "approvers": ["0x.."]},
///  "budgets": [{"account": "0x..", "window": "1h", "kind": "value", "used": "0x0", "limit": "0x..."}],
///  "uptimeSeconds": 3600, "version": "0.1.0"}
/// ```
public struct SignerStatus: Sendable, Hashable {
    /// The active, approved policy.
    public struct Policy: Sendable, Hashable {
        /// The policy file's path as configured.
        public var file: String
        /// The SHA-256 of the file's bytes, 64 lowercase hex digits (as `sha256sum` prints it).
        public var sha256: String
        /// The operators whose approvals of these bytes count.
        public var approvers: [Address]

        public init(file: String, sha256: String, approvers: [Address]) {
            self.file = file
            self.sha256 = sha256
            self.approvers = approvers
        }
    }

    /// What a budget counts.
    public enum BudgetKind: String, Sendable, Hashable, CaseIterable {
        /// Total value sent, in wei.
        case value
        /// Total fee exposure (gas x maxFeePerGas, or gas x gasPrice), in wei.
        case fee
        /// Number of transactions.
        case count
    }

    /// One budget's use over its rolling window.
    public struct Budget: Sendable, Hashable {
        public var account: Address
        /// The window as the policy writes it, e.g. `"1m"`, `"24h"`.
        public var window: String
        public var kind: BudgetKind
        /// Used so far in the current window (quantity).
        public var used: U256
        /// The limit (quantity).
        public var limit: U256

        public init(account: Address, window: String, kind: BudgetKind, used: U256, limit: U256) {
            self.account = account
            self.window = window
            self.kind = kind
            self.used = used
            self.limit = limit
        }
    }

    public var policy: Policy
    public var budgets: [Budget]
    public var uptimeSeconds: UInt64
    public var version: String

    public init(policy: Policy, budgets: [Budget], uptimeSeconds: UInt64, version: String) {
        self.policy = policy
        self.budgets = budgets
        self.uptimeSeconds = uptimeSeconds
        self.version = version
    }
}

extension SignerStatus: WireCodable {
    /// Decodes a result. Unknown fields are ignored here (results may grow; params may not).
    public init(json: WireJSON) throws(WireDecodingError) {
        var reader = try WireObjectReader(json, at: WirePath("result"), ignoringUnknownFields: true)
        policy = try reader.required("policy") { (v: WireJSON, p: WirePath) throws(WireDecodingError) -> Policy in
            var r = try WireObjectReader(v, at: p, ignoringUnknownFields: true)
            let file = try r.required("file", WireDecode.string)
            let sha = try r.required("sha256", WireDecode.string)
            guard sha.utf8.count == 64, sha.utf8.allSatisfy(isHexDigit) else {
                throw WireDecode.invalid(p.appending("sha256"), "expected 64 hex digits")
            }
            let approvers = try r.required("approvers", WireDecode.array(of: WireDecode.address))
            return Policy(file: file, sha256: sha, approvers: approvers)
        }
        budgets = try reader.required("budgets", WireDecode.array(of: { (v: WireJSON, p: WirePath) throws(WireDecodingError) -> Budget in
            var r = try WireObjectReader(v, at: p, ignoringUnknownFields: true)
            let account = try r.required("account", WireDecode.address)
            let window = try r.required("window", WireDecode.string)
            let kindText = try r.required("kind", WireDecode.string)
            guard let kind = BudgetKind(rawValue: kindText) else {
                throw WireDecode.invalid(p.appending("kind"), "unknown budget kind \"\(kindText.prefix(32))\"; expected value, fee or count")
            }
            let used = try r.required("used", WireDecode.quantity)
            let limit = try r.required("limit", WireDecode.quantity)
            return Budget(account: account, window: window, kind: kind, used: used, limit: limit)
        }))
        uptimeSeconds = try reader.required("uptimeSeconds", WireDecode.unsignedInteger)
        version = try reader.required("version", WireDecode.string)
    }

    public var jsonValue: WireJSON {
        .object([
            WireJSONMember("policy", .object([
                WireJSONMember("file", .string(policy.file)),
                WireJSONMember("sha256", .string(policy.sha256)),
                WireJSONMember("approvers", .array(policy.approvers.map(WireEncode.address))),
            ])),
            WireJSONMember("budgets", .array(budgets.map { b in
                .object([
                    WireJSONMember("account", WireEncode.address(b.account)),
                    WireJSONMember("window", .string(b.window)),
                    WireJSONMember("kind", .string(b.kind.rawValue)),
                    WireJSONMember("used", WireEncode.quantity(b.used)),
                    WireJSONMember("limit", WireEncode.quantity(b.limit)),
                ])
            })),
            WireJSONMember("uptimeSeconds", .integer(uptimeSeconds)),
            WireJSONMember("version", .string(version)),
        ])
    }
}

extension SignerStatus: Codable {
    public init(from decoder: any Decoder) throws { try self.init(json: WireJSON(from: decoder)) }
    public func encode(to encoder: any Encoder) throws { try jsonValue.encode(to: encoder) }
}
