/// A Solidity ABI type: the shape of a value in calldata, return data, logs and revert data.
///
/// Types print in their canonical form (`uint256`, `(address,uint256)[]`), the form that
/// selectors and event topics hash. Parse one with ``ABIType/init(parsing:)``, which accepts the
/// aliases `uint`, `int` (256 bits) and `byte` (`bytes1`) and component names inside tuples.
public enum ABIType: Hashable, Sendable {
    /// `uintN`, N a multiple of 8 in 8...256.
    case uint(bits: Int)
    /// `intN`, N a multiple of 8 in 8...256.
    case int(bits: Int)
    /// `address` (20 bytes).
    case address
    /// `bool`.
    case bool
    /// `bytesN`, N in 1...32.
    case fixedBytes(Int)
    /// `bytes`, dynamic length.
    case bytes
    /// `string`, UTF-8, dynamic length.
    case string
    /// `T[]`, dynamic length.
    indirect case array(ABIType)
    /// `T[k]`, k >= 1.
    indirect case fixedArray(ABIType, count: Int)
    /// `(T1,T2,...)`, with optional component names (names never change the encoding).
    case tuple([ABIParameter])

    /// `uint256`.
    public static let uint256 = ABIType.uint(bits: 256)
    /// `int256`.
    public static let int256 = ABIType.int(bits: 256)
    /// `bytes32`.
    public static let bytes32 = ABIType.fixedBytes(32)

    /// A tuple of unnamed components.
    public static func tuple(types: [ABIType]) -> ABIType {
        .tuple(types.map { ABIParameter(type: $0) })
    }

    /// Parses a type such as `uint256`, `(address token, uint amount)[]` or `tuple(bool,bytes)[2]`.
    public init(parsing text: String) throws(ABIError) {
        var parser = ABISignatureParser(text)
        do throws(ABIError) {
            let type = try parser.parseType()
            try parser.expectEnd()
            self = type
        } catch {
            throw .invalidType(error.message)
        }
    }
}

extension ABIType {
    /// The canonical type string (`uint256`, `(address,uint256)[]`), without component names.
    public var canonicalName: String {
        var out = ""
        writeCanonical(into: &out)
        return out
    }

    func writeCanonical(into out: inout String) {
        switch self {
        case .uint(let bits): out += "uint\(bits)"
        case .int(let bits): out += "int\(bits)"
        case .address: out += "address"
        case .bool: out += "bool"
        case .fixedBytes(let n): out += "bytes\(n)"
        case .bytes: out += "bytes"
        case .string: out += "string"
        case .array(let element):
            element.writeCanonical(into: &out)
            out += "[]"
        case .fixedArray(let element, let count):
            element.writeCanonical(into: &out)
            out += "[\(count)]"
        case .tuple(let components):
            out += "("
            for (i, component) in components.enumerated() {
                if i > 0 { out += "," }
                component.type.writeCanonical(into: &out)
            }
            out += ")"
        }
    }

    /// Whether the encoding is referenced by an offset from its parent's head (`bytes`, `string`,
    /// `T[]`, and any `T[k]` or tuple that contains one).
    public var isDynamic: Bool {
        switch self {
        case .uint, .int, .address, .bool, .fixedBytes: false
        case .bytes, .string, .array: true
        case .fixedArray(let element, _): element.isDynamic
        case .tuple(let components): components.contains { $0.type.isDynamic }
        }
    }

    /// The number of bytes this type takes in its parent's head: 32 for a dynamic type (its
    /// offset), otherwise the full static encoding (`(uint256,bool)[3]` takes 192).
    public var headSize: Int {
        switch self {
        case .uint, .int, .address, .bool, .fixedBytes: 32
        case .bytes, .string, .array: 32
        case .fixedArray(let element, let count):
            element.isDynamic ? 32 : element.headSize * count
        case .tuple(let components):
            isDynamic ? 32 : components.reduce(0) { $0 + $1.type.headSize }
        }
    }

    /// Checks the limits the ABI puts on widths and lengths; ``ABIType/init(parsing:)`` applies it.
    func validate() throws(ABIError) {
        switch self {
        case .uint(let bits), .int(let bits):
            guard bits >= 8, bits <= 256, bits % 8 == 0 else {
                throw .invalidType("\(canonicalName) has an invalid width: use a multiple of 8 from 8 to 256")
            }
        case .fixedBytes(let n):
            guard n >= 1, n <= 32 else {
                throw .invalidType("bytes\(n) has an invalid length: use bytes1 to bytes32, or bytes for any length")
            }
        case .address, .bool, .bytes, .string: break
        case .array(let element): try element.validate()
        case .fixedArray(let element, let count):
            guard count >= 1 else { throw .invalidType("\(canonicalName): a fixed-size array needs at least one element") }
            try element.validate()
            let (size, overflow) = element.headSize.multipliedReportingOverflow(by: count)
            guard !overflow, size <= ABIType.maximumHeadSize else {
                throw .invalidType("\(canonicalName) is too large: its encoding would exceed \(ABIType.maximumHeadSize) bytes")
            }
        case .tuple(let components):
            guard !components.isEmpty else { throw .invalidType("an empty tuple () is not an ABI type") }
            var size = 0
            for component in components {
                try component.type.validate()
                size += component.type.headSize
            }
            guard size <= ABIType.maximumHeadSize else {
                throw .invalidType("\(canonicalName) is too large: its encoding would exceed \(ABIType.maximumHeadSize) bytes")
            }
        }
    }

    /// The largest static encoding a type may have (16 MiB); larger fixed arrays are rejected
    /// when a type is parsed or decoded, so that sizes never overflow.
    public static let maximumHeadSize = 1 << 24

    /// Throws when this type breaks the ABI's limits: a width or length out of range, an empty
    /// tuple, a zero-length or oversized fixed array. Parsing checks this; call it for types
    /// built in code before decoding untrusted data with them (``ABICodec`` decode does).
    public func validated() throws(ABIError) -> ABIType {
        try validate()
        return self
    }
}

extension ABIType: CustomStringConvertible {
    /// The canonical type string.
    public var description: String { canonicalName }
}

/// A named slot of a function, event, error or tuple: a type and its (possibly empty) name.
public struct ABIParameter: Hashable, Sendable, CustomStringConvertible {
    /// The name, or the empty string when the signature gives none.
    public var name: String
    /// The type.
    public var type: ABIType

    /// A parameter of `type`, named `name` (empty for none).
    public init(name: String = "", type: ABIType) {
        self.name = name
        self.type = type
    }

    /// `type name`, or the type alone when unnamed.
    public var description: String { name.isEmpty ? type.canonicalName : "\(type.canonicalName) \(name)" }
}
