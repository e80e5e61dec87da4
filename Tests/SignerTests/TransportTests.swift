import EVM
import Foundation
import Logging
import ProcessTestKit
import Signer
import SignerWire
import Synchronization
import TOML
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The socket file, the listener's start-up checks, and the framing over real sockets.
@Suite struct TransportTests {
    @Test func socketHasItsModeBeforeAnyConnection() throws {
        let dir = try TemporaryDirectory()
        for mode: UInt32 in [0o660, 0o600] {
            let path = dir.path + "/m\(String(mode, radix: 8)).sock"
            let listener = try UnixSocketListener(configuration: .init(socketPath: path, socketMode: mode), logger: LogCapture().logger())
            defer { listener.close() }
            var info = stat()
            #expect(lstat(path, &info) == 0)
            #expect(info.st_mode & S_IFMT == S_IFSOCK)
            #expect(info.st_mode & 0o7777 == mode)
        }
    }

    @Test func socketGroupIsApplied() throws {
        let dir = try TemporaryDirectory()
        let gid = getegid()
        let listener = try UnixSocketListener(configuration: .init(socketPath: dir.socketPath, socketGroup: .id(gid)), logger: LogCapture().logger())
        defer { listener.close() }
        var info = stat()
        #expect(lstat(dir.socketPath, &info) == 0)
        #expect(info.st_gid == gid)
        #expect(throws: TransportError.self) {
            try UnixSocketListener(configuration: .init(socketPath: dir.path + "/g.sock", socketGroup: .name("no-such-group-xyz")),
                                   logger: LogCapture().logger())
        }
    }

    @Test func staleSocketIsReplaced() throws {
        let dir = try TemporaryDirectory()
        // A socket file with nobody listening: bound, then its process "died".
        let fd = UnixSocket.makeStreamSocket()
        let rc = UnixSocket.withAddress(dir.socketPath) { bind(fd, $0, $1) }
        #expect(rc == 0)
        close(fd)
        var before = stat()
        #expect(lstat(dir.socketPath, &before) == 0)
        let capture = LogCapture()
        let server = try TestServer(configuration: .init(socketPath: dir.socketPath), capture: capture)
        defer { server.stop() }
        // (Inode numbers are recycled on tmpfs, so the log and a live answer are the evidence.)
        #expect(capture.contains("stale socket"))
        let connection = try RawConnection(path: dir.socketPath)
        connection.send(Lines.version(id: 1))
        #expect(try connection.readResponse().outcome == .success(.object([WireJSONMember("version", .string("test"))])))
    }

    @Test func liveSocketIsRefused() throws {
        let dir = try TemporaryDirectory()
        let first = try TestServer(configuration: .init(socketPath: dir.socketPath))
        defer { first.stop() }
        #expect { try UnixSocketListener(configuration: .init(socketPath: dir.socketPath), logger: LogCapture().logger()) } throws: { error in
            guard let error = error as? TransportError else { return false }
            return error == .anotherSignerListening(dir.socketPath) && error.message.contains("another signer is listening on \(dir.socketPath)")
        }
        // The first signer is untouched.
        let connection = try RawConnection(path: dir.socketPath)
        connection.send(Lines.version(id: 1))
        #expect(try connection.readResponse().id == RPCID(1))
    }

    @Test func regularFileIsNeverUnlinked() throws {
        let dir = try TemporaryDirectory()
        try "precious".write(toFile: dir.socketPath, atomically: false, encoding: .utf8)
        #expect { try UnixSocketListener(configuration: .init(socketPath: dir.socketPath), logger: LogCapture().logger()) } throws: { error in
            (error as? TransportError) == .notASocket(dir.socketPath)
        }
        #expect(try String(contentsOfFile: dir.socketPath, encoding: .utf8) == "precious")
    }

    @Test func missingDirectoryAndLongPathAreClearErrors() throws {
        #expect { try UnixSocketListener(configuration: .init(socketPath: "/tmp/no-such-dir-xyz/s.sock"), logger: LogCapture().logger()) } throws: { error in
            "\(error)".contains("RuntimeDirectory")
        }
        let long = "/tmp/" + String(repeating: "x", count: 120)
        #expect(throws: TransportError.self) { try UnixSocketListener(configuration: .init(socketPath: long), logger: LogCapture().logger()) }
    }

    @Test func closeUnlinksOnlyOurSocket() throws {
        let dir = try TemporaryDirectory()
        let server = try TestServer(configuration: .init(socketPath: dir.socketPath))
        server.stop()
        var info = stat()
        #expect(lstat(dir.socketPath, &info) != 0)
    }

    @Test func adoptsSystemdSocket() throws {
        let dir = try TemporaryDirectory()
        let fd = UnixSocket.makeStreamSocket()
        #expect(UnixSocket.withAddress(dir.socketPath) { bind(fd, $0, $1) } == 0)
        #expect(listen(fd, 16) == 0)
        let capture = LogCapture()
        let configuration = TransportConfiguration(socketPath: dir.path + "/unused.sock")
        let listener = try UnixSocketListener(configuration: configuration, inheritedFileDescriptors: [fd], logger: capture.logger())
        #expect(listener.fileDescriptor == fd)
        #expect(listener.path == nil)
        let server = UnixSocketServer(listener: listener, configuration: configuration,
                                      handler: RPCDispatcher(methods: FakeSignerMethods(), logger: capture.logger()), logger: capture.logger())
        server.start()
        defer { server.shutdown() }
        let connection = try RawConnection(path: dir.socketPath)
        connection.send(Lines.version(id: 9))
        #expect(try connection.readResponse().id == RPCID(9))

        let notListening = UnixSocket.makeStreamSocket()
        defer { close(notListening) }
        #expect(throws: TransportError.self) {
            try UnixSocketListener(configuration: configuration, inheritedFileDescriptors: [notListening], logger: capture.logger())
        }
    }

    @Test func twoRequestsInOneWrite() throws {
        let dir = try TemporaryDirectory()
        let server = try TestServer(configuration: .init(socketPath: dir.socketPath))
        defer { server.stop() }
        let connection = try RawConnection(path: dir.socketPath)
        connection.send(Lines.version(id: 1) + Lines.sign(id: 2, nonce: 5))
        #expect(try connection.readResponse().id == RPCID(1))
        let second = try connection.readResponse()
        #expect(second.id == RPCID(2))
        guard case .success(let result) = second.outcome else {
            Issue.record("expected a result, got \(second)")
            return
        }
        let signed = try SignedTransactionResult(json: result)
        #expect(signed.transaction.nonce == 5)
    }

    @Test func oneRequestSplitAcrossWrites() async throws {
        let dir = try TemporaryDirectory()
        let server = try TestServer(configuration: .init(socketPath: dir.socketPath))
        defer { server.stop() }
        let connection = try RawConnection(path: dir.socketPath)
        let bytes = Array(Lines.sign(id: 3).utf8)
        var offset = 0
        for size in [1, 2, 7, 30, 100] where offset < bytes.count {
            connection.send(Array(bytes[offset..<min(bytes.count, offset + size)]))
            offset += size
            // Nothing is answered before the line is complete.
            #expect(connection.readLine(timeout: .milliseconds(20)) == nil)
        }
        connection.send(Array(bytes[min(offset, bytes.count)...]))
        #expect(try connection.readResponse().id == RPCID(3))
    }

    @Test func answersInOrderOnOneConnection() throws {
        let dir = try TemporaryDirectory()
        let server = try TestServer(configuration: .init(socketPath: dir.socketPath))
        defer { server.stop() }
        let connection = try RawConnection(path: dir.socketPath)
        var all = ""
        for i in 1...500 { all += i % 3 == 0 ? Lines.version(id: i) : (i % 3 == 1 ? Lines.sign(id: i, nonce: i) : "{bad json \(i)\n") }
        connection.send(all)
        var expectedParseErrors = 0
        for i in 1...500 {
            let response = try connection.readResponse()
            if i % 3 == 2 {
                // A parse error has id null but still comes in its place.
                #expect(response.id == .null)
                expectedParseErrors += 1
            } else {
                #expect(response.id == RPCID(i))
            }
        }
        #expect(expectedParseErrors > 0)
    }

    @Test func malformedInputGetsStandardErrorsAndTheConnectionStaysUsable() throws {
        let dir = try TemporaryDirectory()
        let server = try TestServer(configuration: .init(socketPath: dir.socketPath))
        defer { server.stop() }
        let connection = try RawConnection(path: dir.socketPath)
        let cases: [(String, RPCErrorCode, RPCID, String?)] = [
            ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\"", .parseError, .null, nil),
            ("[1,2]", .invalidRequest, .null, nil),
            (#"{"jsonrpc":"2.0","id":2,"method":"eth_sendTransaction"}"#, .methodNotFound, RPCID(2), nil),
            (#"{"jsonrpc":"2.0","id":3,"method":"account_list","params":[1]}"#, .invalidParams, RPCID(3), "params"),
            (Lines.sign(id: 4, value: "1000").dropLast().description, .invalidParams, RPCID(4), "params[0].value"),
            (Lines.sign(id: 5, extra: #","gas":"0x1""#).dropLast().description, .parseError, .null, nil),
            (Lines.sign(id: 6, extra: #","gasLimit":"0x1""#).dropLast().description, .invalidParams, RPCID(6), "params[0].gasLimit"),
            (#"{"jsonrpc":"2.0","id":7,"method":"account_signTransaction","params":[{"from":5}]}"#, .invalidParams, RPCID(7), "params[0].from"),
        ]
        for (line, code, id, field) in cases {
            connection.send(line + "\n")
            let response = try connection.readResponse()
            #expect(response.id == id, "\(line)")
            guard case .failure(let error) = response.outcome else {
                Issue.record("no error for \(line)")
                continue
            }
            #expect(error.knownCode == code, "\(line): \(error)")
            if let field { #expect(error.data?["field"] == .string(field), "\(line): \(error)") }
        }
        connection.send(Lines.version(id: 99))
        #expect(try connection.readResponse().id == RPCID(99))
        #expect(server.methods.rejections.load(ordering: .relaxed) == cases.count)
    }

    @Test func methodsSeeThePeerAndTheRawRequest() throws {
        let dir = try TemporaryDirectory()
        let server = try TestServer(configuration: .init(socketPath: dir.socketPath))
        defer { server.stop() }
        let connection = try RawConnection(path: dir.socketPath)
        connection.send(Lines.version(id: 77))
        #expect(try connection.readResponse().id == RPCID(77))
        let context = try #require(server.methods.lastContext.withLock { $0 })
        #expect(context.peer.uid == geteuid())
        #expect(context.peer.gid == getegid())
        #expect(context.peer.pid == getpid())
        #expect(context.id == RPCID(77))
        #expect(context.method == "signer_version")
        #expect(Array(context.rawRequest) == Array(Lines.version(id: 77).dropLast().utf8))
    }

    @Test func garbageOverTheSocketNeverStopsTheSigner() throws {
        let dir = try TemporaryDirectory()
        let server = try TestServer(configuration: .init(socketPath: dir.socketPath))
        defer { server.stop() }
        var rng = SeededGenerator(seed: 21)
        for round in 0..<20 {
            let connection = try RawConnection(path: dir.socketPath)
            var lines = 0
            var payload: [UInt8] = []
            for _ in 0..<50 {
                let count = Int.random(in: 1...200, using: &rng)
                var line = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
                line.removeAll { $0 == 0x0A || $0 == 0x0D || $0 == 0x20 || $0 == 0x09 }
                guard !line.isEmpty else { continue }
                payload += line + [0x0A]
                lines += 1
            }
            connection.send(payload)
            for _ in 0..<lines {
                let response = try connection.readResponse()
                guard case .failure(let error) = response.outcome else {
                    Issue.record("garbage got a result in round \(round)")
                    continue
                }
                #expect(error.knownCode == .parseError || error.knownCode == .invalidRequest)
            }
        }
        let connection = try RawConnection(path: dir.socketPath)
        connection.send(Lines.version(id: 1))
        #expect(try connection.readResponse().id == RPCID(1))
    }

    @Test func refusalAndInternalErrorsCarryTheirData() throws {
        let dir = try TemporaryDirectory()
        let server = try TestServer(configuration: .init(socketPath: dir.socketPath))
        defer { server.stop() }
        let connection = try RawConnection(path: dir.socketPath)
        connection.send(Lines.sign(id: 1, value: "0xde0b6b3a7640001"))
        guard case .failure(let refusal) = try connection.readResponse().outcome else {
            Issue.record("not refused")
            return
        }
        #expect(refusal.knownCode == .refused)
        #expect(refusal.refusal?.rule == "value-cap")
        #expect(server.capture.contains("refused") { $0.metadata["signer.refusal.rule"] == "value-cap" })
    }

    @Test func lineOverTheLimitIsRefusedAndClosed() throws {
        let dir = try TemporaryDirectory()
        let server = try TestServer(configuration: .init(socketPath: dir.socketPath))
        defer { server.stop() }
        let connection = try RawConnection(path: dir.socketPath)
        // 128 KiB + 1 of a JSON string, never finished: the server must not wait for the newline.
        connection.send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + String(repeating: "a", count: 128 * 1024))
        let response = try connection.readResponse()
        #expect(response.id == .null)
        guard case .failure(let error) = response.outcome else {
            Issue.record("expected an error")
            return
        }
        #expect(error.knownCode == .requestTooLarge)
        #expect(error.data?["limit"] == .integer(128 * 1024))
        #expect(connection.isClosedByPeer())

        // A complete line over the limit, sent in one go, is refused too; exactly at the limit is fine.
        let second = try RawConnection(path: dir.socketPath)
        let atLimit = #"{"jsonrpc":"2.0","id":2,"method":"signer_version"}"#
        second.send(atLimit + String(repeating: " ", count: 128 * 1024 - atLimit.utf8.count) + "\n")
        #expect(try second.readResponse().id == RPCID(2))
        second.send(atLimit + String(repeating: " ", count: 128 * 1024 - atLimit.utf8.count + 1) + "\n")
        guard case .failure(let tooLarge) = try second.readResponse().outcome else {
            Issue.record("expected an error")
            return
        }
        #expect(tooLarge.knownCode == .requestTooLarge)
        #expect(second.isClosedByPeer())
        #expect(server.server.statistics.tooLarge == 2)
    }

    @Test func halfLineThenCloseIsHarmless() async throws {
        let dir = try TemporaryDirectory()
        let server = try TestServer(configuration: .init(socketPath: dir.socketPath))
        defer { server.stop() }
        for _ in 0..<20 {
            let connection = try RawConnection(path: dir.socketPath)
            connection.send("{\"jsonrpc\":\"2.0\",\"id\":1,\"meth")
        }
        #expect(await eventually { server.server.openConnections == 0 })
        let connection = try RawConnection(path: dir.socketPath)
        connection.send(Lines.version(id: 1))
        #expect(try connection.readResponse().id == RPCID(1))
    }

    @Test func startedLineMustCompleteWithinTheReadTimeout() throws {
        let dir = try TemporaryDirectory()
        let server = try TestServer(configuration: .init(socketPath: dir.socketPath, readTimeout: .milliseconds(200)))
        defer { server.stop() }
        let connection = try RawConnection(path: dir.socketPath)
        let started = ContinuousClock.now
        connection.send("{\"jsonrpc\":")
        let response = try connection.readResponse()
        #expect(ContinuousClock.now - started >= .milliseconds(150))
        guard case .failure(let error) = response.outcome else {
            Issue.record("expected an error")
            return
        }
        #expect(error.knownCode == .requestTimeout)
        #expect(connection.isClosedByPeer())
    }

    @Test func idleConnectionsAreClosed() throws {
        let dir = try TemporaryDirectory()
        let server = try TestServer(configuration: .init(socketPath: dir.socketPath, idleTimeout: .milliseconds(200)))
        defer { server.stop() }
        let connection = try RawConnection(path: dir.socketPath)
        connection.send(Lines.version(id: 1))
        #expect(try connection.readResponse().id == RPCID(1))
        #expect(connection.isClosedByPeer())
        #expect(server.server.statistics.idleClosed == 1)
    }

    @Test func disallowedPeerIsClosedAndLogged() throws {
        let dir = try TemporaryDirectory()
        let ours = geteuid()
        let configuration = TransportConfiguration(socketPath: dir.socketPath, allowedUIDs: [ours &+ 4242], allowedGIDs: [getegid() &+ 4242])
        let server = try TestServer(configuration: configuration)
        defer { server.stop() }
        let connection = try RawConnection(path: dir.socketPath)
        connection.send(Lines.version(id: 1))
        let response = try connection.readResponse()
        guard case .failure(let error) = response.outcome else {
            Issue.record("a disallowed peer got an answer")
            return
        }
        #expect(error.knownCode == .peerNotAllowed)
        #expect(connection.isClosedByPeer())
        #expect(server.capture.contains("peer not allowed") {
            $0.level == .warning && $0.metadata["signer.peer.uid"] == "\(ours)" && $0.metadata["signer.peer.pid"] == "\(getpid())"
        })
        #expect(server.server.statistics.rejectedPeers == 1)
    }

    @Test func readsTheSocketSectionOfSignerConfig() throws {
        func configuration(_ socket: String) throws -> TransportConfiguration {
            let text = socket + """

                [keys]
                dir = "keys"

                [policy]
                file = "policies/demo.toml"

                [approval]
                operators = ["0x2Ede0C3A717ce4b92df2484f3ea6a00dDbD95785"]
                threshold = 1

                [database]
                path = "/var/lib/keeper-signer/signer.db"
                """
            let file = "/etc/keeper-signer/signer.toml"
            return TransportConfiguration(socket: try SignerConfig(table: try TOML.parse(text, file: file), file: file).socket)
        }
        let custom = try configuration("""
            [socket]
            path = "/run/x/s.sock"
            mode = "0600"
            group = "1234"
            allowed_uids = [1000]
            allowed_gids = [2000]
            max_connections = 8
            idle_timeout = "30s"
            read_timeout = "2s"
            """)
        #expect(custom == TransportConfiguration(
            socketPath: "/run/x/s.sock", socketMode: 0o600, socketGroup: .id(1234), allowedUIDs: [1000], allowedGIDs: [2000],
            maximumConnections: 8, idleTimeout: .seconds(30), readTimeout: .seconds(2)))
        #expect(try configuration("[socket]\ngroup = \"keeper\"").socketGroup == .name("keeper"))
        #expect(try configuration("") == TransportConfiguration())
    }

    @Test(arguments: [
        (TransportConfiguration(allowedUIDs: [], allowedGIDs: []), PeerCredentials(uid: 7, gid: 7, pid: 1), UInt32(7), true),
        (TransportConfiguration(allowedUIDs: [], allowedGIDs: []), PeerCredentials(uid: 8, gid: 7, pid: 1), UInt32(7), false),
        (TransportConfiguration(allowedUIDs: [8], allowedGIDs: []), PeerCredentials(uid: 7, gid: 7, pid: 1), UInt32(7), false),
        (TransportConfiguration(allowedUIDs: [8], allowedGIDs: []), PeerCredentials(uid: 8, gid: 1, pid: 1), UInt32(7), true),
        (TransportConfiguration(allowedUIDs: [], allowedGIDs: [100]), PeerCredentials(uid: 9, gid: 100, pid: 1), UInt32(7), true),
    ])
    func peerRule(configuration: TransportConfiguration, peer: PeerCredentials, own: UInt32, allowed: Bool) {
        #expect(configuration.allows(peer, ownUID: own) == allowed)
    }

    /// A connection still in the listen backlog when the stop begins, with a request already
    /// sent: it is accepted and answered, not dropped.
    @Test func shutdownAnswersARequestOnAConnectionNotYetAccepted() async throws {
        let dir = try TemporaryDirectory()
        let socket = dir.socketPath
        let answered = try await onOwnThread { () -> (RPCID?, Bool) in
            let configuration = TransportConfiguration(socketPath: socket)
            let logger = LogCapture().logger()
            let listener = try UnixSocketListener(configuration: configuration, logger: logger)
            let server = UnixSocketServer(listener: listener, configuration: configuration,
                                          handler: RPCDispatcher(methods: FakeSignerMethods(), logger: logger), logger: logger)
            let connection = try RawConnection(path: socket)  // in the backlog: nobody accepts yet
            connection.send(Lines.version(id: 5))
            // The stop begins before the new accept thread gets to the connection.
            server.start()
            server.shutdown(gracePeriod: .seconds(30))
            let response = connection.readLine(timeout: .seconds(10)).flatMap { try? RPCResponse.parse(Array($0.utf8)) }
            return (response?.id, connection.isClosedByPeer(timeout: .seconds(10)))
        }
        #expect(answered.0 == RPCID(5))
        #expect(answered.1)
    }

    @Test func gracefulShutdownFinishesRequestsInFlight() async throws {
        let dir = try TemporaryDirectory()
        let server = try TestServer(configuration: .init(socketPath: dir.socketPath))
        let busy = try RawConnection(path: dir.socketPath)
        let idle = try RawConnection(path: dir.socketPath)
        idle.send(Lines.version(id: 1))
        #expect(try idle.readResponse().id == RPCID(1))
        busy.send(Lines.sign(id: 2, extra: "") .replacingOccurrences(of: "]}\n", with: ",\"block()\"]}\n"))
        #expect(await eventually { server.methods.blockedCount.load(ordering: .sequentiallyConsistent) == 1 })
        // shutdown blocks until the busy request ends: on a thread of its own, not a task, so
        // it starts at once even when the cooperative pool is busy with other tests.
        let finished = Atomic<Int>(0)  // 0 running, 1 finished in time, 2 grace period ran out
        Thread { finished.store(server.server.shutdown(gracePeriod: .seconds(30)) ? 1 : 2, ordering: .sequentiallyConsistent) }.start()
        // The idle connection is closed at once; the busy one is answered when its request ends.
        #expect(idle.isClosedByPeer())
        server.methods.gate.signal()
        #expect(try busy.readResponse().id == RPCID(2))
        #expect(await eventually { finished.load(ordering: .sequentiallyConsistent) != 0 })
        #expect(finished.load(ordering: .sequentiallyConsistent) == 1)
        #expect(busy.isClosedByPeer())
    }
}
