import Foundation
import EVM

extension Policy {
    /// Loads and checks a policy file. Every problem (syntax, an unknown key, a missing key, a bad
    /// value, a duplicate, a signature that does not parse) is a ``PolicyError`` naming the file,
    /// line and key.
    public static func load(path: String) throws(PolicyError) -> Policy {
        let name = (path as NSString).lastPathComponent
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PolicyError(.io, file: name, line: nil, key: nil, "cannot read the policy file '\(path)'; check that it exists and is readable by the signer")
        }
        return try Policy(tomlBytes: Array(data), file: name)
    }

    /// A policy from the bytes of a TOML file; `file` names it in errors.
    public init(tomlBytes: [UInt8], file: String) throws(PolicyError) {
        guard let text = String(validating: tomlBytes, as: UTF8.self) else {
            throw PolicyError(.syntax, file: file, line: nil, key: nil, "the policy file is not valid UTF-8")
        }
        try self.init(toml: text, file: file)
    }

    /// A policy from TOML text; `file` names it in errors.
    public init(toml text: String, file: String) throws(PolicyError) {
        let root: PolicyTOML.Table
        do {
            root = try PolicyTOML.parse(text)
        } catch {
            throw PolicyError(.syntax, file: file, line: error.line, key: nil, error.message)
        }
        let reader = PolicyTableReader(root, PolicyContext(file: file, line: 1, key: ""))
        let schema = try reader.integer("schema", required: true)!
        guard schema == Int64(Policy.schemaVersion) else {
            throw reader.context("schema").error(.unsupportedSchema, "schema \(schema) is not supported; this signer reads schema = \(Policy.schemaVersion)")
        }
        let chainId = try reader.integer("chain_id", required: true, range: 1...Int64.max)!
        let accounts = try reader.addresses("accounts", required: true)
        if accounts.isEmpty {
            throw reader.context("accounts").error(.badValue, "accounts is empty, so the policy covers no signer; list the signer addresses it covers")
        }
        let limits = try reader.table("limits", required: true) { t throws(PolicyError) in try t.transactionLimits() }!
        let creation = try reader.table("creation", required: false) { t throws(PolicyError) -> LimitOverrides? in
            let allow = try t.bool("allow", required: true)!
            let overrides = try t.limitOverrides()
            return allow ? overrides : nil
        } ?? nil
        let budgets = try reader.tableArray("budget") { t throws(PolicyError) in try t.budget() }
        let contracts = try reader.tableArray("contract") { t throws(PolicyError) in try t.contract() }
        try reader.finish()

        do {
            try self.init(chainId: UInt64(chainId), accounts: accounts, limits: limits, creation: creation, contracts: contracts, budgets: budgets)
        } catch {
            // Place duplicate errors from the in-code initializer at the right line.
            throw reader.relocate(error)
        }
    }
}

/// Reads one TOML table, remembering which keys the schema asked for, so that ``finish()`` can
/// refuse every other key as unknown.
final class PolicyTableReader {
    let table: PolicyTOML.Table
    let base: PolicyContext
    private(set) var known: [String] = []
    /// Lines of nodes by their dotted key, for errors found after parsing (duplicates).
    private var lines: [String: Int] = [:]

    init(_ table: PolicyTOML.Table, _ base: PolicyContext) {
        self.table = table
        self.base = base
    }

    func node(_ key: String) -> PolicyTOML.Node? {
        if !known.contains(key) { known.append(key) }
        return table[key]
    }

    func context(_ key: String, _ node: PolicyTOML.Node? = nil) -> PolicyContext {
        base.appending(key).at(line: node?.line ?? table[key]?.line ?? table.line)
    }

    func missing(_ key: String, _ what: String) -> PolicyError {
        context(key).at(line: table.line).error(.missingKey, "\(key) is required: \(what)")
    }

    func wrongType(_ key: String, _ node: PolicyTOML.Node, _ expected: String) -> PolicyError {
        context(key, node).error(.badValue, "\(key) must be \(expected), not a \(node.typeName)")
    }

    /// Refuses keys the schema did not ask for.
    func finish() throws(PolicyError) {
        for key in table.keys where !known.contains(key) {
            let node = table[key]!
            throw context(key, node).error(.unknownKey, "unknown key '\(key)'\(base.key.isEmpty ? "" : " in \(base.key)"); the keys here are \(known.joined(separator: ", "))")
        }
    }

    func relocate(_ error: PolicyError) -> PolicyError {
        let key = error.key ?? ""
        let line = lines[key] ?? table.line
        return PolicyError(error.kind, file: base.file, line: line, key: key.isEmpty ? nil : key, error.message)
    }

    func remember(_ key: String, line: Int) { lines[key] = line }

    // MARK: typed accessors

    func string(_ key: String, required: Bool) throws(PolicyError) -> String? {
        guard let node = node(key) else {
            if required { throw missing(key, "a string") }
            return nil
        }
        guard case .string(let s) = node.value else { throw wrongType(key, node, "a string") }
        return s
    }

    func bool(_ key: String, required: Bool) throws(PolicyError) -> Bool? {
        guard let node = node(key) else {
            if required { throw missing(key, "true or false") }
            return nil
        }
        guard case .bool(let b) = node.value else { throw wrongType(key, node, "true or false") }
        return b
    }

    func integer(_ key: String, required: Bool, range: ClosedRange<Int64> = 0...Int64.max) throws(PolicyError) -> Int64? {
        guard let node = node(key) else {
            if required { throw missing(key, "an integer") }
            return nil
        }
        guard case .integer(let i) = node.value else { throw wrongType(key, node, "an integer") }
        guard range.contains(i) else {
            throw context(key, node).error(.badValue, "\(key) = \(i) is out of range; it must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return i
    }

    func amount(_ key: String) throws(PolicyError) -> U256? {
        guard let node = node(key) else { return nil }
        return try Self.amount(node, context(key, node))
    }

    static func amount(_ node: PolicyTOML.Node, _ context: PolicyContext) throws(PolicyError) -> U256 {
        switch node.value {
        case .integer(let i):
            guard i >= 0 else { throw context.error(.badValue, "\(i) is negative; amounts are 0 or more") }
            return U256(UInt64(i))
        case .string(let s):
            switch EtherAmount.parse(s) {
            case .success(let v): return v
            case .failure(let e): throw context.error(.badValue, e.message)
            }
        case .float(let text):
            throw context.error(.badValue, "\(text) is a TOML float, which is not exact; write it as a string: \"\(text)\"")
        default:
            throw context.error(.badValue, "an amount must be an integer or a string such as \"1e24\", \"30 gwei\" or \"1.5 ether\", not a \(node.typeName)")
        }
    }

    func gas(_ key: String) throws(PolicyError) -> UInt64? {
        guard let node = node(key) else { return nil }
        let value = try Self.amount(node, context(key, node))
        guard let small = value.uint64 else {
            throw context(key, node).error(.badValue, "\(value.decimalString) is more gas than fits in 64 bits")
        }
        return small
    }

    func addresses(_ key: String, required: Bool) throws(PolicyError) -> [Address] {
        guard let node = node(key) else {
            if required { throw missing(key, "a list of addresses") }
            return []
        }
        guard case .array(let elements) = node.value else { throw wrongType(key, node, "a list of addresses") }
        var out: [Address] = []
        for (i, element) in elements.enumerated() {
            let c = base.appending("\(key)[\(i)]").at(line: element.line)
            out.append(try Self.address(element, c))
            remember(c.key, line: element.line)
        }
        return out
    }

    static func address(_ node: PolicyTOML.Node, _ context: PolicyContext) throws(PolicyError) -> Address {
        guard case .string(let s) = node.value else {
            throw context.error(.badValue, "an address must be a string \"0x...\", not a \(node.typeName)")
        }
        do {
            return try Address(s)
        } catch {
            throw context.error(.badValue, "\(error)")
        }
    }

    func transactionTypes(_ key: String) throws(PolicyError) -> Set<TransactionType>? {
        guard let node = node(key) else { return nil }
        guard case .array(let elements) = node.value else { throw wrongType(key, node, "a list of transaction types such as [2]") }
        var out = Set<TransactionType>()
        for element in elements {
            guard case .integer(let i) = element.value, let type = TransactionType(rawValue: UInt8(clamping: max(0, i))), i >= 0, i <= 2 else {
                throw context(key, element).error(.badValue, "transaction types are 0 (legacy), 1 (EIP-2930) and 2 (EIP-1559)")
            }
            out.insert(type)
        }
        return out
    }

    func table<T>(_ key: String, required: Bool, _ body: (PolicyTableReader) throws(PolicyError) -> T) throws(PolicyError) -> T? {
        guard let node = node(key) else {
            if required { throw missing(key, "a [\(key)] table") }
            return nil
        }
        guard case .table(let t) = node.value else { throw wrongType(key, node, "a table [\(key)]") }
        let reader = PolicyTableReader(t, base.appending(key).at(line: node.line))
        let value = try body(reader)
        try reader.finish()
        return value
    }

    func tableArray<T>(_ key: String, _ body: (PolicyTableReader) throws(PolicyError) -> T) throws(PolicyError) -> [T] {
        guard let node = node(key) else { return [] }
        guard case .array(let elements) = node.value, node.isArrayOfTables else {
            throw wrongType(key, node, "written as [[\(base.key.isEmpty ? key : base.key.replacingIndices + "." + key)]] tables")
        }
        var out: [T] = []
        for (i, element) in elements.enumerated() {
            guard case .table(let t) = element.value else { continue }
            let reader = PolicyTableReader(t, base.appending("\(key)[\(i)]").at(line: t.line))
            out.append(try body(reader))
            try reader.finish()
            for (k, line) in reader.lines { remember(k, line: line) }
            remember(reader.base.key, line: t.line)
        }
        return out
    }

    // MARK: schema pieces

    func transactionLimits() throws(PolicyError) -> TransactionLimits {
        let types = try transactionTypes("tx_types") ?? [.dynamicFee]
        guard let maxGas = try gas("max_gas") else { throw missing("max_gas", "the highest gas limit a transaction may have") }
        var limits = TransactionLimits(maxValue: try amount("max_value") ?? .zero, maxGas: maxGas, transactionTypes: types)
        let maxFee = try amount("max_fee_per_gas")
        let maxTip = try amount("max_priority_fee_per_gas")
        let maxPrice = try amount("max_gas_price")
        if types.contains(.dynamicFee) {
            guard let maxFee else { throw missing("max_fee_per_gas", "tx_types includes 2 (EIP-1559)") }
            guard let maxTip else { throw missing("max_priority_fee_per_gas", "tx_types includes 2 (EIP-1559)") }
            limits.maxFeePerGas = maxFee
            limits.maxPriorityFeePerGas = maxTip
        }
        if types.contains(.legacy) || types.contains(.accessList) {
            guard let maxPrice else { throw missing("max_gas_price", "tx_types includes 0 or 1 (legacy, EIP-2930)") }
            limits.maxGasPrice = maxPrice
        }
        return limits
    }

    func limitOverrides() throws(PolicyError) -> LimitOverrides {
        LimitOverrides(
            maxValue: try amount("max_value"),
            maxGas: try gas("max_gas"),
            maxFeePerGas: try amount("max_fee_per_gas"),
            maxPriorityFeePerGas: try amount("max_priority_fee_per_gas"),
            maxGasPrice: try amount("max_gas_price"),
            transactionTypes: try transactionTypes("tx_types"))
    }

    func budget() throws(PolicyError) -> Budget {
        let text = try string("window", required: true)!
        guard let window = BudgetWindow(text) else {
            throw context("window").error(.badValue, "'\(text)' is not a window; write a whole number and s, m, h or d, such as \"1m\", \"24h\" or \"7d\" (at most 366 days)")
        }
        let budget = Budget(
            window: window, maxValue: try amount("max_value"), maxFee: try amount("max_fee"),
            maxCount: try integer("max_count", required: false, range: 0...Int64(Int32.max)).map { Int($0) })
        remember(base.key + ".window", line: table["window"]?.line ?? table.line)
        if budget.maxValue == nil && budget.maxFee == nil && budget.maxCount == nil {
            throw base.error(.missingKey, "a [[budget]] needs at least one of max_value, max_fee and max_count")
        }
        return budget
    }

    func contract() throws(PolicyError) -> PolicyContract {
        let name = try string("name", required: true)!
        guard let addressNode = node("address") else { throw missing("address", "the contract's address") }
        let address = try Self.address(addressNode, context("address", addressNode))
        remember(base.key + ".address", line: addressNode.line)
        let limits = try limitOverrides()
        var selectors: [[UInt8]: Int] = [:]
        let functions = try tableArray("function") { t throws(PolicyError) in try t.function() }
        for (i, function) in functions.enumerated() {
            if let first = selectors[function.selector] {
                throw context("function[\(i)]").at(line: lines[base.key + ".function[\(i)]"]).error(.duplicate, "\(function.signature) is listed twice in \(name) (also function[\(first)]); list each function once")
            }
            selectors[function.selector] = i
        }
        if functions.isEmpty {
            throw base.error(.missingKey, "contract '\(name)' allows no function; add at least one [[contract.function]] with a signature")
        }
        return PolicyContract(name: name, address: address, functions: functions, limits: limits)
    }

    func function() throws(PolicyError) -> PolicyFunction {
        guard let signatureNode = node("signature") else { throw missing("signature", "the function's Solidity signature, such as \"function transfer(address to, uint256 amount)\"") }
        guard case .string(let declaration) = signatureNode.value else { throw wrongType("signature", signatureNode, "a string") }
        let signatureContext = context("signature", signatureNode)
        let abi = try PolicyFunction.parse(declaration, context: signatureContext)
        let limits = try limitOverrides()
        var constraints: [ArgumentConstraint] = []
        if let argumentsNode = node("arguments") {
            guard case .table(let t) = argumentsNode.value else { throw wrongType("arguments", argumentsNode, "a table of parameter = { check = value }") }
            for key in t.keys {
                let entry = t[key]!
                let c = base.appending("arguments.\(key)").at(line: entry.line)
                let parameter: ArgumentConstraint.Parameter = key.allSatisfy({ $0.isASCII && $0.isNumber }) ? .index(Int(key) ?? -1) : .name(key)
                let (_, type) = try PolicyFunction.resolve(parameter, in: abi, context: c)
                guard case .table(let checksTable) = entry.value else {
                    throw c.error(.badValue, "write the checks as a table, such as \(key) = { le = \"1e24\" }")
                }
                let reader = PolicyTableReader(checksTable, c)
                let checks = try reader.checks(for: type)
                try reader.finish()
                try ArgumentConstraint(parameter, checks).validate(against: type, context: c)
                constraints.append(ArgumentConstraint(parameter, checks))
            }
        }
        return try PolicyFunction(declaration, arguments: constraints, limits: limits, context: signatureContext)
    }

    func checks(for type: ABIType) throws(PolicyError) -> [ArgumentCheck] {
        let element = type.constrainedElement ?? type
        var checks: [ArgumentCheck] = []
        func scalar(_ key: String, _ node: PolicyTOML.Node) throws(PolicyError) -> PolicyScalar {
            try Self.scalar(node, element, context(key, node))
        }
        if let n = node("eq") { checks.append(.eq(try scalar("eq", n))) }
        if let n = node("one_of") {
            guard case .array(let elements) = n.value else { throw wrongType("one_of", n, "a list") }
            var list: [PolicyScalar] = []
            for e in elements { list.append(try scalar("one_of", e)) }
            checks.append(.oneOf(list))
        }
        if let n = node("le") { checks.append(.le(try scalar("le", n))) }
        if let n = node("ge") { checks.append(.ge(try scalar("ge", n))) }
        if let n = node("lt") { checks.append(.lt(try scalar("lt", n))) }
        if let n = node("gt") { checks.append(.gt(try scalar("gt", n))) }
        if let n = try integer("max_length", required: false, range: 0...Int64(Int32.max)) { checks.append(.maxLength(Int(n))) }
        return checks
    }

    static func scalar(_ node: PolicyTOML.Node, _ type: ABIType, _ context: PolicyContext) throws(PolicyError) -> PolicyScalar {
        switch type {
        case .uint:
            return .uint(try amount(node, context))
        case .int:
            switch node.value {
            case .integer(let i): return .int(I256(i))
            case .string(let s):
                switch EtherAmount.parseInt(s) {
                case .success(let v): return .int(v)
                case .failure(let e): throw context.error(.badValue, e.message)
                }
            default: throw context.error(.badValue, "an int value must be an integer or a string such as \"-1e18\", not a \(node.typeName)")
            }
        case .address:
            return .address(try address(node, context))
        case .bool:
            guard case .bool(let b) = node.value else { throw context.error(.badValue, "a bool value must be true or false, not a \(node.typeName)") }
            return .bool(b)
        case .fixedBytes(let n):
            guard case .string(let s) = node.value, s.hasPrefix("0x"), let bytes = try? Hex.decode(s), bytes.count == n else {
                throw context.error(.badValue, "a bytes\(n) value must be a string of 0x and \(2 * n) hex digits")
            }
            return .bytes(bytes)
        default:
            throw context.error(.badValue, "\(type.canonicalName) parameters cannot be compared with values; only uintN, intN, address, bool and bytesN (or arrays of them) can")
        }
    }
}

extension String {
    /// `contract[2].function` -> `contract.function`, for naming `[[...]]` headers.
    var replacingIndices: String {
        var out = ""
        var skipping = false
        for c in self {
            if c == "[" { skipping = true } else if c == "]" { skipping = false } else if !skipping { out.append(c) }
        }
        return out
    }
}
