/// Decoded revert data: why a call or a transaction reverted, as text an operator can read.
///
/// ```swift
/// ABIRevert(data: revertData, customErrors: [insufficientBalance]).description
/// // "Panic(0x11): arithmetic overflow or underflow"
/// ```
public enum ABIRevert: Hashable, Sendable, CustomStringConvertible {
    /// No revert data (`revert()`, `require(cond)` without a message, out of gas, ...).
    case empty
    /// `Error(string)`: `require(cond, "message")` or `revert("message")`.
    case error(String)
    /// `Panic(uint256)`: a failed assert, overflow, division by zero, bad index...
    case panic(code: U256)
    /// A custom error from the list given to the decoder, with its decoded arguments.
    case custom(ABICustomError, [ABIValue])
    /// Data that matches nothing known (or does not decode as what its selector says).
    case unknown([UInt8])

    /// Selector of `Error(string)`: 0x08c379a0.
    public static let errorSelector: [UInt8] = [0x08, 0xc3, 0x79, 0xa0]
    /// Selector of `Panic(uint256)`: 0x4e487b71.
    public static let panicSelector: [UInt8] = [0x4e, 0x48, 0x7b, 0x71]

    /// Decodes revert data, trying `Error(string)`, `Panic(uint256)` and then `customErrors`.
    /// Never fails: anything that does not decode is ``unknown(_:)``.
    public init(data: [UInt8], customErrors: [ABICustomError] = []) {
        guard !data.isEmpty else {
            self = .empty
            return
        }
        guard data.count >= 4 else {
            self = .unknown(data)
            return
        }
        let selector = data.prefix(4)
        if selector.elementsEqual(ABIRevert.errorSelector),
            let values = try? ABICodec.decode([ABIParameter(type: .string)], from: data, at: 4, strict: false),
            let message = values.first?.stringValue
        {
            self = .error(message)
            return
        }
        if selector.elementsEqual(ABIRevert.panicSelector),
            let values = try? ABICodec.decode([ABIParameter(type: .uint256)], from: data, at: 4, strict: false),
            let code = values.first?.uintValue
        {
            self = .panic(code: code)
            return
        }
        for custom in customErrors where selector.elementsEqual(custom.selector) {
            if let values = try? custom.decode(data) {
                self = .custom(custom, values)
                return
            }
        }
        self = .unknown(data)
    }

    /// What a Solidity panic code means, or nil for a code Solidity does not define.
    public static func panicMeaning(_ code: U256) -> String? {
        guard let small = code.uint64 else { return nil }
        switch small {
        case 0x00: return "generic compiler-inserted panic"
        case 0x01: return "assertion failed (assert)"
        case 0x11: return "arithmetic overflow or underflow"
        case 0x12: return "division or modulo by zero"
        case 0x21: return "conversion to an enum out of range"
        case 0x22: return "incorrectly encoded storage byte array"
        case 0x31: return "pop() on an empty array"
        case 0x32: return "array index out of bounds"
        case 0x41: return "out of memory (allocation too large)"
        case 0x51: return "call to a zero-initialized internal function variable"
        default: return nil
        }
    }

    /// `Error: message`, `Panic(0x11): arithmetic overflow or underflow`,
    /// `InsufficientBalance(available: 1, required: 2)`, `empty revert data`, or the raw hex.
    public var description: String {
        switch self {
        case .empty:
            return "empty revert data (revert() or require without a message)"
        case .error(let message):
            var out = "Error: "
            ABIValue.writeJSONString(message, into: &out)
            return out
        case .panic(let code):
            let hex = code.hexQuantity.count < 4 ? "0x0" + code.hexQuantity.dropFirst(2) : code.hexQuantity
            return "Panic(\(hex)): \(ABIRevert.panicMeaning(code) ?? "unknown panic code")"
        case .custom(let error, let values):
            let arguments = zip(error.inputs, values).map { input, value in
                input.name.isEmpty ? value.description : "\(input.name): \(value)"
            }
            return "\(error.name)(\(arguments.joined(separator: ", ")))"
        case .unknown(let data):
            if data.count >= 4 {
                return "unknown revert data with selector \(Hex.encode(data.prefix(4))) (\(data.count) bytes): \(Hex.encode(data))"
            }
            return "unknown revert data (\(data.count) bytes): \(Hex.encode(data))"
        }
    }
}
