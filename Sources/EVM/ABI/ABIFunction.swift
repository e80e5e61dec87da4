/// A contract function: its name, named inputs and outputs, and the 4-byte selector that
/// calldata starts with.
///
/// ```swift
/// let transfer = try ABIFunction(parsing: "function transfer(address to, uint256 amount) external returns (bool)")
/// transfer.signature   // "transfer(address,uint256)"
/// transfer.selector    // [0xa9, 0x05, 0x9c, 0xbb]
/// ```
public struct ABIFunction: Hashable, Sendable, CustomStringConvertible {
    /// Whether a function reads or changes state and accepts ether.
    public enum StateMutability: String, Hashable, Sendable {
        /// Reads no state.
        case pure
        /// Reads state, changes none.
        case view
        /// May change state; rejects ether.
        case nonpayable
        /// May change state and accept ether.
        case payable
    }

    /// The function name.
    public let name: String
    /// The parameters.
    public let inputs: [ABIParameter]
    /// The return values.
    public let outputs: [ABIParameter]
    /// The state mutability (`nonpayable` when the declaration says nothing).
    public let stateMutability: StateMutability
    /// The canonical signature, `name(type1,type2)`, that the selector hashes.
    public let signature: String
    /// The first 4 bytes of the Keccak-256 of ``signature``.
    public let selector: [UInt8]

    /// A function from its parts.
    public init(name: String, inputs: [ABIParameter], outputs: [ABIParameter] = [], stateMutability: StateMutability = .nonpayable) {
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.stateMutability = stateMutability
        self.signature = ABIFunction.canonicalSignature(name, inputs)
        self.selector = Array(Keccak256.hash(signature).prefix(4))
    }

    /// Parses `transfer(address,uint256)`, `function resolve(uint256 marketId, bool outcome)`,
    /// with `returns (...)`, visibility and mutability tolerated; cast's
    /// `balanceOf(address)(uint256)` gives the outputs in a second list.
    public init(parsing text: String) throws(ABIError) {
        var parser = ABISignatureParser(text)
        let declaration = try parser.parseDeclaration()
        guard declaration.keyword == nil || declaration.keyword == "function" else {
            throw .invalidSignature("'\(text)' declares an \(declaration.keyword ?? ""), not a function")
        }
        if declaration.indexed.contains(true) {
            throw .invalidSignature("'\(text)': 'indexed' is only allowed on event parameters")
        }
        self.init(
            name: declaration.name,
            inputs: declaration.inputs,
            outputs: declaration.outputs,
            stateMutability: declaration.stateMutability ?? .nonpayable
        )
    }

    static func canonicalSignature(_ name: String, _ inputs: [ABIParameter]) -> String {
        var out = name + "("
        for (i, input) in inputs.enumerated() {
            if i > 0 { out += "," }
            input.type.writeCanonical(into: &out)
        }
        return out + ")"
    }

    /// `function name(type name, ...) mutability returns (...)`.
    public var description: String {
        var out = "function \(name)(\(inputs.map(\.description).joined(separator: ", ")))"
        if stateMutability != .nonpayable { out += " \(stateMutability.rawValue)" }
        if !outputs.isEmpty { out += " returns (\(outputs.map(\.description).joined(separator: ", ")))" }
        return out
    }

    /// Calldata: the selector followed by the encoded arguments.
    public func encodeCall(_ arguments: [ABIValue]) throws(ABIError) -> [UInt8] {
        try ABICodec.encode(prefix: selector, parameters: inputs, arguments)
    }

    /// Calldata from cast-style argument text (see ``ABIValue/parse(_:as:)``); an error names the
    /// argument at fault (`argument 2 ('tru') is not a bool: ...`).
    public func encodeCall(arguments: [String]) throws(ABIError) -> [UInt8] {
        try encodeCall(parseArguments(arguments))
    }

    /// Parses cast-style argument text, one string per input.
    public func parseArguments(_ arguments: [String]) throws(ABIError) -> [ABIValue] {
        guard arguments.count == inputs.count else {
            throw .valueMismatch("\(signature) takes \(inputs.count) argument\(inputs.count == 1 ? "" : "s"), got \(arguments.count)")
        }
        var values: [ABIValue] = []
        values.reserveCapacity(inputs.count)
        for (i, input) in inputs.enumerated() {
            do throws(ABIError) {
                values.append(try ABIValue.parse(arguments[i], as: input.type))
            } catch {
                throw error.under(.argument(i, name: input.name))
            }
        }
        return values
    }

    /// Decodes calldata: checks the selector, then decodes the arguments (strictly by default;
    /// see ``ABICodec``).
    public func decodeCall(_ calldata: [UInt8], strict: Bool = true) throws(ABIError) -> [ABIValue] {
        guard calldata.count >= 4 else {
            throw .selectorMismatch("calldata of \(calldata.count) bytes has no 4-byte selector; \(signature) expects \(Hex.encode(selector))")
        }
        guard calldata.prefix(4).elementsEqual(selector) else {
            throw .selectorMismatch("calldata starts with \(Hex.encode(calldata.prefix(4))), not the selector \(Hex.encode(selector)) of \(signature)")
        }
        return try ABICodec.decode(inputs, from: calldata, at: 4, strict: strict)
    }

    /// Encodes return values.
    public func encodeOutput(_ values: [ABIValue]) throws(ABIError) -> [UInt8] {
        try ABICodec.encode(outputs, values)
    }

    /// Decodes return data (leniently by default: it comes from a node, not from a user).
    public func decodeOutput(_ data: [UInt8], strict: Bool = false) throws(ABIError) -> [ABIValue] {
        try ABICodec.decode(outputs, from: data, strict: strict)
    }
}
