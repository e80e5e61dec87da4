#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The functions, events and errors of a contract, read from a Solidity/Vyper JSON ABI
/// (`[{"type": "function", "name": ..., "inputs": [...], ...}, ...]`) or from a compiler
/// artifact that holds one under `"abi"` (Hardhat, Foundry).
///
/// Constructor, fallback and receive entries are skipped: nothing calls them by name.
public struct ContractABI: Hashable, Sendable {
    /// The functions, in file order.
    public var functions: [ABIFunction]
    /// The events, in file order.
    public var events: [ABIEvent]
    /// The custom errors, in file order.
    public var errors: [ABICustomError]

    /// A contract ABI from its parts.
    public init(functions: [ABIFunction] = [], events: [ABIEvent] = [], errors: [ABICustomError] = []) {
        self.functions = functions
        self.events = events
        self.errors = errors
    }

    /// Parses JSON ABI text (an array of entries, or an object with an `"abi"` array).
    public init(json: String) throws(ABIError) {
        try self.init(json: Array(json.utf8))
    }

    /// Parses JSON ABI bytes (an array of entries, or an object with an `"abi"` array).
    public init(json: [UInt8]) throws(ABIError) {
        let entries: [Entry]
        do {
            if json.first(where: { $0 != 0x20 && $0 != 0x0a && $0 != 0x0d && $0 != 0x09 }) == UInt8(ascii: "{") {
                entries = try JSONDecoder().decode(Artifact.self, from: Data(json)).abi
            } else {
                entries = try JSONDecoder().decode([Entry].self, from: Data(json))
            }
        } catch {
            throw .invalidJSON("not a JSON ABI (an array of entries, or an object with an \"abi\" array): \(error)")
        }
        self.init()
        for (i, entry) in entries.enumerated() {
            do throws(ABIError) {
                switch entry.type ?? "function" {
                case "function":
                    let mutability: ABIFunction.StateMutability =
                        entry.stateMutability.flatMap(ABIFunction.StateMutability.init(rawValue:))
                        ?? (entry.constant == true ? .view : entry.payable == true ? .payable : .nonpayable)
                    functions.append(
                        ABIFunction(
                            name: try entry.requireName(),
                            inputs: try (entry.inputs ?? []).map { p throws(ABIError) in try p.parameter() },
                            outputs: try (entry.outputs ?? []).map { p throws(ABIError) in try p.parameter() },
                            stateMutability: mutability
                        )
                    )
                case "event":
                    let inputs = entry.inputs ?? []
                    events.append(
                        try ABIEvent(
                            name: try entry.requireName(),
                            inputs: try inputs.map { p throws(ABIError) in try p.parameter() },
                            indexed: inputs.map { $0.indexed ?? false },
                            anonymous: entry.anonymous ?? false
                        )
                    )
                case "error":
                    errors.append(
                        ABICustomError(
                            name: try entry.requireName(),
                            inputs: try (entry.inputs ?? []).map { p throws(ABIError) in try p.parameter() }
                        )
                    )
                case "constructor", "fallback", "receive":
                    break
                case let other:
                    throw ABIError.invalidJSON("unknown entry type '\(other)'")
                }
            } catch {
                throw .invalidJSON("entry \(i)\(entry.name.map { " ('\($0)')" } ?? ""): \(error.message)")
            }
        }
    }

    /// The functions with this name (overloads give several).
    public func functions(named name: String) -> [ABIFunction] { functions.filter { $0.name == name } }

    /// The function with this name, when there is exactly one; or the one whose canonical
    /// signature is `name` (`transfer(address,uint256)`).
    public func function(_ nameOrSignature: String) -> ABIFunction? {
        if nameOrSignature.contains("(") { return functions.first { $0.signature == nameOrSignature } }
        let matches = functions(named: nameOrSignature)
        return matches.count == 1 ? matches[0] : nil
    }

    /// The function with this 4-byte selector.
    public func function(selector: [UInt8]) -> ABIFunction? { functions.first { $0.selector == selector } }

    /// The event whose topic0 this is.
    public func event(topic0: [UInt8]) -> ABIEvent? { events.first { !$0.anonymous && $0.topic0 == topic0 } }

    /// The event with this name, when there is exactly one.
    public func event(_ name: String) -> ABIEvent? {
        let matches = events.filter { $0.name == name }
        return matches.count == 1 ? matches[0] : nil
    }

    /// Decodes revert data against `Error(string)`, `Panic(uint256)` and this contract's errors.
    public func decodeRevert(_ data: [UInt8]) -> ABIRevert { ABIRevert(data: data, customErrors: errors) }

    // MARK: JSON shapes

    private struct Artifact: Decodable {
        var abi: [Entry]
    }

    private struct Entry: Decodable {
        var type: String?
        var name: String?
        var inputs: [Parameter]?
        var outputs: [Parameter]?
        var stateMutability: String?
        var anonymous: Bool?
        var constant: Bool?
        var payable: Bool?

        func requireName() throws(ABIError) -> String {
            guard let name, !name.isEmpty else { throw .invalidJSON("missing \"name\"") }
            return name
        }
    }

    private struct Parameter: Decodable {
        var name: String?
        var type: String
        var components: [Parameter]?
        var indexed: Bool?

        /// `tuple`, `tuple[]`, `tuple[2][]` take their components; other types parse as written.
        func parameter() throws(ABIError) -> ABIParameter {
            if type.hasPrefix("tuple") {
                let suffix = type.dropFirst("tuple".count)
                var tuple = ABIType.tuple(try (components ?? []).map { p throws(ABIError) in try p.parameter() })
                var rest = Substring(suffix)
                while !rest.isEmpty {
                    guard rest.first == "[", let close = rest.firstIndex(of: "]") else {
                        throw .invalidJSON("bad tuple type '\(type)'")
                    }
                    let inside = rest[rest.index(after: rest.startIndex)..<close]
                    if inside.isEmpty {
                        tuple = .array(tuple)
                    } else if let count = Int(inside) {
                        tuple = .fixedArray(tuple, count: count)
                    } else {
                        throw .invalidJSON("bad array length in '\(type)'")
                    }
                    rest = rest[rest.index(after: close)...]
                }
                try tuple.validate()
                return ABIParameter(name: name ?? "", type: tuple)
            }
            return ABIParameter(name: name ?? "", type: try ABIType(parsing: type))
        }
    }
}
