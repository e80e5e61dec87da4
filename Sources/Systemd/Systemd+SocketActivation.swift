import Glibc

extension Systemd {
    /// A socket passed by systemd (`.socket` units): its descriptor, from 3 up, and its name
    /// (`FileDescriptorName=`, or `unknown`).
    public struct ListenFileDescriptor: Hashable, Sendable {
        /// The descriptor number (3, 4, ...).
        public let fileDescriptor: Int32
        /// The socket's name from `LISTEN_FDNAMES`, or `unknown`.
        public let name: String

        /// A descriptor with its name.
        public init(fileDescriptor: Int32, name: String) {
            self.fileDescriptor = fileDescriptor
            self.name = name
        }
    }

    /// The first descriptor systemd passes (`SD_LISTEN_FDS_START`).
    public static let listenFileDescriptorsStart: Int32 = 3

    /// The sockets systemd passed to this process, like `sd_listen_fds_with_names(1)`: read
    /// only when `LISTEN_PID` is this process; each descriptor is marked close-on-exec; and
    /// (by default) `LISTEN_PID`, `LISTEN_FDS` and `LISTEN_FDNAMES` are removed from the
    /// environment, whatever the outcome, so child processes do not take them for theirs.
    /// Empty when the process was not socket-activated.
    public static func listenFileDescriptors(unsetEnvironment: Bool = true) throws(SystemdError) -> [ListenFileDescriptor] {
        defer {
            if unsetEnvironment {
                unsetenv("LISTEN_PID")
                unsetenv("LISTEN_FDS")
                unsetenv("LISTEN_FDNAMES")
            }
        }
        let descriptors = try parseListenFileDescriptors(
            pid: environment("LISTEN_PID"), count: environment("LISTEN_FDS"),
            names: environment("LISTEN_FDNAMES"), currentPID: getpid())
        for descriptor in descriptors {
            let flags = fcntl(descriptor.fileDescriptor, F_GETFD)
            guard flags >= 0, fcntl(descriptor.fileDescriptor, F_SETFD, flags | FD_CLOEXEC) >= 0 else {
                throw SystemdError(
                    .systemCall, "LISTEN_FDS names descriptor \(descriptor.fileDescriptor), which is not open", errno: errno)
            }
        }
        return descriptors
    }

    /// Pure form of `listenFileDescriptors()`: from the values of `LISTEN_PID`, `LISTEN_FDS`
    /// and `LISTEN_FDNAMES`. Empty when the variables are unset or name another process;
    /// malformed values, or a number of names that differs from the count, are errors.
    public static func parseListenFileDescriptors(
        pid: String?, count: String?, names: String?, currentPID: Int32
    ) throws(SystemdError) -> [ListenFileDescriptor] {
        guard let pid else { return [] }
        guard let listenPID = Int32(pid), listenPID > 0 else {
            throw SystemdError(.invalidEnvironment, "LISTEN_PID='\(pid)' is not a process id")
        }
        guard listenPID == currentPID, let count else { return [] }
        guard let number = Int32(count), number >= 0, number <= Int32.max - listenFileDescriptorsStart else {
            throw SystemdError(.invalidEnvironment, "LISTEN_FDS='\(count)' is not a number of descriptors")
        }
        guard number > 0 else { return [] }
        var labels = Array(repeating: "unknown", count: Int(number))
        if let names {
            let split = names.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard split.count == Int(number) else {
                throw SystemdError(
                    .invalidEnvironment,
                    "LISTEN_FDNAMES has \(split.count) names for \(number) descriptors (LISTEN_FDS); check FileDescriptorName= in the .socket unit")
            }
            labels = split
        }
        return (0..<number).map {
            ListenFileDescriptor(fileDescriptor: listenFileDescriptorsStart + $0, name: labels[Int($0)])
        }
    }
}
