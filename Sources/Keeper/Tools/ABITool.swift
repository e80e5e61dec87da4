import EVM

/// `keeper abi selector|encode|decode`: the logic behind the commands, as pure functions that
/// return the text to print or a ``ToolError`` naming the argument at fault.
public enum ABITool {
    /// The 4-byte selector of a function or custom error (`transfer(address,uint256)` ->
    /// `0xa9059cbb`), or the 32-byte topic0 of an event (`event Transfer(...)`).
    public static func selector(signature: String) throws(ToolError) -> String {
        let keyword = signature.drop { $0.isWhitespace }.prefix { !$0.isWhitespace }
        do throws(ABIError) {
            switch keyword {
            case "event": return Hex.encode(try ABIEvent(parsing: signature).topic0)
            case "error": return Hex.encode(try ABICustomError(parsing: signature).selector)
            default: return Hex.encode(try ABIFunction(parsing: signature).selector)
            }
        } catch {
            throw signatureError(error)
        }
    }

    /// Calldata (`0x` hex) for `signature` called with cast-style `arguments`.
    public static func encode(signature: String, arguments: [String]) throws(ToolError) -> String {
        let function = try parseFunction(signature)
        guard arguments.count == function.inputs.count else {
            throw ToolError(
                "\(function.signature) takes \(function.inputs.count) argument\(function.inputs.count == 1 ? "" : "s"), got \(arguments.count)"
            )
        }
        do throws(ABIError) {
            return Hex.encode(try function.encodeCall(arguments: arguments))
        } catch {
            throw ToolError(error.description)
        }
    }

    /// The arguments decoded from `calldata` (strictly: the selector must match and the data
    /// must be the canonical encoding), one per line as `name: value` (or the value alone when
    /// unnamed), or as a JSON array of `{"name", "type", "value"}` objects.
    ///
    /// With `output: true`, `data` is return data decoded against the signature's `returns`
    /// (or cast-style second list) types, without a selector, and leniently (as a contract
    /// caller would: trailing bytes and non-canonical offsets are accepted).
    public static func decode(signature: String, data: String, json: Bool = false, output: Bool = false) throws(ToolError) -> String {
        let function = try parseFunction(signature)
        let trimmed = data.trimmingSpaces
        guard trimmed.hasPrefix("0x") || trimmed.hasPrefix("0X"), let bytes = try? Hex.decode(trimmed) else {
            throw ToolError("\(output ? "return data" : "calldata") '\(preview(data))' is not 0x-prefixed hex with an even number of digits")
        }
        let parameters = output ? function.outputs : function.inputs
        if output, parameters.isEmpty {
            throw ToolError("\(function.signature) declares no return values: write them as 'returns (...)' or as a second list, 'f(address)(uint256)'")
        }
        let values: [ABIValue]
        do throws(ABIError) {
            values = output ? try function.decodeOutput(bytes) : try function.decodeCall(bytes)
        } catch {
            throw ToolError("cannot decode the \(output ? "return data" : "calldata"): \(error.description)")
        }
        if json {
            var out = "["
            for (i, (parameter, value)) in zip(parameters, values).enumerated() {
                if i > 0 { out += "," }
                out += "{\"name\":"
                ABIValue.writeJSONString(parameter.name, into: &out)
                out += ",\"type\":\"\(parameter.type.canonicalName)\",\"value\":\(value.jsonText)}"
            }
            return out + "]"
        }
        return zip(parameters, values).map { parameter, value in
            parameter.name.isEmpty ? value.description : "\(parameter.name): \(value)"
        }.joined(separator: "\n")
    }

    private static func parseFunction(_ signature: String) throws(ToolError) -> ABIFunction {
        do throws(ABIError) {
            return try ABIFunction(parsing: signature)
        } catch {
            throw signatureError(error)
        }
    }

    private static func signatureError(_ error: ABIError) -> ToolError {
        ToolError("bad signature: \(error.message); write it as 'transfer(address,uint256)' or 'function transfer(address to, uint256 amount)'")
    }

    private static func preview(_ text: String) -> String {
        text.count > 40 ? String(text.prefix(37)) + "..." : text
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
