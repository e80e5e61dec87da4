/// A Solidity custom error (`error InsufficientBalance(uint256 available, uint256 required)`):
/// revert data is its 4-byte selector followed by the encoded arguments.
public struct ABICustomError: Hashable, Sendable, CustomStringConvertible {
    /// The error name.
    public let name: String
    /// The parameters.
    public let inputs: [ABIParameter]
    /// The canonical signature, `Name(type1,type2)`.
    public let signature: String
    /// The first 4 bytes of the Keccak-256 of ``signature``.
    public let selector: [UInt8]

    /// An error from its parts.
    public init(name: String, inputs: [ABIParameter]) {
        self.name = name
        self.inputs = inputs
        self.signature = ABIFunction.canonicalSignature(name, inputs)
        self.selector = Array(Keccak256.hash(signature).prefix(4))
    }

    /// Parses `error InsufficientBalance(uint256 available, uint256 required)` (the keyword is
    /// optional).
    public init(parsing text: String) throws(ABIError) {
        var parser = ABISignatureParser(text)
        let declaration = try parser.parseDeclaration()
        guard declaration.keyword == nil || declaration.keyword == "error" else {
            throw .invalidSignature("'\(text)' declares a \(declaration.keyword ?? ""), not an error")
        }
        guard declaration.outputs.isEmpty, declaration.stateMutability == nil, !declaration.indexed.contains(true) else {
            throw .invalidSignature("'\(text)': an error has parameters only (no returns, mutability or indexed)")
        }
        self.init(name: declaration.name, inputs: declaration.inputs)
    }

    /// `error Name(type name, ...)`.
    public var description: String { "error \(name)(\(inputs.map(\.description).joined(separator: ", ")))" }

    /// Revert data for these arguments.
    public func encode(_ arguments: [ABIValue]) throws(ABIError) -> [UInt8] {
        try ABICodec.encode(prefix: selector, parameters: inputs, arguments)
    }

    /// Decodes revert data: checks the selector, then decodes the arguments.
    public func decode(_ data: [UInt8], strict: Bool = false) throws(ABIError) -> [ABIValue] {
        guard data.count >= 4, data.prefix(4).elementsEqual(selector) else {
            throw .selectorMismatch("revert data starts with \(Hex.encode(data.prefix(4))), not the selector \(Hex.encode(selector)) of \(signature)")
        }
        return try ABICodec.decode(inputs, from: data, at: 4, strict: strict)
    }
}
