public import EVM

/// Checks on one decoded argument of an allowed function.
///
/// Value checks (`eq`, `one_of`, `le`, `ge`, `lt`, `gt`) apply to `uintN`, `intN`, `address`,
/// `bool` and `bytesN` parameters; the ordering checks only to `uintN` and `intN`. On an array of
/// such a type (`address[]`, `uint256[3]`) every value check applies to every element, and
/// `max_length` bounds the number of elements (on `bytes` and `string`: the number of bytes).
/// Tuples cannot be constrained yet: such a parameter can only be left free.
public struct ArgumentConstraint: Hashable, Sendable {
    /// A parameter by its name in the signature or by its 0-based index.
    public enum Parameter: Hashable, Sendable, CustomStringConvertible {
        case name(String)
        case index(Int)

        public var description: String {
            switch self {
            case .name(let name): name
            case .index(let i): String(i)
            }
        }
    }

    public var parameter: Parameter
    public var checks: [ArgumentCheck]

    public init(_ parameter: Parameter, _ checks: [ArgumentCheck]) {
        self.parameter = parameter
        self.checks = checks
    }

    /// A constraint on the parameter named `name`.
    public init(_ name: String, _ checks: ArgumentCheck...) {
        self.init(.name(name), checks)
    }

    /// A constraint on the parameter at `index`.
    public init(index: Int, _ checks: ArgumentCheck...) {
        self.init(.index(index), checks)
    }

    func validate(against type: ABIType, context: PolicyContext) throws(PolicyError) {
        guard !checks.isEmpty else {
            throw context.error(.badValue, "a constraint needs at least one check: eq, one_of, le, ge, lt, gt or max_length")
        }
        for check in checks {
            switch check {
            case .maxLength(let n):
                switch type {
                case .array, .fixedArray, .bytes, .string:
                    guard n >= 0 else { throw context.error(.badValue, "max_length must be 0 or more") }
                default:
                    throw context.error(.badValue, "max_length applies to arrays, bytes and string, not to \(type.canonicalName)")
                }
            default:
                let element = type.constrainedElement
                guard let element, element.isConstrainable else {
                    throw context.error(.badValue, "\(check.name) cannot constrain a \(type.canonicalName) parameter; value checks apply to uintN, intN, address, bool, bytesN and arrays of them")
                }
                if check.isOrdering, !element.isNumeric {
                    throw context.error(.badValue, "\(check.name) compares numbers; \(element.canonicalName) allows only eq and one_of")
                }
                for scalar in check.scalars {
                    if let problem = scalar.mismatch(with: element) {
                        throw context.error(.badValue, "\(check.name): \(problem)")
                    }
                }
                if case .oneOf(let list) = check, list.isEmpty {
                    throw context.error(.badValue, "one_of is empty, so nothing would be allowed; list at least one value or remove the function")
                }
            }
        }
    }
}

/// One check on an argument.
public enum ArgumentCheck: Hashable, Sendable {
    case eq(PolicyScalar)
    case oneOf([PolicyScalar])
    case le(PolicyScalar)
    case ge(PolicyScalar)
    case lt(PolicyScalar)
    case gt(PolicyScalar)
    /// At most this many elements (arrays) or bytes (`bytes`, `string`).
    case maxLength(Int)

    /// The policy-file key of the check.
    public var name: String {
        switch self {
        case .eq: "eq"
        case .oneOf: "one_of"
        case .le: "le"
        case .ge: "ge"
        case .lt: "lt"
        case .gt: "gt"
        case .maxLength: "max_length"
        }
    }

    var isOrdering: Bool {
        switch self {
        case .le, .ge, .lt, .gt: true
        default: false
        }
    }

    var scalars: [PolicyScalar] {
        switch self {
        case .eq(let s), .le(let s), .ge(let s), .lt(let s), .gt(let s): [s]
        case .oneOf(let list): list
        case .maxLength: []
        }
    }
}

/// A value in an argument constraint.
public enum PolicyScalar: Hashable, Sendable, CustomStringConvertible {
    case uint(U256)
    case int(I256)
    case address(Address)
    case bool(Bool)
    /// A `bytesN` value: exactly N bytes.
    case bytes([UInt8])

    public var description: String {
        switch self {
        case .uint(let v): v.decimalString
        case .int(let v): v.description
        case .address(let a): a.checksummed
        case .bool(let b): String(b)
        case .bytes(let b): Hex.encode(b)
        }
    }

    /// Why this value cannot be compared with a `type` argument, or nil when it can.
    func mismatch(with type: ABIType) -> String? {
        switch (self, type) {
        case (.uint(let v), .uint(let bits)):
            return v.bitLength <= bits ? nil : "\(v.decimalString) does not fit in uint\(bits)"
        case (.int(let v), .int(let bits)):
            return v.fits(bitWidth: bits) ? nil : "\(v) does not fit in int\(bits)"
        case (.address, .address), (.bool, .bool):
            return nil
        case (.bytes(let b), .fixedBytes(let n)):
            return b.count == n ? nil : "\(Hex.encode(b)) is \(b.count) bytes; bytes\(n) needs exactly \(n)"
        default:
            return "\(self) is not a \(type.canonicalName)"
        }
    }

    /// Equality with a decoded value (false for values of another type).
    func equals(_ value: ABIValue) -> Bool {
        switch (self, value) {
        case (.uint(let a), .uint(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.address(let a), .address(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.bytes(let a), .fixedBytes(let b)): a == b
        default: false
        }
    }

    /// -1, 0 or 1 comparing a decoded number with this one; nil for other types.
    func compare(_ value: ABIValue) -> Int? {
        switch (value, self) {
        case (.uint(let a), .uint(let b)): a < b ? -1 : (a == b ? 0 : 1)
        case (.int(let a), .int(let b)): a < b ? -1 : (a == b ? 0 : 1)
        default: nil
        }
    }
}

extension ABIType {
    /// The type value checks apply to: the type itself, or the element type of an array.
    var constrainedElement: ABIType? {
        switch self {
        case .array(let element), .fixedArray(let element, _): element
        default: self
        }
    }

    var isConstrainable: Bool {
        switch self {
        case .uint, .int, .address, .bool, .fixedBytes: true
        default: false
        }
    }

    var isNumeric: Bool {
        switch self {
        case .uint, .int: true
        default: false
        }
    }
}
