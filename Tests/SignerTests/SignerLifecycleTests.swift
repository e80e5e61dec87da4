import EVM
import Foundation
import ProcessTestKit
import SQLite
import SignerWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The life of the real `signer serve` process as systemd sees it: `READY=1` only once it is
/// loaded, signals during start-up, `STOPPING=1` and a graceful stop that answers the requests in
/// flight, and SIGHUP reloads.
@Suite(.enabled(if: builtSignerPath != nil))
struct SignerLifecycleTests {
    /// Holds the signer in the middle of its start-up: while the test holds an exclusive lock on
    /// the signer's database file (a rollback journal, no tables yet), the signer's open of it
    /// waits in SQLite's busy handler (up to its 5 s busy timeout). The signer opens its database
    /// after it has decrypted its keys and loaded its approved policy, and before it binds the
    /// socket and says `READY=1`.
    final class StartupGate {
        private let connection: SQLite.Connection

        init(database: String) throws {
            connection = try SQLite.Connection(path: database, options: .init(writeAheadLog: false))
            try connection.execute("BEGIN EXCLUSIVE")
        }

        /// Lets the signer's start-up go on.
        func open() throws {
            try connection.execute("COMMIT")
            try connection.close()
        }
    }

    /// Starts the signer of `sut` behind a ``StartupGate`` and waits until it has the database
    /// open, that is, until its keys and policy are loaded and it waits for the gate.
    static func startHeld(_ sut: SignerUnderTest, notify: NotifySocketListener) async throws -> (ManagedProcess, StartupGate) {
        let gate = try StartupGate(database: sut.signer.databasePath)
        let serve = try await sut.signer.start(environment: ["NOTIFY_SOCKET": notify.path], waitForSocket: false)
        let database = sut.signer.databasePath
        try await Poll.until("the signer to open its database; its log: \(serve.log.suffix(1500))", within: .seconds(20)) {
            guard serve.isRunning else { throw HarnessError(message: "signer serve exited: \(serve.log.suffix(1500))") }
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(serve.pid)/fd")) ?? []
            return fds.contains { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(serve.pid)/fd/\($0)")) == database }
        }
        return (serve, gate)
    }

    /// The test policy with a lower gas cap: other bytes, another sha256.
    static let changedPolicy = SignerUnderTest.policy().replacingOccurrences(of: "max_gas = 1_000_000", with: "max_gas = 900_000")

    @Test func readyOnlyOnceLoadedAndASIGHUPDuringStartUpReloadsInsteadOfKilling() async throws {
        let sut = try await SignerUnderTest()
        let notify = try sut.notifySocket()
        let (serve, gate) = try await Self.startHeld(sut, notify: notify)

        // Keys and policy are loaded, the database is not: not ready, no socket yet.
        #expect(!notify.assignments.contains("READY=1"))
        #expect(!FileManager.default.fileExists(atPath: sut.signer.socketPath))
        // An operator approves a changed policy and reloads while the signer is still starting.
        try sut.writePolicy(Self.changedPolicy)
        try await sut.signer.approve()
        serve.send(SIGHUP)
        try await serve.waitForLogLineWhileRunning("SIGHUP during start-up", within: .seconds(10))
        #expect(serve.isRunning)

        try gate.open()
        try await notify.wait(for: "READY=1", within: .seconds(20)) { $0.contains("READY=1") }
        // Ready means serving, under the policy approved during start-up.
        let status = try await sut.client().status()
        #expect(status.policy.sha256 == SignerUnderTest.sha256(Self.changedPolicy))
        #expect(serve.logLines.contains { $0.contains("approved policy activated") })
        #expect(serve.isRunning)
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func aStopSignalDuringStartUpExitsZeroWithoutEverBeingReady(signal: Int32) async throws {
        let sut = try await SignerUnderTest()
        let notify = try sut.notifySocket()
        let (serve, gate) = try await Self.startHeld(sut, notify: notify)

        serve.send(signal)
        try await serve.waitForLogLineWhileRunning("stop signal during start-up", within: .seconds(10))
        try gate.open()
        #expect(try await serve.waitForExit(within: .seconds(20)) == .exited(0))
        #expect(!notify.assignments.contains("READY=1"), "\(notify.assignments)")
        #expect(!FileManager.default.fileExists(atPath: sut.signer.socketPath))
    }

    /// `[log] format` in signer.toml applies: JSON lines for log shippers (logfmt is the default,
    /// as the other tests here read).
    @Test func logsJSONLinesWhenTheConfigSaysSo() async throws {
        let sut = try await SignerUnderTest(database: "[log]\nformat = \"json\"\nlevel = \"info\"")
        let serve = try await sut.signer.start()
        defer { serve.kill() }
        let ready = try await serve.waitForLogLineWhileRunning("signer ready", within: .seconds(20))
        let object = try JSONValue.parse(Array(ready.utf8))
        #expect(object["level"]?.stringValue == "notice")
        #expect(object["msg"]?.stringValue == "signer ready")
        #expect(object["logger"]?.stringValue == "signer")
        #expect(object["ts"]?.stringValue?.hasSuffix("Z") == true)
        for line in serve.logLines {
            #expect((try? JSONValue.parse(Array(line.utf8)))?["msg"] != nil, "not a JSON log line: \(line)")
        }
    }

    @Test func aSignerThatCannotLoadNeverSaysReady() async throws {
        let sut = try await SignerUnderTest(approve: false)
        let notify = try sut.notifySocket()
        let serve = try await sut.signer.start(environment: ["NOTIFY_SOCKET": notify.path], waitForSocket: false)
        #expect(try await serve.waitForExit(within: .seconds(20)) == .exited(1))
        #expect(!notify.assignments.contains("READY=1"))
        #expect(serve.log.contains("signer policy approve"))
    }

    @Test func sigtermSaysStoppingAnswersTheRequestsInFlightAndExitsZero() async throws {
        let sut = try await SignerUnderTest()
        let notify = try sut.notifySocket()
        let serve = try await sut.signer.start(environment: ["NOTIFY_SOCKET": notify.path])
        try await notify.wait(for: "READY=1", within: .seconds(20)) { $0.contains("READY=1") }

        // A hundred requests in one write, then SIGTERM at once: the signer is still working
        // through them when it starts to stop.
        let count = 100
        var requests: [UInt8] = []
        for nonce in 0..<count { requests += SignerUnderTest.signLine(id: nonce, try SignerUnderTest.resolve(nonce: UInt64(nonce))) }
        let socket = sut.signer.socketPath
        let (lines, closed) = try await onOwnThread { [requests] in
            let connection = try RawConnection(path: socket)
            connection.send(requests)
            serve.send(SIGTERM)
            var lines: [String] = []
            while lines.count < count, let line = connection.readLine(timeout: .seconds(20)) { lines.append(line) }
            return (lines, connection.isClosedByPeer(timeout: .seconds(20)))
        }

        #expect(lines.count == count)
        var hashes: [String] = []
        for (index, line) in lines.enumerated() {
            let response = try RPCResponse.parse(Array(line.utf8))
            #expect(response.id == RPCID(index))
            let result = try SignedTransactionResult(json: try response.outcome.get())
            hashes.append(Hex.encode(result.hash))
        }
        #expect(closed)
        #expect(try await serve.waitForExit(within: .seconds(20)) == .exited(0))
        let ready = try #require(notify.assignments.firstIndex(of: "READY=1"))
        let stopping = try #require(notify.assignments.firstIndex(of: "STOPPING=1"))
        #expect(ready < stopping)
        // Every answer given is in the audit log, whose chain is whole.
        #expect(try await sut.signer.signedTransactionHashes() == hashes)
        #expect(try await sut.signer.run(["audit", "verify", "--db", sut.signer.databasePath]).status == 0)
    }

    @Test func sighupActivatesANewlyApprovedPolicyAndKeepsTheOldOneOnAnUnapprovedChange() async throws {
        let sut = try await SignerUnderTest()
        let notify = try sut.notifySocket()
        let serve = try await sut.signer.start(environment: ["NOTIFY_SOCKET": notify.path])
        let client = sut.client()
        let original = SignerUnderTest.sha256(SignerUnderTest.policy())
        #expect(try await client.status().policy.sha256 == original)

        // Changed, not approved: the old policy stays, and the refusal is logged as an error.
        try sut.writePolicy(Self.changedPolicy)
        serve.send(SIGHUP)
        let refused = try await serve.waitForLogLineWhileRunning("policy reload refused", within: .seconds(10))
        #expect(refused.contains("level=error"))
        #expect(try await client.status().policy.sha256 == original)
        #expect(try await client.signTransaction(try SignerUnderTest.resolve(nonce: 1), methodSignature: "resolve(uint256,bool)").hash.count == 32)

        // Approved: the new policy replaces it.
        try await sut.signer.approve()
        serve.send(SIGHUP)
        let changed = SignerUnderTest.sha256(Self.changedPolicy)
        try await Poll.until("signer_status to show the approved policy", within: .seconds(10)) {
            try await client.status().policy.sha256 == changed
        }
        #expect(notify.assignments.contains("RELOADING=1"))
        #expect(serve.isRunning)
    }
}
