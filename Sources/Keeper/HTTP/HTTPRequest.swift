/// One request as a route handler sees it.
public struct HTTPRequest: Sendable {
    public let method: HTTPMethod
    /// The path as sent, still percent-encoded, without the query.
    public let path: String
    /// What followed `?` in the target, undecoded; nil when there was no `?`.
    public let query: String?
    /// `HTTP/1.1` or `HTTP/1.0`.
    public let version: String
    public let headers: HTTPHeaders
    public let body: [UInt8]
    /// Values of the route's `{name}` segments, percent-decoded.
    public internal(set) var pathParameters: [String: String]

    public init(
        method: HTTPMethod, path: String, query: String? = nil, version: String = "HTTP/1.1",
        headers: HTTPHeaders = [:], body: [UInt8] = [], pathParameters: [String: String] = [:]
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
        self.pathParameters = pathParameters
    }

    /// The value of the route's `{name}` segment.
    public subscript(parameter name: String) -> String? { pathParameters[name] }

    /// Whether the client asked to keep the connection open after this request: HTTP/1.1
    /// unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`.
    var wantsKeepAlive: Bool {
        let tokens = headers.values("Connection").flatMap { $0.split(separator: ",") }
            .map { $0.trimmingASCIISpaces().lowercased() }
        if tokens.contains("close") { return false }
        return version == "HTTP/1.1" || tokens.contains("keep-alive")
    }
}

extension Substring {
    func trimmingASCIISpaces() -> String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
