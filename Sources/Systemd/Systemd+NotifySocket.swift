import Glibc

extension Systemd {
    /// Where notifications go: the AF_UNIX datagram socket named by `$NOTIFY_SOCKET`.
    public struct NotifySocket: Hashable, Sendable, CustomStringConvertible {
        /// A file-system path (`/run/systemd/notify`) or a Linux abstract name (`@name`).
        public enum Address: Hashable, Sendable {
            case path(String)
            case abstract(String)
        }

        /// The socket's address.
        public let address: Address

        /// A socket at `address`.
        public init(address: Address) {
            self.address = address
        }

        /// Parses a `NOTIFY_SOCKET` value: an absolute path, or `@` and an abstract name.
        public init(parsing value: String) throws(SystemdError) {
            let maximum = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1
            if value.hasPrefix("/") {
                guard value.utf8.count <= maximum else {
                    throw SystemdError(.invalidEnvironment, "NOTIFY_SOCKET path is longer than \(maximum) bytes: \(value)")
                }
                address = .path(value)
            } else if value.hasPrefix("@"), value.utf8.count > 1 {
                guard value.utf8.count <= maximum + 1 else {
                    throw SystemdError(.invalidEnvironment, "NOTIFY_SOCKET abstract name is longer than \(maximum) bytes: \(value)")
                }
                address = .abstract(String(value.dropFirst()))
            } else {
                throw SystemdError(
                    .invalidEnvironment,
                    "NOTIFY_SOCKET='\(value)' is neither an absolute path nor an @abstract name; vsock addresses are not supported")
            }
        }

        public var description: String {
            switch address {
            case .path(let path): path
            case .abstract(let name): "@" + name
            }
        }

        /// Sends one datagram holding `message`.
        public func send(_ message: String) throws(SystemdError) {
            let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else {
                throw SystemdError(.systemCall, "cannot create a socket to notify systemd", errno: errno)
            }
            defer { close(fd) }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            let nameBytes: [UInt8]
            switch address {
            case .path(let path): nameBytes = Array(path.utf8) + [0]
            case .abstract(let name): nameBytes = [0] + Array(name.utf8)
            }
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                raw.copyBytes(from: nameBytes.prefix(raw.count))
            }
            let length = socklen_t(MemoryLayout<sa_family_t>.size + nameBytes.count)
            let payload = Array(message.utf8)
            let sent = payload.withUnsafeBytes { bytes in
                withUnsafePointer(to: &addr) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                        sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), sa, length)
                    }
                }
            }
            guard sent == payload.count else {
                let summary = message.split(separator: "\n").first.map(String.init) ?? ""
                throw SystemdError(
                    .systemCall,
                    "cannot send '\(summary)' to NOTIFY_SOCKET \(self); is the service manager still running?",
                    errno: sent < 0 ? errno : EMSGSIZE)
            }
        }
    }

    /// Sends notifications to one socket. `Notifier.fromEnvironment()` is what the static
    /// functions on `Systemd` use; tests build one on their own socket.
    public struct Notifier: Sendable {
        /// Where notifications go.
        public let socket: NotifySocket

        /// A notifier sending to `socket`.
        public init(socket: NotifySocket) {
            self.socket = socket
        }

        /// The notifier for `$NOTIFY_SOCKET`, or `nil` when the variable is unset or empty.
        public static func fromEnvironment() throws(SystemdError) -> Notifier? {
            guard let value = Systemd.environment("NOTIFY_SOCKET"), !value.isEmpty else { return nil }
            return Notifier(socket: try NotifySocket(parsing: value))
        }

        /// Sends `state`: newline-separated `KEY=value` assignments.
        public func notify(_ state: String) throws(SystemdError) { try socket.send(state) }

        /// Sends `READY=1`.
        public func ready() throws(SystemdError) { try notify(Self.readyMessage) }
        /// Sends `STOPPING=1`.
        public func stopping() throws(SystemdError) { try notify(Self.stoppingMessage) }
        /// Sends `RELOADING=1` and `MONOTONIC_USEC` (now, unless given).
        public func reloading(monotonicMicroseconds: UInt64 = Systemd.monotonicMicroseconds()) throws(SystemdError) {
            try notify(Self.reloadingMessage(monotonicMicroseconds: monotonicMicroseconds))
        }
        /// Sends `STATUS=text` (newlines become spaces).
        public func status(_ text: String) throws(SystemdError) { try notify(Self.statusMessage(text)) }
        /// Sends `WATCHDOG=1`.
        public func watchdog() throws(SystemdError) { try notify(Self.watchdogMessage) }

        static let readyMessage = "READY=1"
        static let stoppingMessage = "STOPPING=1"
        static let watchdogMessage = "WATCHDOG=1"

        static func reloadingMessage(monotonicMicroseconds: UInt64) -> String {
            "RELOADING=1\nMONOTONIC_USEC=\(monotonicMicroseconds)"
        }

        static func statusMessage(_ text: String) -> String {
            "STATUS=" + text.replacing("\r\n", with: " ").replacing("\n", with: " ").replacing("\r", with: " ")
        }
    }
}
