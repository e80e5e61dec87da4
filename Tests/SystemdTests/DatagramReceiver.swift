import Foundation
import Glibc
import Systemd

/// A real AF_UNIX datagram socket standing in for systemd's notification socket.
final class DatagramReceiver {
    let fd: Int32
    let socket: Systemd.NotifySocket
    private let directory: String?

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Bound to `notify.sock` in a fresh temporary directory, or to a random abstract name.
    init(abstract: Bool = false) throws {
        fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let nameBytes: [UInt8]
        if abstract {
            let name = "systemd-tests-\(UUID().uuidString)"
            socket = Systemd.NotifySocket(address: .abstract(name))
            nameBytes = [0] + Array(name.utf8)
            directory = nil
        } else {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sd-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            socket = Systemd.NotifySocket(address: .path(dir + "/notify.sock"))
            nameBytes = Array((dir + "/notify.sock").utf8) + [0]
            directory = dir
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: nameBytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + nameBytes.count)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard rc == 0 else { throw Failure(description: "bind: errno \(errno)") }
    }

    deinit {
        close(fd)
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// The next datagram, waiting with `poll` until `deadline`.
    func receive(within timeout: Duration = .seconds(5)) throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count >= 0 { return String(decoding: buffer[..<count], as: UTF8.self) }
            guard errno == EAGAIN || errno == EWOULDBLOCK else { throw Failure(description: "recv: errno \(errno)") }
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { throw Failure(description: "no datagram within \(timeout)") }
            var pollfd = Glibc.pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(clamping: remaining.components.seconds * 1000 + 1)
            _ = poll(&pollfd, 1, milliseconds)
        }
    }

    /// Whether a datagram is waiting, without blocking.
    func hasPending() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 1)
        return recv(fd, &buffer, 1, Int32(MSG_DONTWAIT | MSG_PEEK)) >= 0
    }
}
