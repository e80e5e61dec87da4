#if canImport(Glibc)
import Glibc
#endif

/// The process's open-file limit (`RLIMIT_NOFILE`) measured against the connection bound.
///
/// Each open connection holds a descriptor, and the signer needs some of its own besides: the
/// standard streams, the listening socket, the database (two connections, each with the file,
/// its WAL and its shared memory), a connection being refused, the files read at start. With a
/// limit below what `max_connections` needs, `accept` fails with EMFILE before the bound is
/// reached, and new connections wait unanswered in the backlog instead of being served or
/// refused with `overloaded`.
///
/// systemd starts services with a soft limit of 1024 and a hard one of 524288, and expects a
/// program that needs more to raise its soft limit itself (no privilege is needed up to the hard
/// limit; `setrlimit` is `prlimit64`, which `SystemCallFilter=@system-service` allows). The signer
/// does so at start when the bound needs it, and refuses to start when even the hard limit is
/// too low.
public enum OpenFileLimit {
    /// Descriptors the signer needs besides one per connection.
    public static let reserve = 64

    /// A raised soft limit: what it was and what it is now.
    public struct Raise: Sendable, Hashable {
        public var from: UInt64
        public var to: UInt64
    }

    /// Makes the soft limit hold `maximumConnections` connections and ``reserve``: raises it to
    /// the hard limit when it is lower than that (nil when it was high enough already).
    /// Throws when the hard limit is too low, or the limit cannot be read or set.
    @discardableResult
    public static func ensure(servingUpTo maximumConnections: Int) throws(TransportError) -> Raise? {
        let needed = rlim_t(max(1, maximumConnections) + reserve)
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { throw .openFileLimit(errno: errno) }
        guard limit.rlim_cur != unlimited, limit.rlim_cur < needed else { return nil }
        guard limit.rlim_max == unlimited || limit.rlim_max >= needed else {
            throw .openFileLimitTooLow(maximumConnections: maximumConnections, needed: UInt64(needed), hard: UInt64(limit.rlim_max))
        }
        let from = limit.rlim_cur
        // An unlimited hard limit cannot be the soft one for open files (the kernel caps it at
        // fs.nr_open): take what is needed.
        limit.rlim_cur = limit.rlim_max == unlimited ? needed : limit.rlim_max
        guard setrlimit(resource, &limit) == 0 else { throw .openFileLimit(errno: errno) }
        return Raise(from: UInt64(from), to: UInt64(limit.rlim_cur))
    }

    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    /// `RLIM_INFINITY` (all ones on 64-bit Linux; the macro does not import).
    private static let unlimited = rlim_t.max
}
