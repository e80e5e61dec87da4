public import EVM
import Foundation
public import Oracle
public import Strategies

/// `keeper aave enroll|unenroll|list`: users enrolled for Aave protection in the keeper's
/// database, checked against the config's strategy. Every error names the argument at fault.
public enum AaveEnrollTool {
    /// The `aave-protection` strategy a command acts on, and where its enrollments live.
    public struct Target: Sendable {
        /// The strategy's configured name.
        public var name: String
        public var config: AaveProtectionConfig
        public var contracts: ContractDirectory
        public var store: AaveEnrollmentStore
        /// The config file, for messages.
        public var configPath: String
    }

    /// The strategy called `strategy`, or the config's only `aave-protection` strategy.
    public static func target(config: KeeperConfig, strategy: String?) throws(ToolError) -> Target {
        let found = config.strategies.compactMap { entry in
            (entry.strategy as? AaveProtectionStrategy).map { (entry.name, $0.config) }
        }
        let names = found.map(\.0)
        guard !found.isEmpty else {
            throw ToolError("config '\(config.path)' has no aave-protection strategy (a [strategies.NAME] table with kind = \"aave-protection\")")
        }
        let chosen: (String, AaveProtectionConfig)
        if let strategy {
            guard let match = found.first(where: { $0.0 == strategy }) else {
                throw ToolError("--strategy '\(strategy)': no aave-protection strategy of that name in '\(config.path)'; known: \(names.joined(separator: ", "))")
            }
            chosen = match
        } else {
            guard found.count == 1, let only = found.first else {
                throw ToolError("--strategy: '\(config.path)' has several aave-protection strategies (\(names.joined(separator: ", "))); name one")
            }
            chosen = only
        }
        return Target(
            name: chosen.0, config: chosen.1, contracts: config.contracts, store: AaveEnrollmentStore(path: config.database.path),
            configPath: config.path)
    }

    /// The enrollment the command line describes, checked as the config checks its own users:
    /// trigger at least 1.0, target above trigger (with the strategy's defaults for what is not
    /// given), assets as `[contracts]` names or addresses, slippage 0 to 9999 bps.
    public static func enrollment(
        address: String, trigger: String?, target: String?, collateral: String?, debt: String?, slippageBps: Int?,
        for strategy: Target
    ) throws(ToolError) -> AaveEnrollment {
        let user = try self.address(address, argument: "<address>")
        let triggerWad = try trigger.map { t throws(ToolError) in try healthFactor(t, argument: "--trigger") }
        let targetWad = try target.map { t throws(ToolError) in try healthFactor(t, argument: "--target") }
        if let triggerWad, triggerWad < WadRayMath.wad {
            throw ToolError("--trigger \(trigger ?? ""): must be at least 1.0; below 1.0 the position is already liquidatable")
        }
        let effectiveTrigger = triggerWad ?? strategy.config.triggerHealthFactor
        let effectiveTarget = targetWad ?? strategy.config.targetHealthFactor
        if effectiveTarget <= effectiveTrigger {
            if let target {
                let whose = trigger == nil ? " (the strategy's trigger_health_factor)" : ""
                throw ToolError("--target \(target): must be above the trigger \(format(effectiveTrigger))\(whose); a protection that stops below the trigger would fire again at once")
            }
            throw ToolError("--trigger \(trigger ?? ""): must be below the target \(format(effectiveTarget)) (the strategy's target_health_factor); give a higher --target too")
        }
        let collateralAsset = try collateral.map { c throws(ToolError) in try asset(c, argument: "--collateral", contracts: strategy.contracts) }
        let debtAsset = try debt.map { d throws(ToolError) in try asset(d, argument: "--debt", contracts: strategy.contracts) }
        if let collateralAsset, collateralAsset == debtAsset {
            throw ToolError("--debt \(debt ?? ""): the same asset as --collateral; a protection swaps the collateral into the debt asset")
        }
        var slippage: UInt16?
        if let slippageBps {
            guard (0...9_999).contains(slippageBps) else {
                throw ToolError("--slippage-bps \(slippageBps): expected 0 to 9999 basis points")
            }
            slippage = UInt16(slippageBps)
        }
        return AaveEnrollment(
            address: user, triggerHealthFactor: triggerWad, targetHealthFactor: targetWad, collateralAsset: collateralAsset,
            debtAsset: debtAsset, slippageBps: slippage)
    }

    /// A user address from the command line.
    public static func address(_ text: String, argument: String) throws(ToolError) -> Address {
        do {
            return try Address(text)
        } catch {
            throw ToolError("\(argument) '\(text)' is not an address: \(error); expected 0x and 40 hex digits (EIP-55 checksum when mixed case)")
        }
    }

    static func healthFactor(_ text: String, argument: String) throws(ToolError) -> U256 {
        guard let wad = AaveProtectionConfig.parseWad(text), !wad.isZero else {
            throw ToolError("\(argument) '\(text)': not a health factor; expected a positive decimal with at most 18 decimals, such as 1.20")
        }
        return wad
    }

    static func asset(_ text: String, argument: String, contracts: ContractDirectory) throws(ToolError) -> Address {
        if text.hasPrefix("0x") { return try address(text, argument: argument) }
        guard let contract = contracts[text] else {
            let known = contracts.byName.keys.sorted().joined(separator: ", ")
            throw ToolError("\(argument) '\(text)': names no contract in [contracts] (known: \(known.isEmpty ? "none" : known)); give a contract name or a 0x address")
        }
        return contract.address
    }

    /// Whether the config itself enrolls `user` for the strategy (its settings then win).
    public static func configEnrolls(_ user: Address, _ strategy: Target) -> Bool {
        strategy.config.users.contains { $0.address == user }
    }

    /// One line for people: `0x90F7.. trigger 1.20, target 1.30 (default), collateral WETH, ...`.
    public static func describe(_ enrollment: AaveEnrollment, _ strategy: Target) -> String {
        let c = strategy.config
        func hf(_ value: U256?, _ fallback: U256) -> String {
            value.map { format($0) } ?? "\(format(fallback)) (default)"
        }
        func name(_ asset: Address?) -> String {
            guard let asset else { return "largest" }
            return strategy.contracts.byName.values.filter { $0.address == asset }.map(\.name).min() ?? asset.checksummed
        }
        let slippage = enrollment.slippageBps.map { "\($0) bps" } ?? "\(c.slippageBps) bps (default)"
        return "\(enrollment.address.checksummed) trigger \(hf(enrollment.triggerHealthFactor, c.triggerHealthFactor)), "
            + "target \(hf(enrollment.targetHealthFactor, c.targetHealthFactor)), collateral \(name(enrollment.collateralAsset)), "
            + "debt \(name(enrollment.debtAsset)), slippage \(slippage)"
    }

    /// `keeper aave list`: the config's and the database's users of the strategy, one a line,
    /// with where each comes from and whether it is watched with these settings.
    public static func list(_ strategy: Target) throws(ToolError) -> String {
        let records = try databaseRecords(strategy)
        let c = strategy.config
        var out = "strategy \(strategy.name): defaults trigger \(format(c.triggerHealthFactor)), target \(format(c.targetHealthFactor)), slippage \(c.slippageBps) bps; "
        out += c.databaseUsers
            ? "database users are watched (database_users = true)\n"
            : "database users are NOT watched (set database_users = true in [strategies.\(strategy.name)])\n"
        for user in c.users {
            out += "config    \(describe(user, strategy))\n"
        }
        for record in records {
            var line = "database  \(describe(record.enrollment, strategy))"
            if configEnrolls(record.enrollment.address, strategy) { line += "  [the config's enrollment wins]" }
            out += line + "\n"
        }
        if c.users.isEmpty && records.isEmpty { out += "no enrolled users\n" }
        return out
    }

    /// `keeper aave list --json`: one JSON object a line, a user each, the config's first, with
    /// the settings the strategy applies (defaults filled in) and whether the user is watched.
    public static func listJSON(_ strategy: Target) throws(ToolError) -> String {
        let records = try databaseRecords(strategy)
        let c = strategy.config
        func line(_ e: AaveEnrollment, source: String, watched: Bool, configWins: Bool) -> String {
            func asset(_ address: Address?) -> JSONValue { address.map { .string($0.checksummed) } ?? .null }
            let object: [String: JSONValue] = [
                "strategy": .string(strategy.name), "source": .string(source), "address": .string(e.address.checksummed),
                "trigger_health_factor": .string(format(e.triggerHealthFactor ?? c.triggerHealthFactor)),
                "target_health_factor": .string(format(e.targetHealthFactor ?? c.targetHealthFactor)),
                "collateral": asset(e.collateralAsset), "debt": asset(e.debtAsset),
                "slippage_bps": .number(String(e.slippageBps ?? c.slippageBps)),
                "watched": .bool(watched), "config_wins": .bool(configWins),
            ]
            return JSONValue.object(object).serialized + "\n"
        }
        var out = ""
        for user in c.users { out += line(user, source: "config", watched: true, configWins: false) }
        for record in records {
            let wins = configEnrolls(record.enrollment.address, strategy)
            out += line(record.enrollment, source: "database", watched: c.databaseUsers && !wins, configWins: wins)
        }
        return out
    }

    /// The strategy's users enrolled in the database; a store failure as a ``ToolError``.
    static func databaseRecords(_ strategy: Target) throws(ToolError) -> [AaveEnrollmentStore.Record] {
        do {
            return try strategy.store.records(strategy: strategy.name)
        } catch {
            throw ToolError(error.description)
        }
    }

    /// A health factor with two places, more when it has them: 1.2 -> "1.20".
    static func format(_ wad: U256) -> String {
        var text = AaveProtectionConfig.formatWad(wad, decimals: 18)
        while text.hasSuffix("0"), let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) > 3 {
            text.removeLast()
        }
        return text
    }
}
