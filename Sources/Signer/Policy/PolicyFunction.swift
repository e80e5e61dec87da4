import EVM

/// A function the policy allows on a contract, given by its Solidity signature. The selector is
/// derived from the signature (never typed by hand), and calldata must decode strictly against
/// it before the argument constraints are checked.
public struct PolicyFunction: Sendable {
    /// The signature as written (`function resolve(uint256 marketId, bool outcome)`).
    public let declaration: String
    /// The canonical signature the selector hashes (`resolve(uint256,bool)`).
    public let signature: String
    /// The first four bytes of keccak256(signature).
    public let selector: [UInt8]
    /// Parameter names in order ("" for an unnamed parameter).
    public let parameterNames: [String]
    /// Constraints on the decoded arguments.
    public let arguments: [ArgumentConstraint]
    /// Caps for calls to this function.
    public var limits: LimitOverrides

    let abi: ABIFunction
    let resolved: [ResolvedArgument]

    /// A function from its signature: `transfer(address,uint256)` or
    /// `function resolve(uint256 marketId, bool outcome)` (names let constraints address
    /// parameters by name). Throws when the signature does not parse, or a constraint names a
    /// parameter that does not exist or does not fit its type.
    public init(_ declaration: String, arguments: [ArgumentConstraint] = [], limits: LimitOverrides = LimitOverrides()) throws(PolicyError) {
        try self.init(declaration, arguments: arguments, limits: limits, context: PolicyContext(file: "policy", line: nil, key: "function"))
    }

    init(_ declaration: String, arguments: [ArgumentConstraint], limits: LimitOverrides, context: PolicyContext) throws(PolicyError) {
        let abi = try Self.parse(declaration, context: context)
        self.declaration = declaration
        self.abi = abi
        self.signature = abi.signature
        self.selector = abi.selector
        self.parameterNames = abi.inputs.map(\.name)
        self.arguments = arguments
        self.limits = limits
        var resolved: [ResolvedArgument] = []
        var seen = Set<Int>()
        for constraint in arguments {
            let argumentContext = context.appending("arguments.\(constraint.parameter)")
            let (index, type) = try Self.resolve(constraint.parameter, in: abi, context: argumentContext)
            guard seen.insert(index).inserted else {
                throw argumentContext.error(.duplicate, "parameter #\(index) of \(abi.signature) has two constraint entries; put all its checks in one")
            }
            try constraint.validate(against: type, context: argumentContext)
            let name = abi.inputs[index].name.isEmpty ? String(index) : abi.inputs[index].name
            resolved.append(ResolvedArgument(index: index, ruleName: name, type: type, checks: constraint.checks))
        }
        self.resolved = resolved
    }

    static func parse(_ declaration: String, context: PolicyContext) throws(PolicyError) -> ABIFunction {
        do {
            return try ABIFunction(parsing: declaration)
        } catch {
            throw context.error(.badSignature, "'\(declaration)' is not a function signature (\(error.message)); write for example \"function transfer(address to, uint256 amount)\"")
        }
    }

    /// The index and type of a parameter given by name or index.
    static func resolve(_ parameter: ArgumentConstraint.Parameter, in abi: ABIFunction, context: PolicyContext) throws(PolicyError) -> (Int, ABIType) {
        switch parameter {
        case .index(let i):
            guard i >= 0, i < abi.inputs.count else {
                throw context.error(.badSignature, "\(abi.signature) has \(abi.inputs.count) parameter\(abi.inputs.count == 1 ? "" : "s"); there is no parameter #\(i)")
            }
            return (i, abi.inputs[i].type)
        case .name(let name):
            guard let i = abi.inputs.firstIndex(where: { $0.name == name }) else {
                let names = abi.inputs.map(\.name).filter { !$0.isEmpty }
                throw context.error(.badSignature, "\(abi.signature) has no parameter named '\(name)'" + (names.isEmpty ? "; name the parameters in the signature (\"function f(uint256 amount)\") or use the index" : "; its named parameters are \(names.joined(separator: ", "))"))
            }
            return (i, abi.inputs[i].type)
        }
    }
}

/// An argument constraint after its parameter was found in the signature.
struct ResolvedArgument: Sendable {
    var index: Int
    /// The name in the rule id: the parameter's name, or its index when it has none.
    var ruleName: String
    var type: ABIType
    var checks: [ArgumentCheck]
}

/// Where in a policy something is, for error messages.
struct PolicyContext: Sendable {
    var file: String
    var line: Int?
    var key: String

    func appending(_ component: String) -> PolicyContext {
        PolicyContext(file: file, line: line, key: key.isEmpty ? component : key + "." + component)
    }

    func at(line: Int?) -> PolicyContext { PolicyContext(file: file, line: line ?? self.line, key: key) }

    func error(_ kind: PolicyError.Kind, _ message: String, fileID: String = #fileID, sourceLine: Int = #line) -> PolicyError {
        PolicyError(kind, file: file, line: line, key: key.isEmpty ? nil : key, message, fileID: fileID, sourceLine: sourceLine)
    }
}
