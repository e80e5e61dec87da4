#if canImport(Glibc)
internal import Glibc
#endif

/// Reads a password from the controlling terminal with echo off, for `signer keys new` and
/// `signer keys import` when no `--password-file` is given.
///
/// The terminal (`/dev/tty`) is used even when standard input is redirected, as `ssh-keygen` and
/// `gpg` do, so a password never has to pass through a pipe or the command line. The bytes go
/// straight into a ``SecretBytes``; the terminal's settings are restored before returning.
public enum TerminalPrompt {
    /// The longest password accepted.
    static let maximumLength = 1024

    /// Shows `prompt` on the terminal and reads one line without echoing it.
    ///
    /// - Throws: ``KeysError`` `.invalidInput` when there is no terminal (then pass a password
    ///   file), the line is too long, or input ends before a newline.
    public static func readPassword(prompt: String) throws(KeysError) -> SecretBytes {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            throw KeysError(
                .invalidInput, "no terminal to ask for the password on; pass --password-file FILE (mode 0600, the password on one line)",
                cause: OSError(errno: errno, operation: "open /dev/tty"))
        }
        defer { close(fd) }
        var saved = termios()
        let isTerminal = tcgetattr(fd, &saved) == 0
        if isTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            _ = tcsetattr(fd, TCSAFLUSH, &quiet)
        }
        defer {
            if isTerminal {
                var restore = saved
                _ = tcsetattr(fd, TCSAFLUSH, &restore)
            }
            _ = "\n".withCString { write(fd, $0, 1) }
        }
        _ = prompt.withCString { write(fd, $0, strlen($0)) }

        var password = SecretBytes(capacity: maximumLength)
        var count = 0
        let ended = password.withUnsafeMutableStorage { buffer -> Bool? in
            while count < buffer.count {
                var byte: UInt8 = 0
                let n = read(fd, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return nil }
                if byte == UInt8(ascii: "\n") { return true }
                buffer[count] = byte
                byte = 0
                count += 1
            }
            return false
        }
        password.setCount(count)
        switch ended {
        case true?:
            return password
        case false?:
            throw KeysError(.invalidInput, "the password is longer than \(maximumLength) bytes")
        case nil:
            throw KeysError(.invalidInput, "the terminal closed before the password was entered")
        }
    }

    /// Asks for a new password twice (echo off) and returns it if both entries are the same.
    ///
    /// - Throws: ``KeysError`` `.invalidInput` when they differ or either is empty, or as
    ///   ``readPassword(prompt:)`` does.
    public static func readNewPassword(prompt: String) throws(KeysError) -> SecretBytes {
        let first = try readPassword(prompt: prompt)
        guard !first.isEmpty else { throw KeysError(.invalidInput, "the password is empty; nothing was written") }
        let second = try readPassword(prompt: "The same password again: ")
        guard first.constantTimeEquals(second) else {
            throw KeysError(.invalidInput, "the two passwords typed differ; nothing was written")
        }
        return first
    }
}
