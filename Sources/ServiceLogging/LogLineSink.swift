#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Where ``ServiceLogHandler`` writes its lines.
///
/// Each line goes out in one `write(2)` call (looping only on a partial write), under a lock, so
/// lines from concurrent tasks never interleave: journald and log shippers read whole lines.
public final class LogLineSink: Sendable {
    private enum Target: Sendable {
        case fileDescriptor(Int32)
        case closure(@Sendable (String) -> Void)
    }

    private let target: Target
    private let lock = Mutex<Void>(())

    /// The process's standard error: what systemd hands to journald.
    public static let standardError = LogLineSink(fileDescriptor: 2)

    /// Writes to an open file descriptor, which the sink does not own or close.
    public init(fileDescriptor: Int32) {
        target = .fileDescriptor(fileDescriptor)
    }

    /// Hands each line (with its trailing newline) to `write`; tests collect lines this way.
    public init(_ write: @escaping @Sendable (String) -> Void) {
        target = .closure(write)
    }

    /// Writes one line; `line` must end with a newline.
    public func write(_ line: String) {
        lock.withLock { _ in
            switch target {
            case .closure(let write):
                write(line)
            case .fileDescriptor(let fd):
                let bytes = Array(line.utf8)
                var offset = 0
                bytes.withUnsafeBytes { buffer in
                    while offset < buffer.count {
                        let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                        if n > 0 {
                            offset += n
                        } else if n < 0 && errno == EINTR {
                            continue
                        } else {
                            return  // stderr closed or full: a log line is not worth blocking for.
                        }
                    }
                }
            }
        }
    }
}
