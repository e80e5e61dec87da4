import Foundation
import ProcessTestKit
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A raw loopback TCP client for the HTTP server tests: sends exactly the bytes a test gives
/// (half a request, garbage, oversized headers) and reads answers against a deadline.
///
/// `@unchecked Sendable`: one test uses a client at a time, sometimes from a thread of its own
/// (see ``onOwnThread(_:)``).
final class HTTPTestClient: @unchecked Sendable {
    /// A parsed HTTP/1.1 answer.
    struct Response {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:`port`, or [::1]:`port` when `ipv6`.
    init(port: Int, ipv6: Bool = false) throws {
        let fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        let connected: Int32
        if ipv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = UInt16(port).bigEndian
            address.sin6_addr = in6addr_loopback
            connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard connected == 0 else {
            let code = errno
            Glibc.close(fd)
            throw Failure(description: "connect to port \(port): errno \(code)")
        }
        self.fd = fd
    }

    deinit { Glibc.close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send: errno \(errno)") }
            offset += n
        }
    }

    /// Reads whatever arrives before `deadline`: true if bytes came, false at end of stream;
    /// throws when nothing came by the deadline.
    private func fill(until deadline: ContinuousClock.Instant) throws -> Bool {
        while true {
            let remaining = deadline - .now
            guard remaining > .zero else { throw Failure(description: "no answer before the deadline") }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let millis = Int32(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            guard poll(&pfd, 1, millis) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, 65536, 0) }
            if n > 0 {
                buffer += chunk[..<n]
                return true
            }
            if n < 0 && errno == EINTR { continue }
            return false
        }
    }

    /// Reads one response (`Content-Length`-delimited, or a HEAD response when `head`).
    func readResponse(head: Bool = false, timeout: Duration = .seconds(10)) throws -> Response {
        let deadline = ContinuousClock.now + timeout
        let separator = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            if let range = buffer.firstRange(of: separator) {
                headEnd = range.upperBound
            } else if try !fill(until: deadline) {
                throw Failure(description: "connection closed before a full response head")
            }
        }
        guard let headEnd else { throw Failure(description: "unreachable") }
        let headText = String(decoding: buffer[..<headEnd], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, statusLine[0] == "HTTP/1.1", let status = Int(statusLine[1]) else {
            throw Failure(description: "bad status line in \(headText)")
        }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw Failure(description: "bad header \(line)") }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = head ? 0 : Int(headers["content-length"] ?? "0") ?? 0
        while buffer.count < headEnd + length {
            guard try fill(until: deadline) else { throw Failure(description: "connection closed inside a body") }
        }
        let body = Array(buffer[headEnd..<(headEnd + length)])
        buffer.removeFirst(headEnd + length)
        return Response(status: status, headers: headers, body: body)
    }

    /// Sends `GET path` (HTTP/1.1, kept alive) and reads the answer.
    func get(_ path: String, method: String = "GET") throws -> Response {
        try send("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        return try readResponse(head: method == "HEAD")
    }

    /// Whether the server closed the connection before `timeout`, with nothing more sent.
    func isClosedByServer(within timeout: Duration = .seconds(10)) throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while try fill(until: deadline) {}
        return true
    }

    /// Whether the connection is still open with nothing to read after `wait` (polled, not slept).
    func isSilent(for wait: Duration) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let millis = Int32(wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000)
        return poll(&pfd, 1, millis) == 0
    }
}

/// Polls `condition` until it holds or `timeout` passes; each wait is a poll(2) with a short
/// timeout on no descriptor, never a sleep.
func eventually(timeout: Duration = .seconds(10), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        _ = poll(nil, 0, 5)
    }
    return condition()
}

