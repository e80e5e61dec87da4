/// Routes by method and path pattern. A pattern is a path whose segments are either literal or
/// `{name}`, which matches one non-empty segment and hands it, percent-decoded, to the handler as
/// `request[parameter: "name"]`:
///
///     try router.add(.get, "/api/twap/{feed}/{window}") { request in
///         let feed = request[parameter: "feed"]!
///         ...
///     }
///
/// Handlers come in two kinds. ``add(_:_:handler:)`` takes an async handler, which runs on a task
/// of its own (the connection thread waits for it): for state behind an actor. A handler given to
/// ``addSynchronous(_:_:handler:)`` runs right on the connection thread and needs no task, so it
/// still answers when the cooperative thread pool is saturated or stuck: `/metrics` and
/// `/healthz` are synchronous for that reason; keep such handlers short and non-blocking.
///
/// A path that matches a pattern under another method gets 405 with an `Allow` header; no match
/// gets 404. A `HEAD` request runs the `GET` route and the server drops the body. Literal
/// segments win over parameters when two patterns could match the same path.
public struct HTTPRouter: Sendable {
    /// Answers one request. It runs on a task of its own; a handler that throws gets a 500 (the
    /// error is logged, not sent).
    public typealias Handler = @Sendable (HTTPRequest) async throws -> HTTPResponse
    /// Answers one request on the connection thread itself; a throw gets a 500.
    public typealias SynchronousHandler = @Sendable (HTTPRequest) throws -> HTTPResponse

    /// A registered handler of either kind.
    enum Responder: Sendable {
        case synchronous(SynchronousHandler)
        case asynchronous(Handler)
    }

    private enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    private struct Route: Sendable {
        let method: HTTPMethod
        let pattern: String
        let segments: [Segment]
        let responder: Responder
    }

    private var routes: [Route] = []

    public init() {}

    /// Registers the async `handler` for `method` on `pattern`.
    ///
    /// - Throws: ``HTTPServerError`` when the pattern does not start with `/`, has an empty or
    ///   repeated parameter name, or is already registered for this method.
    public mutating func add(_ method: HTTPMethod, _ pattern: String, handler: @escaping Handler) throws(HTTPServerError) {
        try add(method, pattern, .asynchronous(handler))
    }

    /// Registers `handler`, which runs on the connection thread, for `method` on `pattern`.
    ///
    /// - Throws: as ``add(_:_:handler:)``.
    public mutating func addSynchronous(
        _ method: HTTPMethod, _ pattern: String, handler: @escaping SynchronousHandler
    ) throws(HTTPServerError) {
        try add(method, pattern, .synchronous(handler))
    }

    private mutating func add(_ method: HTTPMethod, _ pattern: String, _ responder: Responder) throws(HTTPServerError) {
        guard pattern.hasPrefix("/") else { throw .invalidRoute(pattern, "must start with '/'") }
        var segments: [Segment] = []
        var names: Set<String> = []
        for raw in Self.split(pattern) {
            if raw.hasPrefix("{") && raw.hasSuffix("}") {
                let name = String(raw.dropFirst().dropLast())
                guard !name.isEmpty, !name.contains("{"), !name.contains("}") else {
                    throw .invalidRoute(pattern, "has an empty or malformed parameter '\(raw)'")
                }
                guard names.insert(name).inserted else {
                    throw .invalidRoute(pattern, "names the parameter '\(name)' twice")
                }
                segments.append(.parameter(name))
            } else {
                guard !raw.contains("{"), !raw.contains("}") else {
                    throw .invalidRoute(pattern, "has a segment '\(raw)' that mixes text and a parameter")
                }
                segments.append(.literal(raw))
            }
        }
        let shape = segments.map { segment -> Segment in
            if case .parameter = segment { return .parameter("") }
            return segment
        }
        let clash = routes.contains { route in
            route.method == method
                && route.segments.map { segment -> Segment in
                    if case .parameter = segment { return .parameter("") }
                    return segment
                } == shape
        }
        guard !clash else { throw .duplicateRoute(method, pattern) }
        routes.append(Route(method: method, pattern: pattern, segments: segments, responder: responder))
    }

    /// What the router decided for one request.
    enum Resolution: Sendable {
        case handler(Responder, parameters: [String: String])
        case methodNotAllowed(allowed: [HTTPMethod])
        case notFound
        case badPath
    }

    /// Finds the route for `method` and the still-encoded `path`.
    func resolve(_ method: HTTPMethod, path: String) -> Resolution {
        var decoded: [String] = []
        for raw in Self.split(path) {
            guard let segment = Self.percentDecode(raw) else { return .badPath }
            decoded.append(segment)
        }
        var best: (route: Route, parameters: [String: String], literals: Int)?
        var allowed: [HTTPMethod] = []
        let lookup = method == .head ? HTTPMethod.get : method
        for route in routes {
            guard let (parameters, literals) = Self.match(route.segments, decoded) else { continue }
            if !allowed.contains(route.method) { allowed.append(route.method) }
            if route.method == .get && !allowed.contains(.head) { allowed.append(.head) }
            guard route.method == lookup || route.method == method else { continue }
            if best == nil || literals > best!.literals { best = (route, parameters, literals) }
        }
        if let best { return .handler(best.route.responder, parameters: best.parameters) }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    private static func match(_ pattern: [Segment], _ path: [String]) -> ([String: String], Int)? {
        guard pattern.count == path.count else { return nil }
        var parameters: [String: String] = [:]
        var literals = 0
        for (segment, value) in zip(pattern, path) {
            switch segment {
            case .literal(let literal):
                guard literal == value else { return nil }
                literals += 1
            case .parameter(let name):
                guard !value.isEmpty else { return nil }
                parameters[name] = value
            }
        }
        return (parameters, literals)
    }

    /// `/a/b` -> ["a", "b"]; `/` -> []; `/a/` -> ["a", ""] (a trailing slash is a different path).
    private static func split(_ path: String) -> [String] {
        guard path != "/" else { return [] }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    }

    /// Decodes `%XX` escapes; nil for a malformed escape or bytes that are not UTF-8.
    static func percentDecode(_ text: String) -> String? {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
