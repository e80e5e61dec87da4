/// The `error` member of a JSON-RPC response: a code, a message for people, optional data.
public struct RPCErrorObject: Error, Sendable, Hashable, CustomStringConvertible {
    /// The numeric code; the signer's are listed in ``RPCErrorCode``.
    public var code: Int
    /// What went wrong and, where there is something to do, what to do.
    public var message: String
    /// Structured detail: `{rule, reason}` for a refusal, `{field}` for invalid params.
    public var data: WireJSON?

    public init(code: Int, message: String, data: WireJSON? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public init(_ code: RPCErrorCode, _ message: String, data: WireJSON? = nil) {
        self.init(code: code.rawValue, message: message, data: data)
    }

    /// The code as one of the signer's, if it is one.
    public var knownCode: RPCErrorCode? { RPCErrorCode(rawValue: code) }

    /// A policy refusal naming the rule that decided it.
    public static func refused(rule: String, reason: String) -> RPCErrorObject {
        RPCErrorObject(.refused, "refused by policy rule '\(rule)': \(reason)",
                 data: .object([WireJSONMember("rule", .string(rule)), WireJSONMember("reason", .string(reason))]))
    }

    /// The rule and reason of a refusal (code -32000 with `data: {rule, reason}`).
    public var refusal: (rule: String, reason: String)? {
        guard code == RPCErrorCode.refused.rawValue,
              let rule = data?["rule"]?.stringValue, let reason = data?["reason"]?.stringValue
        else { return nil }
        return (rule, reason)
    }

    public var description: String { "JSON-RPC error \(code): \(message)" }

    /// `{"code":..,"message":..,"data":..}`.
    public var jsonValue: WireJSON {
        var members = [WireJSONMember("code", .integer(code)), WireJSONMember("message", .string(message))]
        if let data { members.append(WireJSONMember("data", data)) }
        return .object(members)
    }

    /// Reads an `error` member.
    public init(json: WireJSON) throws(WireDecodingError) {
        var reader = try WireObjectReader(json, at: WirePath("error"), ignoringUnknownFields: true)
        guard let code = try reader.required("code", WireDecode.integer).flatMap({ Int(exactly: $0) }) else {
            throw WireDecodingError(path: reader.path.appending("code"), problem: .invalidValue("the error code is out of range"))
        }
        self.code = code
        message = try reader.required("message", WireDecode.string)
        data = reader.rawOptional("data")
    }
}
