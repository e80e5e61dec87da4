/// The request line and header fields of one HTTP/1.x request, parsed strictly from raw bytes.
///
/// Pure: the server feeds it what it has read so far. Lines may end in CRLF or a bare LF (RFC
/// 9112 §2.2); empty lines before the request line are skipped. Anything else unusual is refused
/// with the status to answer: a malformed line, a missing or repeated conflicting
/// `Content-Length`, folded headers (400); `Transfer-Encoding` (501: requests with bodies in
/// chunks are not supported); an HTTP version other than 1.0 and 1.1 (505); a head longer than
/// the limit (414 when the request line alone does not fit, else 431).
struct HTTPRequestHead: Sendable, Equatable {
    var method: HTTPMethod
    /// The path, still percent-encoded.
    var path: String
    var query: String?
    var version: String
    var headers: HTTPHeaders
    /// The body length the client announced (0 without `Content-Length`).
    var contentLength: Int

    enum ParseResult: Sendable, Equatable {
        /// The head is not complete yet (and within the limit): read more.
        case incomplete
        /// A complete head, which took `length` bytes of the buffer (its blank line included).
        case complete(HTTPRequestHead, length: Int)
        /// The request cannot be served: answer `status` with `reason`, then close.
        case invalid(HTTPResponse.Status, reason: String)
    }

    /// Parses the head at the start of `buffer`, which may hold more than one request's bytes.
    ///
    /// - Parameter limit: the most bytes the head may take, its final blank line included.
    static func parse(_ buffer: some RandomAccessCollection<UInt8>, limit: Int) -> ParseResult {
        let bytes = Array(buffer)
        var start = 0
        // Skip empty lines before the request line.
        while start < bytes.count {
            if bytes[start] == lf {
                start += 1
            } else if bytes[start] == cr, start + 1 < bytes.count, bytes[start + 1] == lf {
                start += 2
            } else {
                break
            }
        }
        // Find the lines up to the first empty one.
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = start
        var end: Int?
        while end == nil {
            guard let newline = bytes[lineStart...].firstIndex(of: lf) else {
                if bytes.count - start > limit {
                    return lines.isEmpty
                        ? .invalid(.uriTooLong, reason: "the request line is longer than \(limit) bytes")
                        : .invalid(.requestHeaderFieldsTooLarge, reason: "the request head is longer than \(limit) bytes")
                }
                return .incomplete
            }
            if newline + 1 - start > limit {
                return lines.isEmpty
                    ? .invalid(.uriTooLong, reason: "the request line is longer than \(limit) bytes")
                    : .invalid(.requestHeaderFieldsTooLarge, reason: "the request head is longer than \(limit) bytes")
            }
            var line = bytes[lineStart..<newline]
            if line.last == cr { line = line.dropLast() }
            if line.isEmpty {
                end = newline + 1
            } else {
                lines.append(line)
            }
            lineStart = newline + 1
        }
        guard let end, let requestLine = lines.first else {
            return .invalid(.badRequest, reason: "the request has no request line")
        }
        for line in lines where line.contains(where: { $0 == cr || $0 == 0 }) {
            return .invalid(.badRequest, reason: "a line holds a bare CR or a NUL byte")
        }

        // Request line: method SP target SP version.
        let parts = requestLine.split(separator: sp, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            return .invalid(.badRequest, reason: "the request line is not 'METHOD /path HTTP/1.1'")
        }
        guard !parts[0].isEmpty, parts[0].allSatisfy(isTokenByte) else {
            return .invalid(.badRequest, reason: "the method is not a token")
        }
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version.hasPrefix("HTTP/"), version.count == 8 else {
            return .invalid(.badRequest, reason: "the request line does not end in an HTTP version")
        }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            return .invalid(.httpVersionNotSupported, reason: "only HTTP/1.0 and HTTP/1.1 are served")
        }
        let target = parts[1]
        guard target.first == slash, target.allSatisfy({ $0 > sp && $0 < 0x7F }) else {
            return .invalid(.badRequest, reason: "the request target must be a path starting with '/'")
        }
        let targetText = String(decoding: target, as: UTF8.self)
        let path: String
        let query: String?
        if let mark = targetText.firstIndex(of: "?") {
            path = String(targetText[..<mark])
            query = String(targetText[targetText.index(after: mark)...])
        } else {
            path = targetText
            query = nil
        }

        // Header fields: name ":" OWS value OWS.
        var headers = HTTPHeaders()
        for line in lines.dropFirst() {
            guard line.first != sp && line.first != tab else {
                return .invalid(.badRequest, reason: "folded header lines are not accepted")
            }
            guard let colon = line.firstIndex(of: colonByte) else {
                return .invalid(.badRequest, reason: "a header line has no ':'")
            }
            let name = line[line.startIndex..<colon]
            guard !name.isEmpty, name.allSatisfy(isTokenByte) else {
                return .invalid(.badRequest, reason: "a header name is empty or not a token")
            }
            let value = Substring(String(decoding: line[(colon + 1)...], as: UTF8.self)).trimmingASCIISpaces()
            headers.add(name: String(decoding: name, as: UTF8.self), value: value)
        }

        guard headers["Transfer-Encoding"] == nil else {
            return .invalid(.notImplemented, reason: "Transfer-Encoding is not supported; send Content-Length")
        }
        var contentLength = 0
        let lengths = headers.values("Content-Length").flatMap { $0.split(separator: ",") }
            .map { $0.trimmingASCIISpaces() }
        if let first = lengths.first {
            guard lengths.allSatisfy({ $0 == first }), !first.isEmpty, first.count <= 18,
                first.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                let length = Int(first)
            else {
                return .invalid(.badRequest, reason: "Content-Length is not one decimal number")
            }
            contentLength = length
        }

        let head = HTTPRequestHead(
            method: HTTPMethod(rawValue: String(decoding: parts[0], as: UTF8.self)), path: path, query: query,
            version: version, headers: headers, contentLength: contentLength)
        return .complete(head, length: end)
    }

    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")
    private static let sp = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let slash = UInt8(ascii: "/")
    private static let colonByte = UInt8(ascii: ":")

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
