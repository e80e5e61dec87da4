import Foundation
import Glibc
import ProcessTestKit
import Systemd
import Testing

@Suite struct NotifierTests {
    @Test(arguments: [false, true])
    func sendsTheExactMessages(abstract: Bool) throws {
        let receiver = try DatagramReceiver(abstract: abstract)
        let notifier = Systemd.Notifier(socket: receiver.socket)
        try notifier.ready()
        #expect(try receiver.receive() == "READY=1")
        try notifier.status("tick 7 ok\n3 intents")
        #expect(try receiver.receive() == "STATUS=tick 7 ok 3 intents")
        try notifier.watchdog()
        #expect(try receiver.receive() == "WATCHDOG=1")
        try notifier.reloading(monotonicMicroseconds: 123_456_789)
        #expect(try receiver.receive() == "RELOADING=1\nMONOTONIC_USEC=123456789")
        try notifier.stopping()
        #expect(try receiver.receive() == "STOPPING=1")
        try notifier.notify("EXTEND_TIMEOUT_USEC=5000000\nSTATUS=migrating")
        #expect(try receiver.receive() == "EXTEND_TIMEOUT_USEC=5000000\nSTATUS=migrating")
        #expect(!receiver.hasPending())
    }

    @Test func reloadingCarriesTheMonotonicClockNow() throws {
        let receiver = try DatagramReceiver()
        let before = Systemd.monotonicMicroseconds()
        try Systemd.Notifier(socket: receiver.socket).reloading()
        let after = Systemd.monotonicMicroseconds()
        let message = try receiver.receive()
        let lines = message.split(separator: "\n")
        try #require(lines.count == 2)
        #expect(lines[0] == "RELOADING=1")
        let stamp = try #require(UInt64(lines[1].dropFirst("MONOTONIC_USEC=".count)))
        #expect(lines[1].hasPrefix("MONOTONIC_USEC="))
        #expect((before...after).contains(stamp))
    }

    @Test func sendingToAMissingSocketNamesItAndKeepsErrno() throws {
        let socket = Systemd.NotifySocket(address: .path("/nonexistent-\(getpid())/notify.sock"))
        let error = try #require(throws: SystemdError.self) { try Systemd.Notifier(socket: socket).ready() }
        #expect(error.kind == .systemCall)
        #expect(error.errno == ENOENT)
        #expect(error.description.contains("cannot send 'READY=1' to NOTIFY_SOCKET /nonexistent-"))
    }

    @Test(arguments: [
        ("/run/systemd/notify", Systemd.NotifySocket.Address.path("/run/systemd/notify")),
        ("@/org/freedesktop/systemd1/notify/123", .abstract("/org/freedesktop/systemd1/notify/123")),
    ])
    func parsesNotifySocket(_ value: String, _ expected: Systemd.NotifySocket.Address) throws {
        #expect(try Systemd.NotifySocket(parsing: value).address == expected)
        #expect(try Systemd.NotifySocket(parsing: value).description == value)
    }

    @Test(arguments: ["relative/path", "@", "vsock:2:1234", "/" + String(repeating: "x", count: 120)])
    func rejectsMalformedNotifySocket(_ value: String) {
        #expect(throws: SystemdError.self) { try Systemd.NotifySocket(parsing: value) }
    }
}

/// Set in the child process that runs ``EnvironmentTests``.
private let environmentChildVariable = "SYSTEMD_TESTS_ENVIRONMENT_CHILD"
private let inEnvironmentChild = ProcessInfo.processInfo.environment[environmentChildVariable] != nil

/// Runs ``EnvironmentTests`` in a child copy of this test binary. They set and unset variables
/// of their process, and `setenv` while another thread starts a process (Foundation's
/// `Process.run` copies `environ`) crashes the suite: here no other test shares the child.
@Suite struct EnvironmentTestsInAChild {
    @Test(.enabled(if: !inEnvironmentChild))
    func environmentTestsPassInAProcessOfTheirOwn() async throws {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var environment = ProcessInfo.processInfo.environment
        environment[environmentChildVariable] = "1"
        let child = try await ChildProcess.run(
            executable, ["--testing-library", "swift-testing", "--filter", "SystemdTests.EnvironmentTests"],
            environment: environment, timeLimit: .seconds(60))
        #expect(child.status == 0 && child.reason == .exit, "\(child.stdout.suffix(3000))\(child.stderr.suffix(1000))")
        // The child ran the tests (a filter that matched nothing would pass too).
        #expect((child.stdout + child.stderr).contains("Suite EnvironmentTests passed"), "\(child.stderr.suffix(3000))")
    }
}

/// The functions that read the real environment. Serialized, and only in a child process of
/// their own (``EnvironmentTestsInAChild``): they set and unset variables of this process.
@Suite(.serialized, .enabled(if: inEnvironmentChild)) struct EnvironmentTests {
    @Test func notifyDoesNothingWhenNotifySocketIsUnset() throws {
        unsetenv("NOTIFY_SOCKET")
        #expect(try Systemd.notify("READY=1") == false)
        #expect(try Systemd.ready() == false)
        #expect(try Systemd.Notifier.fromEnvironment() == nil)
    }

    @Test func staticHelpersSendToNotifySocket() throws {
        let receiver = try DatagramReceiver(abstract: true)
        setenv("NOTIFY_SOCKET", receiver.socket.description, 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        #expect(try Systemd.ready())
        #expect(try receiver.receive() == "READY=1")
        #expect(try Systemd.status("ok"))
        #expect(try receiver.receive() == "STATUS=ok")
        #expect(try Systemd.watchdog())
        #expect(try receiver.receive() == "WATCHDOG=1")
        #expect(try Systemd.reloading())
        #expect(try receiver.receive().hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
        #expect(try Systemd.stopping())
        #expect(try receiver.receive() == "STOPPING=1")
    }

    @Test func watchdogIntervalReadsTheEnvironment() throws {
        setenv("WATCHDOG_USEC", "2500000", 1)
        unsetenv("WATCHDOG_PID")
        defer { unsetenv("WATCHDOG_USEC") }
        #expect(try Systemd.watchdogInterval == .milliseconds(2500))
        setenv("WATCHDOG_PID", "\(getpid())", 1)
        #expect(try Systemd.watchdogInterval == .milliseconds(2500))
        setenv("WATCHDOG_PID", "\(getpid() + 1)", 1)
        #expect(try Systemd.watchdogInterval == nil)
        unsetenv("WATCHDOG_PID")
    }

    @Test func listenFileDescriptorsForAnotherProcessAreIgnoredAndUnset() throws {
        setenv("LISTEN_PID", "\(getpid() + 1)", 1)
        setenv("LISTEN_FDS", "2", 1)
        setenv("LISTEN_FDNAMES", "a:b", 1)
        #expect(try Systemd.listenFileDescriptors().isEmpty)
        #expect(getenv("LISTEN_PID") == nil)
        #expect(getenv("LISTEN_FDS") == nil)
        #expect(getenv("LISTEN_FDNAMES") == nil)
    }

    @Test func listenFileDescriptorsAreUnsetEvenWhenMalformed() throws {
        setenv("LISTEN_PID", "\(getpid())", 1)
        setenv("LISTEN_FDS", "many", 1)
        #expect(throws: SystemdError.self) { try Systemd.listenFileDescriptors() }
        #expect(getenv("LISTEN_PID") == nil)
        #expect(getenv("LISTEN_FDS") == nil)
    }

    @Test func listenFileDescriptorsCanKeepTheEnvironment() throws {
        setenv("LISTEN_PID", "\(getpid())", 1)
        setenv("LISTEN_FDS", "0", 1)
        defer {
            unsetenv("LISTEN_PID")
            unsetenv("LISTEN_FDS")
        }
        #expect(try Systemd.listenFileDescriptors(unsetEnvironment: false).isEmpty)
        #expect(getenv("LISTEN_PID") != nil)
    }
}
