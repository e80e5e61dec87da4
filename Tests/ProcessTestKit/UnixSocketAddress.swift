import Glibc

/// A Unix domain socket address for a test's own sockets (the notify socket it binds, the
/// signer's socket it probes).
enum UnixSocketAddress {
    /// Calls `body` with `path` as a `sockaddr` and its length; nil when the path does not fit
    /// `sun_path` (at most 107 bytes).
    static func with<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes + [0]) }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    /// Whether a process accepts connections on the stream socket at `path` (connects, then
    /// closes at once).
    static func accepts(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return with(path) { connect(fd, $0, $1) } == 0
    }
}
