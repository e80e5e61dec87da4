/// EIP-712 typed structured data: what `eth_signTypedData_v4`, ethers' `signTypedData`,
/// eth-account's `sign_typed_data` and `cast wallet sign --data` sign.
///
/// Reading the document checks every type and encodes every value up front, so a `TypedData`
/// that exists has a well-defined ``digest``:
/// `keccak256(0x19 0x01 || domainSeparator || hashStruct(primaryType, message))`.
///
/// ```swift
/// let data = try TypedData(json: requestJSON)
/// let signature = try data.sign(with: key)         // v is 27 or 28 in signature.rsv
/// let signer = try data.recoverSigner(signature)
/// ```
///
/// The JSON is `{"types": ..., "primaryType": ..., "domain": ..., "message": ...}`:
/// - `types` may include `EIP712Domain`; when it does not (ethers never writes it), the domain
///   type is built from the domain fields present, in the order name (string), version (string),
///   chainId (uint256), verifyingContract (address), salt (bytes32).
/// - `primaryType` may be omitted: it is then the one type no other type references.
/// - Integers may be JSON numbers, decimal strings or `0x` hex strings, with `-` for negative
///   `intN` values; they must fit their type. Bytes are `0x` hex; `bytesN` must be exactly N bytes.
///   Addresses with mixed case must pass their EIP-55 checksum.
/// - Every field of a struct must be present and no other: a signer must not show the operator
///   fields that are not signed.
public struct TypedData: Sendable {
    /// The struct types, including `EIP712Domain` (as given, or as built from the domain).
    public let types: [String: [Field]]
    /// The struct type of the message.
    public let primaryType: String
    /// `encodeData(primaryType, message)`: the type hash followed by the encoded members.
    public let messageEncoding: [UInt8]
    /// `hashStruct(primaryType, message)` = keccak256(``messageEncoding``).
    public let messageHash: [UInt8]
    /// `hashStruct(EIP712Domain, domain)`.
    public let domainSeparator: [UInt8]

    /// Parsed member types, by struct name.
    let parsedTypes: [String: [(name: String, type: FieldType)]]

    /// The name of the domain struct type.
    public static let domainTypeName = "EIP712Domain"

    /// The domain fields EIP-712 defines, in the order the domain type lists them.
    static let domainFields: [Field] = [
        Field(name: "name", type: "string"),
        Field(name: "version", type: "string"),
        Field(name: "chainId", type: "uint256"),
        Field(name: "verifyingContract", type: "address"),
        Field(name: "salt", type: "bytes32"),
    ]

    /// Reads an `eth_signTypedData_v4` JSON document.
    ///
    /// - Throws: ``TypedDataError`` naming the type or the value path at fault.
    public init(json: some StringProtocol) throws(TypedDataError) {
        try self.init(jsonBytes: Array(String(json).utf8))
    }

    /// Reads an `eth_signTypedData_v4` JSON document from UTF-8 bytes.
    public init(jsonBytes: some Collection<UInt8>) throws(TypedDataError) {
        let root: [String: JSONValue]
        do {
            guard let object = try JSONValue.parse(jsonBytes).objectValue else {
                throw TypedDataError.document("the document is not a JSON object")
            }
            root = object
        } catch let error as JSONValueError {
            throw .document("not valid JSON (\(error))", cause: error)
        } catch let error as TypedDataError {
            throw error
        } catch {
            throw .document("not valid JSON", cause: error)
        }
        for key in root.keys where !["types", "primaryType", "domain", "message"].contains(key) {
            throw .document("unexpected top-level key '\(key)'; expected types, primaryType, domain and message")
        }
        guard case .object(let typesObject)? = root["types"] else { throw .document("'types' must be an object") }
        let domain: [String: JSONValue]
        switch root["domain"] {
        case .object(let object)?: domain = object
        case nil: domain = [:]
        default: throw .document("'domain' must be an object")
        }
        guard let message = root["message"], case .object = message else { throw .document("'message' must be an object") }
        let primaryType: String?
        switch root["primaryType"] {
        case .string(let name)?: primaryType = name
        case nil, .null?: primaryType = nil
        default: throw .document("'primaryType' must be a string")
        }

        // Struct definitions.
        var types: [String: [Field]] = [:]
        for (name, definition) in typesObject {
            try TypedData.checkIdentifier(name, what: "type name")
            guard !TypedData.isReservedTypeName(name) else {
                throw .types("'\(name)' is an elementary type name and cannot name a struct")
            }
            guard case .array(let members) = definition else { throw .types("types.\(name) must be an array of {name, type}") }
            var fields: [Field] = []
            var seen: Set<String> = []
            for (i, member) in members.enumerated() {
                guard case .object(let m) = member, case .string(let fieldName)? = m["name"], case .string(let fieldType)? = m["type"],
                    m.count == 2
                else { throw .types("types.\(name)[\(i)] must be an object with exactly 'name' and 'type' strings") }
                try TypedData.checkIdentifier(fieldName, what: "member name in \(name)")
                guard seen.insert(fieldName).inserted else { throw .types("\(name) has two members named '\(fieldName)'") }
                fields.append(Field(name: fieldName, type: fieldType))
            }
            types[name] = fields
        }

        // The domain type: given, or built from the domain's fields.
        let domainValues = domain.filter { $0.value != .null }
        if types[TypedData.domainTypeName] == nil {
            for key in domainValues.keys where !TypedData.domainFields.contains(where: { $0.name == key }) {
                throw .types(
                    "domain field '\(key)' is not one EIP-712 defines (name, version, chainId, verifyingContract, salt); declare EIP712Domain in types to use it"
                )
            }
            types[TypedData.domainTypeName] = TypedData.domainFields.filter { domainValues[$0.name] != nil }
        }

        // Parse every member type.
        let structNames = Set(types.keys)
        var parsed: [String: [(name: String, type: FieldType)]] = [:]
        for (name, fields) in types {
            var members: [(name: String, type: FieldType)] = []
            for field in fields {
                members.append((field.name, try TypedData.parseFieldType(field.type, structs: structNames, context: "\(name).\(field.name)")))
            }
            parsed[name] = members
        }

        // The primary type: given, or the one type nothing else references.
        let primary: String
        if let primaryType {
            guard types[primaryType] != nil else {
                throw .types("primaryType '\(primaryType)' is not defined in types")
            }
            primary = primaryType
        } else {
            var referenced: Set<String> = []
            for (name, members) in parsed {
                for member in members {
                    if let s = member.type.structName, s != name { referenced.insert(s) }
                }
            }
            let roots = parsed.keys.filter { $0 != TypedData.domainTypeName && !referenced.contains($0) }.sorted(by: utf8Precedes)
            guard roots.count == 1 else {
                throw .types(
                    roots.isEmpty
                        ? "no primary type: every type is referenced by another; give primaryType"
                        : "ambiguous primary type (\(roots.joined(separator: ", "))); give primaryType or remove unused types")
            }
            primary = roots[0]
        }

        self.types = types
        self.primaryType = primary
        self.parsedTypes = parsed
        self.domainSeparator = try Keccak256.hash(
            TypedData.encodeData(TypedData.domainTypeName, .object(domainValues), path: "domain", types: types, parsed: parsed, depth: 0))
        let encoding = try TypedData.encodeData(primary, message, path: "message", types: types, parsed: parsed, depth: 0)
        self.messageEncoding = encoding
        self.messageHash = Keccak256.hash(encoding)
    }

    /// The EIP-712 type encoding of `typeName`: its signature followed by those of every struct
    /// it references, sorted by name (`Mail(Person from,Person to,string contents)Person(...)`).
    /// Nil when `typeName` is not defined.
    public func encodeType(_ typeName: String) -> String? {
        guard types[typeName] != nil else { return nil }
        return TypedData.encodeType(typeName, types: types, parsed: parsedTypes)
    }

    /// keccak256 of ``encodeType(_:)``; nil when `typeName` is not defined.
    public func typeHash(_ typeName: String) -> [UInt8]? {
        encodeType(typeName).map { Keccak256.hash(Array($0.utf8)) }
    }

    /// The 32-byte digest that is signed: `keccak256(0x1901 || domainSeparator || messageHash)`
    /// (without the message hash when the primary type is `EIP712Domain`, as eth-sig-util does).
    public var digest: [UInt8] {
        var hasher = Keccak256()
        hasher.update([0x19, 0x01])
        hasher.update(domainSeparator)
        if primaryType != TypedData.domainTypeName { hasher.update(messageHash) }
        return hasher.finalize()
    }

    /// Signs ``digest``: RFC 6979 nonce, low-s. ``Signature/rsv`` gives the 65-byte form with
    /// v = 27 or 28.
    public func sign(with key: PrivateKey) throws(SigningError) -> Signature {
        try key.sign(digest: digest)
    }

    /// The address whose key produced `signature` over this typed data.
    public func recoverSigner(_ signature: Signature) throws(SigningError) -> Address {
        try Secp256k1.recoverAddress(digest: digest, signature: signature)
    }

    /// The address whose key produced the 65-byte `r || s || v` signature (v 0/1 or 27/28).
    public func recoverSigner(rsv: [UInt8]) throws(SigningError) -> Address {
        try recoverSigner(Signature(rsv: rsv))
    }
}
