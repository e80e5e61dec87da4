import Testing

@testable import Keeper

/// The pure request-head parser and the router, without sockets.
@Suite struct HTTPRequestHeadTests {
    static func parse(_ text: String, limit: Int = 8192) -> HTTPRequestHead.ParseResult {
        HTTPRequestHead.parse(Array(text.utf8), limit: limit)
    }

    @Test func parsesAFullHeadAndReportsItsLength() throws {
        let text = "\r\nGET /api/prices/eth?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Two:  a b \r\nContent-Length: 3\r\n\r\nabcNEXT"
        guard case .complete(let head, let length) = Self.parse(text) else {
            Issue.record("expected a complete head")
            return
        }
        #expect(head.method == .get)
        #expect(head.path == "/api/prices/eth")
        #expect(head.query == "x=1")
        #expect(head.version == "HTTP/1.1")
        #expect(head.headers["host"] == "127.0.0.1")
        #expect(head.headers["X-TWO"] == "a b")
        #expect(head.contentLength == 3)
        #expect(length == text.utf8.count - "abcNEXT".utf8.count)
    }

    @Test func bareLineFeedsAreAccepted() {
        guard case .complete(let head, _) = Self.parse("GET / HTTP/1.0\nA: b\n\n") else {
            Issue.record("expected a complete head")
            return
        }
        #expect(head.version == "HTTP/1.0")
        #expect(head.headers["a"] == "b")
    }

    @Test(arguments: ["", "GET / HTTP/1.1\r\n", "GET / HTTP/1.1\r\nHost: x\r\n", "GET /metr"])
    func incompleteHeadsAskForMore(text: String) {
        #expect(Self.parse(text) == .incomplete)
    }

    @Test(arguments: [
        ("GET  / HTTP/1.1\r\n\r\n", 400),
        ("G(T / HTTP/1.1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nNo colon\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nContent-Length: 1, 2\r\n\r\n", 400),
        ("GET / HTTP/3.0\r\n\r\n", 505),
        ("GET / HTTX/1.1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501),
    ])
    func malformedHeadsAreRefusedWithTheirStatus(text: String, status: Int) {
        guard case .invalid(let refused, _) = Self.parse(text) else {
            Issue.record("expected a refusal for \(text.debugDescription)")
            return
        }
        #expect(refused.code == status)
    }

    @Test func theHeadLimitCountsTheRequestLineAndHeaders() {
        let line = "GET /" + String(repeating: "a", count: 100) + " HTTP/1.1\r\n"
        guard case .invalid(let tooLongLine, _) = Self.parse(line, limit: 64) else {
            Issue.record("expected 414")
            return
        }
        #expect(tooLongLine.code == 414)
        guard case .invalid(let tooLongUnfinished, _) = Self.parse(String(line.prefix(80)), limit: 64) else {
            Issue.record("expected 414 for an unfinished line")
            return
        }
        #expect(tooLongUnfinished.code == 414)
        let headers = "GET / HTTP/1.1\r\nA: " + String(repeating: "b", count: 100)
        guard case .invalid(let tooLongHeaders, _) = Self.parse(headers, limit: 64) else {
            Issue.record("expected 431")
            return
        }
        #expect(tooLongHeaders.code == 431)
        // Exactly at the limit is fine.
        let exact = "GET / HTTP/1.1\r\n\r\n"
        guard case .complete = Self.parse(exact, limit: exact.utf8.count) else {
            Issue.record("a head exactly at the limit should parse")
            return
        }
    }

    @Test func connectionPersistenceFollowsTheVersionAndHeader() {
        #expect(HTTPRequest(method: .get, path: "/", version: "HTTP/1.1").wantsKeepAlive)
        #expect(!HTTPRequest(method: .get, path: "/", version: "HTTP/1.1", headers: ["Connection": "Close"]).wantsKeepAlive)
        #expect(!HTTPRequest(method: .get, path: "/", version: "HTTP/1.0").wantsKeepAlive)
        #expect(HTTPRequest(method: .get, path: "/", version: "HTTP/1.0", headers: ["connection": "keep-alive"]).wantsKeepAlive)
    }
}

@Suite struct HTTPRouterTests {
    static let ok: HTTPRouter.Handler = { _ in .text("ok") }

    @Test func patternsAreValidatedAndDuplicatesRefused() throws {
        var router = HTTPRouter()
        try router.add(.get, "/api/prices/{feed}", handler: Self.ok)
        #expect(throws: HTTPServerError.self) { try router.add(.get, "/api/prices/{other}", handler: Self.ok) }
        #expect(throws: HTTPServerError.self) { try router.add(.get, "no-slash", handler: Self.ok) }
        #expect(throws: HTTPServerError.self) { try router.add(.get, "/a/{}", handler: Self.ok) }
        #expect(throws: HTTPServerError.self) { try router.add(.get, "/a/{x}/{x}", handler: Self.ok) }
        #expect(throws: HTTPServerError.self) { try router.add(.get, "/a/x{y}", handler: Self.ok) }
        try router.add(.post, "/api/prices/{feed}", handler: Self.ok)
    }

    @Test func literalSegmentsWinOverParameters() throws {
        var router = HTTPRouter()
        try router.add(.get, "/api/prices/{feed}") { _ in .text("param") }
        try router.add(.get, "/api/prices/all") { _ in .text("literal") }
        guard case .handler(_, let parameters) = router.resolve(.get, path: "/api/prices/all") else {
            Issue.record("expected a match")
            return
        }
        #expect(parameters.isEmpty)
        guard case .handler(_, let feedParameters) = router.resolve(.get, path: "/api/prices/eth") else {
            Issue.record("expected a match")
            return
        }
        #expect(feedParameters == ["feed": "eth"])
    }

    @Test func resolutionOutcomes() throws {
        var router = HTTPRouter()
        try router.add(.get, "/", handler: Self.ok)
        try router.add(.get, "/twap/{feed}/{window}", handler: Self.ok)
        guard case .handler(_, let parameters) = router.resolve(.head, path: "/twap/a%20b/60") else {
            Issue.record("HEAD should use the GET route")
            return
        }
        #expect(parameters == ["feed": "a b", "window": "60"])
        guard case .methodNotAllowed(let allowed) = router.resolve(.delete, path: "/") else {
            Issue.record("expected 405")
            return
        }
        #expect(allowed == [.get, .head])
        guard case .notFound = router.resolve(.get, path: "/twap/a") else {
            Issue.record("expected 404")
            return
        }
        guard case .badPath = router.resolve(.get, path: "/twap/%C3%28/1") else {
            Issue.record("invalid UTF-8 should be a bad path")
            return
        }
    }
}
