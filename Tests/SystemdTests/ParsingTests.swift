import Systemd
import Testing

@Suite struct ParsingTests {
    @Test func watchdogInterval() throws {
        #expect(try Systemd.watchdogInterval(microseconds: nil, pid: nil, currentPID: 10) == nil)
        #expect(try Systemd.watchdogInterval(microseconds: "30000000", pid: nil, currentPID: 10) == .seconds(30))
        #expect(try Systemd.watchdogInterval(microseconds: "30000000", pid: "10", currentPID: 10) == .seconds(30))
        #expect(try Systemd.watchdogInterval(microseconds: "30000000", pid: "11", currentPID: 10) == nil)
        #expect(try Systemd.watchdogInterval(microseconds: "0", pid: nil, currentPID: 10) == nil)
        #expect(throws: SystemdError.self) { try Systemd.watchdogInterval(microseconds: "30s", pid: nil, currentPID: 10) }
        #expect(throws: SystemdError.self) { try Systemd.watchdogInterval(microseconds: "1", pid: "x", currentPID: 10) }
    }

    @Test func listenFileDescriptorsStartAtThreeWithNames() throws {
        let fds = try Systemd.parseListenFileDescriptors(pid: "42", count: "3", names: "http:admin:", currentPID: 42)
        #expect(fds == [
            .init(fileDescriptor: 3, name: "http"), .init(fileDescriptor: 4, name: "admin"),
            .init(fileDescriptor: 5, name: ""),
        ])
    }

    @Test func listenFileDescriptorsWithoutNamesAreUnknown() throws {
        let fds = try Systemd.parseListenFileDescriptors(pid: "42", count: "2", names: nil, currentPID: 42)
        #expect(fds.map(\.name) == ["unknown", "unknown"])
        #expect(fds.map(\.fileDescriptor) == [3, 4])
    }

    @Test(arguments: [
        (nil, "1", nil),  // not socket-activated
        ("43", "1", nil),  // meant for another process
        ("42", nil, nil),  // no count
        ("42", "0", nil),  // nothing passed
    ] as [(String?, String?, String?)])
    func listenFileDescriptorsNotForUs(_ pid: String?, _ count: String?, _ names: String?) throws {
        #expect(try Systemd.parseListenFileDescriptors(pid: pid, count: count, names: names, currentPID: 42).isEmpty)
    }

    @Test(arguments: [
        ("abc", "1", nil),
        ("0", "1", nil),
        ("42", "-1", nil),
        ("42", "two", nil),
        ("42", "2", "only-one"),
    ] as [(String?, String?, String?)])
    func listenFileDescriptorsMalformed(_ pid: String?, _ count: String?, _ names: String?) {
        #expect(throws: SystemdError.self) {
            try Systemd.parseListenFileDescriptors(pid: pid, count: count, names: names, currentPID: 42)
        }
    }

    @Test func nameCountMismatchSaysWhatToCheck() throws {
        let error = try #require(throws: SystemdError.self) {
            try Systemd.parseListenFileDescriptors(pid: "42", count: "2", names: "a", currentPID: 42)
        }
        #expect(error.description == "LISTEN_FDNAMES has 1 names for 2 descriptors (LISTEN_FDS); check FileDescriptorName= in the .socket unit")
    }
}
