import Foundation
import Glibc
import Synchronization

/// The service manager's end of sd_notify, for a test: an AF_UNIX datagram socket bound at a path
/// that the child process gets as `NOTIFY_SOCKET`.
///
/// It is read on a thread of its own, all the time: Linux queues only `net.unix.max_dgram_qlen`
/// datagrams (often 10) on an unread socket and then blocks the sender, which would stall the
/// keeper's tick loop while the test waits for something else.
public final class NotifySocketListener: Sendable {
    /// The socket's path (`NOTIFY_SOCKET`).
    public let path: String
    private let inbox: Inbox

    /// What was received, in order, and whether the reader should stop.
    private final class Inbox: Sendable {
        let state = Mutex<(messages: [String], closed: Bool)>(([], false))
    }

    /// Binds a datagram socket at `path` (at most 107 bytes) and starts reading it.
    public init(path: String) throws {
        self.path = path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HarnessError(message: "socket(AF_UNIX, SOCK_DGRAM): errno \(errno)") }
        guard let bound = UnixSocketAddress.with(path, { bind(fd, $0, $1) }) else {
            close(fd)
            throw HarnessError(message: "notify socket path too long for sun_path: \(path)")
        }
        guard bound == 0 else {
            let error = errno
            close(fd)
            throw HarnessError(message: "bind(\(path)): errno \(error)")
        }
        // A receive timeout, so the reader notices `closed` within 100 ms.
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let inbox = Inbox()
        self.inbox = inbox
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !inbox.state.withLock({ $0.closed }) {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { continue }  // timeout (EAGAIN) or EINTR: check `closed`, read again
                let message = String(decoding: buffer[0..<count], as: UTF8.self)
                inbox.state.withLock { $0.messages.append(message) }
            }
            close(fd)
        }
        thread.name = "test-notify-socket"
        thread.start()
    }

    deinit {
        inbox.state.withLock { $0.closed = true }
        unlink(path)
    }

    /// Every datagram received so far, in order (each holds newline-separated `KEY=value` lines).
    public var messages: [String] { inbox.state.withLock { $0.messages } }

    /// Every `KEY=value` line received so far, in order.
    public var assignments: [String] { messages.flatMap { $0.split(separator: "\n").map(String.init) } }

    /// Waits until `condition` holds for the lines received so far; throws after `within`.
    public func wait(for what: String, within: Duration, _ condition: ([String]) -> Bool) async throws {
        try await Poll.until("\(what) on NOTIFY_SOCKET (received: \(assignments.suffix(8)))", within: within) {
            condition(assignments)
        }
    }
}
