/// Why a JSON value is not the typed value expected at a place in a message; the path names the
/// field, e.g. `params[0].maxFeePerGas`.
public struct WireDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong with the field.
    public enum Problem: Hashable, Sendable {
        /// A required field is absent.
        case missing
        /// The field has the wrong JSON type: `expected` says what it should be, `found` what it is.
        case wrongType(expected: String, found: String)
        /// The type is right but the value is not acceptable (leading zeros, bad checksum, ...).
        case invalidValue(String)
        /// A field this message does not have (strict decoding: typos are not ignored).
        case unknownField
    }

    /// Where: `params[0].gas`.
    public let path: String
    public let problem: Problem

    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    init(path: WirePath, problem: Problem) {
        self.init(path: path.description, problem: problem)
    }

    public var description: String {
        switch problem {
        case .missing: "\(path) is required"
        case .wrongType(let expected, let found): "\(path) must be \(expected), found \(found)"
        case .invalidValue(let message): "\(path): \(message)"
        case .unknownField: "\(path) is not a known field; check its spelling"
        }
    }
}

/// A field's location in a message, rendered only when an error needs it.
struct WirePath: CustomStringConvertible {
    enum Component {
        case key(String)
        case index(Int)
    }

    var root: String
    var components: [Component] = []

    init(_ root: String) { self.root = root }

    func appending(_ key: String) -> WirePath {
        var copy = self
        copy.components.append(.key(key))
        return copy
    }

    func appending(index: Int) -> WirePath {
        var copy = self
        copy.components.append(.index(index))
        return copy
    }

    var description: String {
        var out = root
        for c in components {
            switch c {
            case .key(let k): out += out.isEmpty ? k : ".\(k)"
            case .index(let i): out += "[\(i)]"
            }
        }
        return out
    }
}
