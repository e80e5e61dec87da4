import Foundation
import EVM
import TOML

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
        let root: TOML.Table
        do {
            root = try TOML.parse(bytes: tomlBytes, file: file)
        } catch {
            throw PolicyError(error, file: file)
        }
        try self.init(document: root, source: PolicySource(String(decoding: tomlBytes, as: UTF8.self)), file: file)
    }

    /// A policy from TOML text; `file` names it in errors.
    public init(toml text: String, file: String) throws(PolicyError) {
        let root: TOML.Table
        do {
            root = try TOML.parse(text, file: file)
        } catch {
            throw PolicyError(error, file: file)
        }
        try self.init(document: root, source: PolicySource(text), file: file)
    }

    /// Reads the schema from a parsed document, with the shared reader's typed accessors; every
    /// table ends with `rejectUnknownKeys()`.
    private init(document: TOML.Table, source: PolicySource, file: String) throws(PolicyError) {
        let reader = PolicyTableReader(document, PolicyLoad(file: file, source: source))
        let schema = try reader.integer("schema", required: true)!
        guard schema == Policy.schemaVersion else {
            throw reader.context("schema").error(.unsupportedSchema, "schema \(schema) is not supported; this signer reads schema = \(Policy.schemaVersion)")
        }
        let chainId = try reader.integer("chain_id", required: true, range: 1...Int.max)!
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
            throw reader.load.relocate(error, defaultLine: document.position.line)
        }
    }
}

extension PolicyError {
    /// A policy error from the shared TOML reader's error: the same file, line and key path.
    init(_ error: TOMLError, file: String, fileID: String = #fileID, sourceLine: Int = #line) {
        let kind: Kind
        switch error.kind {
        case .unknownKey: kind = .unknownKey
        case .missingKey: kind = .missingKey
        case .typeMismatch, .invalidValue: kind = .badValue
        case .unreadable: kind = .io
        default: kind = .syntax
        }
        // Syntax errors carry a column, which the message keeps; they name no key.
        let message = error.kind.isSyntax ? (error.column.map { "column \($0): " } ?? "") + error.message : error.message
        self.init(kind, file: file, line: error.line, key: error.kind.isSyntax ? nil : error.keyPath, message, fileID: fileID, sourceLine: sourceLine)
    }
}

/// The policy text, for quoting a float literal as it was written (the shared reader keeps floats
/// as `Double`, and amounts never go through `Double`).
struct PolicySource {
    let lines: [Substring]

    init(_ text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// The literal that starts at `position` (1-based line, column in Unicode scalars).
    func literal(at position: TOML.Position) -> String? {
        guard position.line >= 1, position.line <= lines.count else { return nil }
        let scalars = lines[position.line - 1].unicodeScalars.dropFirst(position.column - 1)
        let literal = scalars.prefix { !" \t\r,]}#".unicodeScalars.contains($0) }
        return literal.isEmpty ? nil : String(String.UnicodeScalarView(literal))
    }
}

/// State shared by the readers of one policy file: its name and text, and the lines of keys that
/// the in-code initializer may name in a duplicate error.
final class PolicyLoad {
    let file: String
    let source: PolicySource
    /// Lines by dotted key (`contract[1].address`, `accounts[0]`, `budget[2].window`).
    private var lines: [String: Int] = [:]

    init(file: String, source: PolicySource) {
        self.file = file
        self.source = source
    }

    func remember(_ key: String, line: Int) { lines[key] = line }

    func line(of key: String) -> Int? { lines[key] }

    func relocate(_ error: PolicyError, defaultLine: Int) -> PolicyError {
        let key = error.key ?? ""
        return PolicyError(error.kind, file: file, line: lines[key] ?? defaultLine, key: key.isEmpty ? nil : key, error.message)
    }
}

/// Reads one table of a policy with the shared reader's accessors (which record the keys asked
/// for), turning its errors into ``PolicyError``s; ``finish()`` refuses every other key.
struct PolicyTableReader {
    let table: TOML.Table
    let load: PolicyLoad

    init(_ table: TOML.Table, _ load: PolicyLoad) {
        self.table = table
        self.load = load
    }

    /// The dotted path of this table (`contract[0].function[1]`), "" for the document.
    var path: String { table.keyPath }

    /// `path.key`.
    func keyPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// Where `key` is: its value's line, or the table's line when it is absent.
    func context(_ key: String) -> PolicyContext {
        PolicyContext(file: load.file, line: (table.entry(key)?.position ?? table.position).line, key: keyPath(key))
    }

    /// Where item `index` of the array at `key` is.
    func context(_ key: String, item index: Int, at position: TOML.Position) -> PolicyContext {
        PolicyContext(file: load.file, line: position.line, key: keyPath(key) + "[\(index)]")
    }

    /// This table itself, at its header.
    var base: PolicyContext { PolicyContext(file: load.file, line: table.position.line, key: path) }

    /// A required key that is absent, at the table's line, with what it should hold.
    func missing(_ key: String, _ what: String) -> PolicyError {
        PolicyError(.missingKey, file: load.file, line: table.position.line, key: keyPath(key), "\(key) is required: \(what)")
    }

    /// Runs a shared-reader accessor, converting its error.
    func read<T>(_ body: () throws(TOMLError) -> T) throws(PolicyError) -> T {
        do {
            return try body()
        } catch {
            throw PolicyError(error, file: load.file)
        }
    }

    /// A value and where it starts.
    struct Found {
        var value: TOML.Value
        var position: TOML.Position
    }

    /// The value at `key`, marked as read, with where it starts; nil when absent.
    func found(_ key: String) -> Found? {
        guard let value = table.value(key), let entry = table.entry(key) else { return nil }
        return Found(value: value, position: entry.position)
    }

    /// Refuses keys the schema did not ask for.
    func finish() throws(PolicyError) {
        try read { () throws(TOMLError) in try table.rejectUnknownKeys() }
    }

    // MARK: typed accessors

    func string(_ key: String, required: Bool) throws(PolicyError) -> String? {
        let value = try read { () throws(TOMLError) in try table.optionalString(key) }
        if value == nil, required { throw missing(key, "a string") }
        return value
    }

    func bool(_ key: String, required: Bool) throws(PolicyError) -> Bool? {
        let value = try read { () throws(TOMLError) in try table.optionalBool(key) }
        if value == nil, required { throw missing(key, "true or false") }
        return value
    }

    func integer(_ key: String, required: Bool, range: ClosedRange<Int> = 0...Int.max) throws(PolicyError) -> Int? {
        guard let value = try read({ () throws(TOMLError) in try table.optionalInt(key) }) else {
            if required { throw missing(key, "an integer") }
            return nil
        }
        guard range.contains(value) else {
            throw context(key).error(.badValue, "\(key) = \(value) is out of range; it must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    func amount(_ key: String) throws(PolicyError) -> U256? {
        guard let hit = found(key) else { return nil }
        return try amount(hit.value, at: hit.position, context(key))
    }

    func amount(_ value: TOML.Value, at position: TOML.Position, _ context: PolicyContext) throws(PolicyError) -> U256 {
        switch value {
        case .integer(let i):
            guard i >= 0 else { throw context.error(.badValue, "\(i) is negative; amounts are 0 or more") }
            return U256(UInt64(i))
        case .string(let s):
            switch EtherAmount.parse(s) {
            case .success(let v): return v
            case .failure(let e): throw context.error(.badValue, e.message)
            }
        case .float(let number):
            let text = load.source.literal(at: position) ?? "\(number)"
            throw context.error(.badValue, "\(text) is a TOML float, which is not exact; write it as a string: \"\(text)\"")
        default:
            throw context.error(.badValue, "an amount must be an integer or a string such as \"1e24\", \"30 gwei\" or \"1.5 ether\", not \(value.typeDescription)")
        }
    }

    func gas(_ key: String) throws(PolicyError) -> UInt64? {
        guard let value = try amount(key) else { return nil }
        guard let small = value.uint64 else {
            throw context(key).error(.badValue, "\(value.decimalString) is more gas than fits in 64 bits")
        }
        return small
    }

    func addresses(_ key: String, required: Bool) throws(PolicyError) -> [Address] {
        guard let array = try read({ () throws(TOMLError) in try table.optionalArray(key) }) else {
            if required { throw missing(key, "a list of addresses") }
            return []
        }
        var out: [Address] = []
        for (i, element) in array.enumerated() {
            let c = context(key, item: i, at: element.position)
            out.append(try Self.address(element.value, c))
            load.remember(c.key, line: element.position.line)
        }
        return out
    }

    static func address(_ value: TOML.Value, _ context: PolicyContext) throws(PolicyError) -> Address {
        guard case .string(let s) = value else {
            throw context.error(.badValue, "an address must be a string \"0x...\", not \(value.typeDescription)")
        }
        do {
            return try Address(s)
        } catch {
            throw context.error(.badValue, "\(error)")
        }
    }

    func transactionTypes(_ key: String) throws(PolicyError) -> Set<TransactionType>? {
        guard let array = try read({ () throws(TOMLError) in try table.optionalArray(key) }) else { return nil }
        var out = Set<TransactionType>()
        for element in array {
            guard case .integer(let i) = element.value, (0...2).contains(i), let type = TransactionType(rawValue: UInt8(i)) else {
                throw context(key).error(.badValue, "transaction types are 0 (legacy), 1 (EIP-2930) and 2 (EIP-1559)")
            }
            out.insert(type)
        }
        return out
    }

    func table<T>(_ key: String, required: Bool, _ body: (PolicyTableReader) throws(PolicyError) -> T) throws(PolicyError) -> T? {
        guard let sub = try read({ () throws(TOMLError) in try table.optionalTable(key) }) else {
            if required { throw missing(key, "a [\(key)] table") }
            return nil
        }
        let reader = PolicyTableReader(sub, load)
        let value = try body(reader)
        try reader.finish()
        return value
    }

    func tableArray<T>(_ key: String, _ body: (PolicyTableReader) throws(PolicyError) -> T) throws(PolicyError) -> [T] {
        let tables = try read { () throws(TOMLError) in try table.optionalArrayOfTables(key) }
        var out: [T] = []
        for sub in tables {
            let reader = PolicyTableReader(sub, load)
            out.append(try body(reader))
            try reader.finish()
            load.remember(reader.path, line: sub.position.line)
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
            maxCount: try integer("max_count", required: false, range: 0...Int(Int32.max)))
        load.remember(keyPath("window"), line: context("window").line ?? table.position.line)
        if budget.maxValue == nil && budget.maxFee == nil && budget.maxCount == nil {
            throw base.error(.missingKey, "a [[budget]] needs at least one of max_value, max_fee and max_count")
        }
        return budget
    }

    func contract() throws(PolicyError) -> PolicyContract {
        let name = try string("name", required: true)!
        guard let hit = found("address") else { throw missing("address", "the contract's address") }
        let address = try Self.address(hit.value, context("address"))
        load.remember(keyPath("address"), line: hit.position.line)
        let limits = try limitOverrides()
        var selectors: [[UInt8]: Int] = [:]
        let functions = try tableArray("function") { t throws(PolicyError) in try t.function() }
        for (i, function) in functions.enumerated() {
            if let first = selectors[function.selector] {
                let key = keyPath("function[\(i)]")
                throw PolicyContext(file: load.file, line: load.line(of: key) ?? table.position.line, key: key)
                    .error(.duplicate, "\(function.signature) is listed twice in \(name) (also function[\(first)]); list each function once")
            }
            selectors[function.selector] = i
        }
        if functions.isEmpty {
            throw base.error(.missingKey, "contract '\(name)' allows no function; add at least one [[contract.function]] with a signature")
        }
        return PolicyContract(name: name, address: address, functions: functions, limits: limits)
    }

    func function() throws(PolicyError) -> PolicyFunction {
        guard let declaration = try string("signature", required: false) else {
            throw missing("signature", "the function's Solidity signature, such as \"function transfer(address to, uint256 amount)\"")
        }
        let signatureContext = context("signature")
        let abi = try PolicyFunction.parse(declaration, context: signatureContext)
        let limits = try limitOverrides()
        var constraints: [ArgumentConstraint] = []
        if let arguments = try read({ () throws(TOMLError) in try table.optionalTable("arguments") }) {
            let argumentsReader = PolicyTableReader(arguments, load)
            for key in arguments.keys {
                let c = argumentsReader.context(key)
                let parameter: ArgumentConstraint.Parameter = key.allSatisfy({ $0.isASCII && $0.isNumber }) ? .index(Int(key) ?? -1) : .name(key)
                let (_, type) = try PolicyFunction.resolve(parameter, in: abi, context: c)
                guard case .table(let checksTable)? = arguments.value(key) else {
                    throw c.error(.badValue, "write the checks as a table, such as \(key) = { le = \"1e24\" }")
                }
                let reader = PolicyTableReader(checksTable, load)
                let checks = try reader.checks(for: type)
                try reader.finish()
                try ArgumentConstraint(parameter, checks).validate(against: type, context: c)
                constraints.append(ArgumentConstraint(parameter, checks))
            }
            try argumentsReader.finish()
        }
        return try PolicyFunction(declaration, arguments: constraints, limits: limits, context: signatureContext)
    }

    func checks(for type: ABIType) throws(PolicyError) -> [ArgumentCheck] {
        let element = type.constrainedElement ?? type
        var checks: [ArgumentCheck] = []
        func scalar(_ key: String) throws(PolicyError) -> PolicyScalar? {
            guard let hit = found(key) else { return nil }
            return try scalarValue(hit.value, at: hit.position, element, context(key))
        }
        if let v = try scalar("eq") { checks.append(.eq(v)) }
        if let list = try read({ () throws(TOMLError) in try table.optionalArray("one_of") }) {
            var values: [PolicyScalar] = []
            for (i, item) in list.enumerated() {
                values.append(try scalarValue(item.value, at: item.position, element, context("one_of", item: i, at: item.position)))
            }
            checks.append(.oneOf(values))
        }
        if let v = try scalar("le") { checks.append(.le(v)) }
        if let v = try scalar("ge") { checks.append(.ge(v)) }
        if let v = try scalar("lt") { checks.append(.lt(v)) }
        if let v = try scalar("gt") { checks.append(.gt(v)) }
        if let n = try integer("max_length", required: false, range: 0...Int(Int32.max)) { checks.append(.maxLength(n)) }
        return checks
    }

    func scalarValue(_ value: TOML.Value, at position: TOML.Position, _ type: ABIType, _ context: PolicyContext) throws(PolicyError) -> PolicyScalar {
        switch type {
        case .uint:
            return .uint(try amount(value, at: position, context))
        case .int:
            switch value {
            case .integer(let i): return .int(I256(i))
            case .string(let s):
                switch EtherAmount.parseInt(s) {
                case .success(let v): return .int(v)
                case .failure(let e): throw context.error(.badValue, e.message)
                }
            default: throw context.error(.badValue, "an int value must be an integer or a string such as \"-1e18\", not \(value.typeDescription)")
            }
        case .address:
            return .address(try Self.address(value, context))
        case .bool:
            guard case .boolean(let b) = value else { throw context.error(.badValue, "a bool value must be true or false, not \(value.typeDescription)") }
            return .bool(b)
        case .fixedBytes(let n):
            guard case .string(let s) = value, s.hasPrefix("0x"), let bytes = try? Hex.decode(s), bytes.count == n else {
                throw context.error(.badValue, "a bytes\(n) value must be a string of 0x and \(2 * n) hex digits")
            }
            return .bytes(bytes)
        default:
            throw context.error(.badValue, "\(type.canonicalName) parameters cannot be compared with values; only uintN, intN, address, bool and bytesN (or arrays of them) can")
        }
    }
}
