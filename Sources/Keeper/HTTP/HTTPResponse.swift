public import EVM

/// What a route handler answers. The server adds `Content-Length`, `Connection` and `Date`.
public struct HTTPResponse: Sendable {
    /// A status code with its reason phrase.
    public struct Status: Sendable, Hashable, CustomStringConvertible {
        public let code: Int
        public let reason: String

        public init(code: Int, reason: String) {
            self.code = code
            self.reason = reason
        }

        public static let ok = Status(code: 200, reason: "OK")
        public static let badRequest = Status(code: 400, reason: "Bad Request")
        public static let notFound = Status(code: 404, reason: "Not Found")
        public static let methodNotAllowed = Status(code: 405, reason: "Method Not Allowed")
        public static let requestTimeout = Status(code: 408, reason: "Request Timeout")
        public static let contentTooLarge = Status(code: 413, reason: "Content Too Large")
        public static let uriTooLong = Status(code: 414, reason: "URI Too Long")
        public static let requestHeaderFieldsTooLarge = Status(code: 431, reason: "Request Header Fields Too Large")
        public static let internalServerError = Status(code: 500, reason: "Internal Server Error")
        public static let notImplemented = Status(code: 501, reason: "Not Implemented")
        public static let serviceUnavailable = Status(code: 503, reason: "Service Unavailable")
        public static let httpVersionNotSupported = Status(code: 505, reason: "HTTP Version Not Supported")

        public var description: String { "\(code) \(reason)" }
    }

    public var status: Status
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Status = .ok, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `text/plain; charset=utf-8` answer.
    public static func text(_ text: String, status: Status = .ok) -> HTTPResponse {
        HTTPResponse(
            status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array(text.utf8))
    }

    /// An `application/json` answer: `value` serialized compactly with sorted keys, then a newline.
    public static func json(_ value: JSONValue, status: Status = .ok) -> HTTPResponse {
        HTTPResponse(
            status: status, headers: ["Content-Type": "application/json"], body: Array((value.serialized + "\n").utf8))
    }

    /// A JSON error answer, `{"error": message}`; what the server sends for 400, 404, 405, ...
    public static func error(_ status: Status, _ message: String) -> HTTPResponse {
        json(.object(["error": .string(message)]), status: status)
    }
}
