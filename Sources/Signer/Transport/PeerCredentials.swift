#if canImport(Glibc)
import Glibc
#endif

/// Who is on the other end of a connection, as the kernel reports it (`SO_PEERCRED`): the
/// credentials of the process at the time it connected. The gid is its effective primary
/// group; supplementary groups are not reported.
public struct PeerCredentials: Sendable, Hashable, CustomStringConvertible {
    public var uid: UInt32
    public var gid: UInt32
    public var pid: Int32

    public init(uid: UInt32, gid: UInt32, pid: Int32) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
    }

    /// The credentials of the peer of a connected Unix socket; nil if the kernel has none.
    static func of(socket fd: Int32) -> PeerCredentials? {
        var credentials = RawCredentials()
        var length = socklen_t(MemoryLayout<RawCredentials>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0 else { return nil }
        return PeerCredentials(uid: credentials.uid, gid: credentials.gid, pid: credentials.pid)
    }

    public var description: String { "uid \(uid) gid \(gid) pid \(pid)" }
}

/// Linux's `struct ucred` (pid, uid, gid), which Glibc's Swift overlay does not export without
/// _GNU_SOURCE; three 32-bit fields, laid out as in C.
private struct RawCredentials {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
