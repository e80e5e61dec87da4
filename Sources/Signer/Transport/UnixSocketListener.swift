public import Logging
import SignerWire
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The signer's listening Unix socket: bound at the configured path, or taken from systemd.
///
/// Binding at a path (in this order, so that nobody can connect before the file is final):
/// 1. If something is at the path: a non-socket file is an error and is never removed; a socket
///    that accepts a connection means another signer runs, which is an error; a socket that
///    refuses (ECONNREFUSED: nobody listens) is stale and is unlinked.
/// 2. `bind` under a umask that yields the configured mode (0660), so the file is born with it.
///    The umask is process-wide: bind before other threads create files (the signer binds at
///    start-up), and it is restored at once.
/// 3. `chown` to the configured group, `chmod` to the mode again (belt and braces), then
///    `listen`; until `listen`, a connect is refused, so nobody connects to a half-made socket.
///
/// With a systemd-passed socket (`LISTEN_FDS`), the first inherited listening AF_UNIX stream
/// socket is used as it is: systemd made it with the unit's `SocketMode=`/`SocketGroup=`.
public final class UnixSocketListener: Sendable {
    /// The listening socket.
    public let fileDescriptor: Int32
    /// The path bound, or nil for an inherited socket (which this listener never unlinks).
    public let path: String?
    /// The inode of the bound socket file, so `close()` unlinks only our own file.
    private let boundInode: (device: UInt64, inode: UInt64)?
    private let closed = Atomic<Bool>(false)

    /// Binds at `configuration.socketPath`, or adopts an inherited socket.
    ///
    /// - Parameter inheritedFileDescriptors: the fds systemd passed (`Systemd.listenFileDescriptors()`),
    ///   empty when not socket-activated.
    public init(
        configuration: TransportConfiguration, inheritedFileDescriptors: [Int32] = [], logger: Logger
    ) throws(TransportError) {
        if !inheritedFileDescriptors.isEmpty {
            fileDescriptor = try Self.adopt(inheritedFileDescriptors)
            path = nil
            boundInode = nil
            logger.info("using the socket passed by systemd", metadata: ["signer.socket.fd": "\(fileDescriptor)"])
            return
        }
        let path = configuration.socketPath
        try Self.removeStaleSocket(at: path, logger: logger)
        let fd = UnixSocket.makeStreamSocket()
        guard fd >= 0 else { throw .socketFailed(errno: errno) }
        do throws(TransportError) {
            let permissionBits = mode_t(configuration.socketMode & 0o777)
            let previous = umask(0o777 & ~permissionBits)
            let rc = UnixSocket.withAddress(path) { Glibc.bind(fd, $0, $1) }
            let bindErrno = errno
            umask(previous)
            guard let rc else { throw .badPath(path, "is empty or longer than \(UnixSocket.maximumPathBytes) bytes") }
            guard rc == 0 else { throw .bindFailed(path, errno: bindErrno) }
            if let group = configuration.socketGroup {
                let gid = try Self.resolve(group)
                guard chown(path, uid_t.max, gid) == 0 else { throw .chownFailed(path, gid: gid, errno: errno) }
            }
            guard chmod(path, permissionBits) == 0 else { throw .chmodFailed(path, errno: errno) }
            var info = stat()
            guard lstat(path, &info) == 0 else { throw .inspectFailed(path, errno: errno) }
            guard listen(fd, SOMAXCONN) == 0 else { throw .listenFailed(path, errno: errno) }
            fileDescriptor = fd
            self.path = path
            boundInode = (UInt64(info.st_dev), UInt64(info.st_ino))
            logger.info("listening", metadata: [
                "signer.socket.path": "\(path)",
                "signer.socket.mode": "\(String(configuration.socketMode, radix: 8))",
                "signer.socket.gid": "\(info.st_gid)",
            ])
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    /// Stops listening and removes the socket file if it is still the one we bound.
    /// Calling it again does nothing.
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Glibc.shutdown(fileDescriptor, Int32(SHUT_RDWR))
        Glibc.close(fileDescriptor)
        if let path, let boundInode {
            var info = stat()
            if lstat(path, &info) == 0, UInt64(info.st_dev) == boundInode.device, UInt64(info.st_ino) == boundInode.inode {
                unlink(path)
            }
        }
    }

    /// Wakes a thread blocked in `accept` (used by the server's shutdown).
    func stopAccepting() {
        guard !closed.load(ordering: .acquiring) else { return }
        Glibc.shutdown(fileDescriptor, Int32(SHUT_RDWR))
    }

    static func removeStaleSocket(at path: String, logger: Logger) throws(TransportError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            let e = errno
            if e == ENOENT { return }
            throw .inspectFailed(path, errno: e)
        }
        guard info.st_mode & S_IFMT == S_IFSOCK else { throw .notASocket(path) }
        switch UnixSocket.connect(path: path, timeoutMilliseconds: 1000) {
        case .success(let fd):
            Glibc.close(fd)
            throw .anotherSignerListening(path)
        case .failure(.system(let e)) where e == ECONNREFUSED:
            logger.notice("removing a stale socket (nothing listens on it)", metadata: ["signer.socket.path": "\(path)"])
            guard unlink(path) == 0 || errno == ENOENT else { throw .bindFailed(path, errno: errno) }
        case .failure(.system(let e)) where e == EAGAIN:
            // The backlog is full: someone is listening, just busy.
            throw .anotherSignerListening(path)
        case .failure(.system(let e)):
            throw .inspectFailed(path, errno: e)
        case .failure(.badPath):
            throw .badPath(path, "is empty or longer than \(UnixSocket.maximumPathBytes) bytes")
        }
    }

    static func resolve(_ group: TransportConfiguration.Group) throws(TransportError) -> gid_t {
        switch group {
        case .id(let gid): return gid
        case .name(let name):
            var entry = group_t()
            var result: UnsafeMutablePointer<group_t>? = nil
            var buffer = [CChar](repeating: 0, count: 16 * 1024)
            let rc = getgrnam_r(name, &entry, &buffer, buffer.count, &result)
            guard rc == 0, result != nil else { throw .groupNotFound(name) }
            return entry.gr_gid
        }
    }

    static func adopt(_ fds: [Int32]) throws(TransportError) -> Int32 {
        for fd in fds {
            var type: Int32 = 0
            var listening: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0, type == Int32(SOCK_STREAM.rawValue) else { continue }
            length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0, listening == 1 else { continue }
            var address = sockaddr_storage()
            var addressLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let rc = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &addressLength) }
            }
            guard rc == 0, address.ss_family == sa_family_t(AF_UNIX) else { continue }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            return fd
        }
        throw .unusableInheritedSocket("is not a listening Unix stream socket")
    }
}

typealias group_t = Glibc.group
