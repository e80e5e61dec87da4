#if canImport(Glibc)
internal import Glibc
#endif

/// Reading and writing key and password files with the checks the signer insists on.
///
/// - A file is opened with `O_NOFOLLOW` and then checked with `fstat` on the open descriptor, so
///   what is checked is what is read (no race between the check and the read). Symbolic links
///   are refused, not followed: a link would let the file's real location escape the directory
///   whose permissions were checked. Point the configuration at the file itself instead.
/// - It must be a regular file, owned by the signer's effective user (systemd credentials may
///   also be owned by root), with no permission bits for group or others. The error says which
///   `chmod` or `chown` fixes it.
/// - The keys directory itself is resolved if it is a symbolic link (a directory path like
///   `/etc/keeper-signer/keys` may be one), must be owned by the signer's user and must not be
///   readable or writable by group or others (search permission alone is allowed).
enum SecureFile {
    /// The largest keystore file read (real ones are under 1 KiB).
    static let maximumKeystoreSize = 64 * 1024
    /// The largest password or private-key file read.
    static let maximumSecretSize = 4096

    /// The effective uid of this process: the owner every key and password file must have.
    static var currentUser: UInt32 { geteuid() }

    // MARK: Checks

    /// What `stat` says about a path, reduced to what the checks need.
    struct Status: Sendable {
        var mode: UInt32
        var owner: UInt32
        var isRegularFile: Bool
        var isDirectory: Bool
        var isSymbolicLink: Bool

        init(_ st: stat) {
            mode = UInt32(st.st_mode) & 0o7777
            owner = UInt32(st.st_uid)
            let type = UInt32(st.st_mode) & UInt32(S_IFMT)
            isRegularFile = type == UInt32(S_IFREG)
            isDirectory = type == UInt32(S_IFDIR)
            isSymbolicLink = type == UInt32(S_IFLNK)
        }
    }

    /// Checks a regular file's type, owner and mode.
    static func check(_ status: Status, path: String, allowRootOwner: Bool = false) throws(KeysError) {
        if status.isSymbolicLink {
            throw KeysError(
                .notRegularFile,
                "\(path) is a symbolic link; links are refused so that the file checked is the file read: replace it with the file itself (or configure the real path)")
        }
        guard status.isRegularFile else {
            throw KeysError(.notRegularFile, "\(path) is not a regular file")
        }
        let me = currentUser
        guard status.owner == me || (allowRootOwner && status.owner == 0) else {
            throw .wrongOwner(path, owner: status.owner, expected: me)
        }
        guard status.mode & 0o077 == 0 else {
            throw .insecure(path, mode: status.mode, isDirectory: false)
        }
    }

    /// Checks the keys directory: exists, is a directory (after resolving a link), owned by the
    /// signer's user, not readable or writable by group or others.
    static func checkDirectory(_ path: String) throws(KeysError) {
        var st = stat()
        guard stat(path, &st) == 0 else {
            let code = errno
            if code == ENOENT {
                throw KeysError(
                    .fileSystem, "the keys directory \(path) does not exist; create it with: mkdir -m 700 \(shellQuoted(path))",
                    cause: OSError(errno: code, operation: "stat"))
            }
            throw .os("stat", path, errno: code)
        }
        let status = Status(st)
        guard status.isDirectory else {
            throw KeysError(.notRegularFile, "\(path) is not a directory")
        }
        let me = currentUser
        guard status.owner == me else {
            throw .wrongOwner(path, owner: status.owner, expected: me)
        }
        guard status.mode & 0o066 == 0 else {
            throw .insecure(path, mode: status.mode, isDirectory: true)
        }
    }

    /// `lstat` of `path`, or nil when it does not exist.
    static func status(of path: String) throws(KeysError) -> Status? {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            let code = errno
            if code == ENOENT { return nil }
            throw .os("stat", path, errno: code)
        }
        return Status(st)
    }

    // MARK: Reading

    /// Opens `path` for reading without following a final symbolic link and checks the open
    /// file. The caller closes the descriptor.
    /// With `checkingOwnerAndMode` false, only the file's type is checked (for `keys list`, which
    /// reports a bad mode but still shows the address a keystore claims).
    private static func openChecked(
        _ path: String, allowRootOwner: Bool, checkingOwnerAndMode: Bool = true
    ) throws(KeysError) -> Int32 {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP {
                try check(Status.symbolicLink, path: path)
            }
            throw .os("open", path, errno: code)
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let code = errno
            close(fd)
            throw .os("stat", path, errno: code)
        }
        do throws(KeysError) {
            let status = Status(st)
            if checkingOwnerAndMode {
                try check(status, path: path, allowRootOwner: allowRootOwner)
            } else if !status.isRegularFile {
                throw KeysError(.notRegularFile, "\(path) is not a regular file")
            }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// Reads all of `fd` into `buffer` (up to its capacity); returns false if the file is larger.
    private static func readAll(
        _ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, count: inout Int, path: String
    ) throws(KeysError) -> Bool {
        while true {
            if count == buffer.count {
                // Full: one more byte would mean the file is too large.
                var probe: UInt8 = 0
                let n = read(fd, &probe, 1)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw .os("read", path, errno: errno)
                }
                explicit_bzero(&probe, 1)
                return n == 0
            }
            let n = read(fd, buffer.baseAddress! + count, buffer.count - count)
            if n < 0 {
                if errno == EINTR { continue }
                throw .os("read", path, errno: errno)
            }
            if n == 0 { return true }
            count += n
        }
    }

    /// Reads a checked file holding a secret straight into a ``SecretBytes`` (no intermediate
    /// array or string).
    static func readSecret(at path: String, allowRootOwner: Bool = false) throws(KeysError) -> SecretBytes {
        let fd = try openChecked(path, allowRootOwner: allowRootOwner)
        defer { close(fd) }
        var secret = SecretBytes(capacity: maximumSecretSize)
        var count = 0
        let complete = try secret.withUnsafeMutableStorage { (buffer) throws(KeysError) -> Bool in
            try readAll(fd, into: buffer, count: &count, path: path)
        }
        secret.setCount(count)
        guard complete else {
            throw KeysError(
                .invalidPasswordFile, "\(path) is larger than \(maximumSecretSize) bytes; it should hold one password or key on one line")
        }
        return secret
    }

    /// Reads a checked keystore file (not secret: the key in it is encrypted).
    static func readKeystore(at path: String, checkingOwnerAndMode: Bool = true) throws(KeysError) -> [UInt8] {
        let fd = try openChecked(path, allowRootOwner: false, checkingOwnerAndMode: checkingOwnerAndMode)
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: maximumKeystoreSize, alignment: 1)
        defer { buffer.deallocate() }
        var count = 0
        guard try readAll(fd, into: buffer, count: &count, path: path) else {
            throw KeysError(.invalidKeystore, "\(path) is larger than \(maximumKeystoreSize) bytes, too large for a keystore; is it the right file?")
        }
        return Array(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
    }

    // MARK: Writing

    /// Writes `contents` to a new file at `path` with mode 0600, failing if anything exists there.
    ///
    /// The bytes go to a hidden temporary file in the same directory, created with `O_EXCL` and
    /// mode 0600 (set with `fchmod` too, so the result does not depend on the umask), synced, and
    /// then hard-linked to `path`: `link` fails if `path` exists, so an existing key is never
    /// replaced, and a crash never leaves a partial file under the final name. The directory is
    /// synced so the new name is durable.
    static func createExclusive(at path: String, directory: String, contents: [UInt8]) throws(KeysError) {
        if let _ = try status(of: path) {
            throw KeysError(.alreadyExists, "\(path) already exists; choose another --name (an existing key is never overwritten)")
        }
        var random = SystemRandomNumberGenerator()
        let base = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        let temporary = joined(directory, ".\(base).\(String(random.next() & 0xffff_ffff, radix: 16)).tmp")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .os("create", temporary, errno: errno) }
        var linked = false
        defer {
            if !linked { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            try writeAndSync(fd, contents, path: temporary)
        }
        guard link(temporary, path) == 0 else {
            let code = errno
            if code == EEXIST {
                throw KeysError(.alreadyExists, "\(path) already exists; choose another --name (an existing key is never overwritten)")
            }
            throw .os("link", path, errno: code)
        }
        linked = true
        unlink(temporary)
        syncDirectory(directory)
    }

    private static func writeAndSync(_ fd: Int32, _ contents: [UInt8], path: String) throws(KeysError) {
        guard fchmod(fd, 0o600) == 0 else { throw .os("chmod", path, errno: errno) }
        var written = 0
        while written < contents.count {
            let n = contents.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .os("write", path, errno: errno)
            }
            written += n
        }
        guard fsync(fd) == 0 else { throw .os("fsync", path, errno: errno) }
    }

    /// Creates `path` with mode 0700 if it does not exist.
    static func makeDirectory(_ path: String) throws(KeysError) {
        if mkdir(path, 0o700) == 0 {
            _ = chmod(path, 0o700)  // mkdir's mode is masked by the umask; 0700 is what we mean.
            return
        }
        let code = errno
        if code != EEXIST { throw .os("create directory", path, errno: code) }
    }

    /// fsync on a directory, so a new entry in it survives a crash. Best effort.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    // MARK: Directory listing

    /// The names in a directory, sorted.
    static func entries(of path: String) throws(KeysError) -> [String] {
        guard let dir = opendir(path) else { throw .os("list", path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    // MARK: Text helpers

    /// `dir/name`, without doubling a slash.
    static func joined(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// A mode as four octal digits: `0644`.
    static func octal(_ mode: UInt32) -> String {
        let digits = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// `path` as a shell word: unchanged when it holds only safe characters, else single-quoted.
    static func shellQuoted(_ path: String) -> String {
        let safe = path.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || "/._-+:@,".utf8.contains(c)
        }
        if safe && !path.isEmpty { return path }
        return "'" + path.replacing("'", with: "'\\''") + "'"
    }

    /// The C library's text for an errno value.
    static func strerror(_ code: Int32) -> String {
        guard let text = Glibc.strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}

extension SecureFile.Status {
    /// What `open(O_NOFOLLOW)` failing with `ELOOP` tells us.
    fileprivate static var symbolicLink: SecureFile.Status {
        var st = stat()
        st.st_mode = mode_t(S_IFLNK)
        return SecureFile.Status(st)
    }
}
