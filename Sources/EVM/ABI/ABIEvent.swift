/// A contract event: its parameters, which of them are indexed (carried in topics), and
/// topic0, the Keccak-256 of its canonical signature.
///
/// Indexed parameters of value types (`uintN`, `intN`, `address`, `bool`, `bytesN`) are their
/// 32-byte encoding in a topic; indexed `bytes`, `string`, arrays and tuples are stored as the
/// Keccak-256 of their raw bytes (`bytes`, `string`) or in-place encoding (arrays, tuples), so a
/// log can give back only that hash.
public struct ABIEvent: Hashable, Sendable, CustomStringConvertible {
    /// One decoded log field.
    public struct Field: Hashable, Sendable, CustomStringConvertible {
        /// The parameter name (empty when unnamed).
        public var name: String
        /// The parameter type.
        public var type: ABIType
        /// Whether the value came from a topic.
        public var indexed: Bool
        /// The value; for a hashed indexed parameter, `.fixedBytes` of the 32-byte hash.
        public var value: ABIValue
        /// Whether ``value`` is the hash of the real value (indexed dynamic, array or tuple types).
        public var isHash: Bool

        /// `name: value`, with `(hash)` for hashed indexed values.
        public var description: String {
            let text = isHash ? "\(value) (keccak256 of the indexed \(type.canonicalName))" : value.description
            return name.isEmpty ? text : "\(name): \(text)"
        }
    }

    /// The event name.
    public let name: String
    /// The parameters in declaration order.
    public let inputs: [ABIParameter]
    /// Whether each input is indexed.
    public let indexed: [Bool]
    /// An anonymous event has no topic0.
    public let anonymous: Bool
    /// The canonical signature, `Name(type1,type2)`.
    public let signature: String
    /// Keccak-256 of ``signature``: the first topic of a non-anonymous event's logs.
    public let topic0: [UInt8]

    /// An event from its parts; `indexed` has one flag per input.
    public init(name: String, inputs: [ABIParameter], indexed: [Bool], anonymous: Bool = false) throws(ABIError) {
        guard indexed.count == inputs.count else {
            throw .invalidSignature("event \(name): \(indexed.count) indexed flags for \(inputs.count) inputs")
        }
        let limit = anonymous ? 4 : 3
        guard indexed.filter({ $0 }).count <= limit else {
            throw .invalidSignature("event \(name) has \(indexed.filter { $0 }.count) indexed parameters; at most \(limit) fit in a log's topics")
        }
        self.name = name
        self.inputs = inputs
        self.indexed = indexed
        self.anonymous = anonymous
        self.signature = ABIFunction.canonicalSignature(name, inputs)
        self.topic0 = Keccak256.hash(signature)
    }

    /// Parses `event Transfer(address indexed from, address indexed to, uint256 value)` (the
    /// keyword is optional; `anonymous` may follow the list).
    public init(parsing text: String) throws(ABIError) {
        var parser = ABISignatureParser(text)
        let declaration = try parser.parseDeclaration()
        guard declaration.keyword == nil || declaration.keyword == "event" else {
            throw .invalidSignature("'\(text)' declares a \(declaration.keyword ?? ""), not an event")
        }
        guard declaration.outputs.isEmpty, declaration.stateMutability == nil else {
            throw .invalidSignature("'\(text)': an event has no return values or mutability")
        }
        try self.init(name: declaration.name, inputs: declaration.inputs, indexed: declaration.indexed, anonymous: declaration.anonymous)
    }

    /// `event Name(type indexed name, ...)`.
    public var description: String {
        let parameters = zip(inputs, indexed).map { input, isIndexed in
            var text = input.type.canonicalName
            if isIndexed { text += " indexed" }
            if !input.name.isEmpty { text += " " + input.name }
            return text
        }
        return "event \(name)(\(parameters.joined(separator: ", ")))\(anonymous ? " anonymous" : "")"
    }

    /// Whether an indexed parameter of this type is stored as a hash.
    public static func isHashedWhenIndexed(_ type: ABIType) -> Bool {
        switch type {
        case .uint, .int, .address, .bool, .fixedBytes: false
        default: true
        }
    }

    /// The topic of an indexed value: its word, or the Keccak-256 of its in-place encoding.
    public static func topic(for value: ABIValue, as type: ABIType) throws(ABIError) -> [UInt8] {
        if !isHashedWhenIndexed(type) { return try ABICodec.encode(value, as: type) }
        _ = try ABIEncoder.size(of: value, as: type)  // checks the value against the type
        switch value {
        case .bytes(let b): return Keccak256.hash(b)  // at the top level: raw, unpadded
        case .string(let s): return Keccak256.hash(s)
        default: break
        }
        var out: [UInt8] = []
        inPlaceEncoding(value, as: type, into: &out)
        return Keccak256.hash(out)
    }

    /// The encoding Solidity hashes for indexed arrays and tuples: elements padded to 32 bytes
    /// (`bytes` and `string` elements too), without lengths or offsets.
    private static func inPlaceEncoding(_ value: ABIValue, as type: ABIType, into out: inout [UInt8]) {
        switch (type, value) {
        case (.bytes, .bytes(let b)):
            out += b
            out += [UInt8](repeating: 0, count: ABIEncoder.paddedLength(b.count) - b.count)
        case (.string, .string(let s)):
            out += s.utf8
            out += [UInt8](repeating: 0, count: ABIEncoder.paddedLength(s.utf8.count) - s.utf8.count)
        case (.array(let element), .array(let values)), (.fixedArray(let element, _), .array(let values)):
            for v in values { inPlaceEncoding(v, as: element, into: &out) }
        case (.tuple(let components), .tuple(let values)):
            for (c, v) in zip(components, values) { inPlaceEncoding(v, as: c.type, into: &out) }
        default:
            // Value types: their word. The value was checked against the type by the caller.
            if let word = try? ABICodec.encode(value, as: type) { out += word }
        }
    }

    /// Topics and data of a log of this event with these values.
    public func encodeLog(_ values: [ABIValue]) throws(ABIError) -> (topics: [[UInt8]], data: [UInt8]) {
        guard values.count == inputs.count else {
            throw .valueMismatch("event \(name) has \(inputs.count) parameters, got \(values.count) values")
        }
        var topics: [[UInt8]] = anonymous ? [] : [topic0]
        var dataParameters: [ABIParameter] = []
        var dataValues: [ABIValue] = []
        for (i, input) in inputs.enumerated() {
            if indexed[i] {
                do throws(ABIError) {
                    topics.append(try ABIEvent.topic(for: values[i], as: input.type))
                } catch {
                    throw error.under(.argument(i, name: input.name))
                }
            } else {
                dataParameters.append(input)
                dataValues.append(values[i])
            }
        }
        return (topics, try ABICodec.encode(dataParameters, dataValues))
    }

    /// Decodes a log: checks topic0 (unless anonymous) and the topic count, reads indexed values
    /// from topics and the others from `data` (leniently by default: logs come from a node).
    public func decodeLog(topics: [[UInt8]], data: [UInt8], strict: Bool = false) throws(ABIError) -> [Field] {
        let indexedCount = indexed.filter { $0 }.count
        let expected = indexedCount + (anonymous ? 0 : 1)
        guard topics.count == expected else {
            throw .topicMismatch("\(signature) logs have \(expected) topic\(expected == 1 ? "" : "s"), this one has \(topics.count)")
        }
        if !anonymous {
            guard topics[0] == topic0 else {
                throw .topicMismatch("topic0 \(Hex.encode(topics[0])) is not \(Hex.encode(topic0)), the hash of \(signature)")
            }
        }
        let dataIndices = inputs.indices.filter { !indexed[$0] }
        let dataValues: [ABIValue]
        do throws(ABIError) {
            dataValues = try ABICodec.decode(dataIndices.map { inputs[$0] }, from: data, strict: strict)
        } catch {
            // Name the argument by its position in the event, not in the data.
            var located = error
            if case .argument(let j, let name)? = error.path.components.first {
                located.path.components[0] = .argument(dataIndices[j], name: name)
            }
            throw located
        }
        var fields: [Field] = []
        var topicIndex = anonymous ? 0 : 1
        var dataIndex = 0
        for (i, input) in inputs.enumerated() {
            if indexed[i] {
                let topic = topics[topicIndex]
                topicIndex += 1
                guard topic.count == 32 else {
                    throw .topicMismatch("topic \(topicIndex - 1) has \(topic.count) bytes, not 32")
                }
                if ABIEvent.isHashedWhenIndexed(input.type) {
                    fields.append(Field(name: input.name, type: input.type, indexed: true, value: .fixedBytes(topic), isHash: true))
                } else {
                    do throws(ABIError) {
                        let value = try ABICodec.decode(input.type, from: topic, strict: true)
                        fields.append(Field(name: input.name, type: input.type, indexed: true, value: value, isHash: false))
                    } catch {
                        throw error.under(.argument(i, name: input.name))
                    }
                }
            } else {
                fields.append(Field(name: input.name, type: input.type, indexed: false, value: dataValues[dataIndex], isHash: false))
                dataIndex += 1
            }
        }
        return fields
    }
}
