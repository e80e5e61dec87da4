import EVM
import Foundation
import ProcessTestKit
import SignerWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Bad input over the real `signer serve` socket: malformed JSON, wrong types, unknown methods,
/// a line over the limit, a half line then close, a peer whose uid is not allowed, a thousand
/// connections at once. After each the process is still running and a well-behaved client gets
/// right answers: its version, and a signature that recovers to the key.
@Suite(.enabled(if: builtSignerPath != nil))
struct SignerBadInputTests {
    /// What one response line was.
    enum Answer: Equatable, CustomStringConvertible {
        case result
        case error(RPCErrorCode?, id: RPCID, field: String?)
        case unreadable(String)
        case none

        init(_ line: String?) {
            guard let line else {
                self = .none
                return
            }
            guard let response = try? RPCResponse.parse(Array(line.utf8)) else {
                self = .unreadable(String(line.prefix(200)))
                return
            }
            switch response.outcome {
            case .success: self = .result
            case .failure(let error):
                var field: String?
                if case .string(let name) = error.data?["field"] { field = name }
                self = .error(error.knownCode, id: response.id, field: field)
            }
        }

        /// One line for the child client's report; ``decode(_:)`` reads it back.
        var encoded: String {
            switch self {
            case .result: "result"
            case .error(let code, let id, let field): "error \(code?.rawValue ?? 0) \(id == .null ? "null" : "\(id)") \(field ?? "-")"
            case .unreadable: "unreadable"
            case .none: "none"
            }
        }

        static func decode(_ text: String) -> Answer {
            let parts = text.split(separator: " ").map(String.init)
            switch parts.first {
            case "result": return .result
            case "none": return .none
            case "error" where parts.count == 4:
                let code = Int(parts[1]).flatMap { RPCErrorCode(rawValue: $0) }
                let field = parts[3] == "-" ? nil : parts[3]
                return .error(code, id: parts[2] == "null" ? .null : .number(parts[2]), field: field)
            default: return .unreadable(text)
            }
        }

        var description: String {
            switch self {
            case .result: "a result"
            case .error(let code, let id, let field): "error \(code.map { "\($0)" } ?? "?") id \(id) field \(field ?? "-")"
            case .unreadable(let line): "unreadable: \(line)"
            case .none: "no answer"
            }
        }
    }

    /// The signer is still there: its process runs, and a fresh client gets its version and a
    /// signature (for `nonce`) that decodes and recovers to the keeper key. Retries for a while,
    /// because connections the test just closed may still hold the signer's slots.
    static func expectStillServing(_ sut: SignerUnderTest, nonce: UInt64, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let serve = try #require(sut.signer.process, sourceLocation: sourceLocation)
        #expect(serve.isRunning, "the signer died: \(serve.log.suffix(1500))", sourceLocation: sourceLocation)
        let client = sut.client()
        defer { client.close() }
        let version = try await Poll.until("signer_version from a well-behaved client", within: .seconds(20)) { try? await client.version() }
        #expect(version.version.hasPrefix("keeper-signer"), sourceLocation: sourceLocation)
        let signed = try await client.signTransaction(try SignerUnderTest.resolve(nonce: nonce), methodSignature: "resolve(uint256,bool)")
        #expect(try SignedTransaction(raw: signed.raw, chainId: 31337).sender == (try Address(SignerUnderTest.keeper)), sourceLocation: sourceLocation)
    }

    @Test func malformedLinesWrongTypesUnknownMethodsAndOversizedAndHalfLinesLeaveItServing() async throws {
        let sut = try await SignerUnderTest()
        try await sut.signer.start()
        let socket = sut.signer.socketPath
        let good = try SignerUnderTest.resolve(nonce: 1)
        let goodLine = String(decoding: SignerUnderTest.signLine(id: 6, good).dropLast(), as: UTF8.self)
        // (request line, expected answer), all on one connection, which stays open.
        let cases: [([UInt8], Answer)] = [
            (Array(#"{"jsonrpc":"2.0","id":1,"method""#.utf8), .error(.parseError, id: .null, field: nil)),
            ([0x7B, 0xFF, 0xFE, 0x7D], .error(.parseError, id: .null, field: nil)),
            (Array("[1,2]".utf8), .error(.invalidRequest, id: .null, field: nil)),
            (Array(#"{"jsonrpc":"1.0","id":2,"method":"signer_version"}"#.utf8), .error(.invalidRequest, id: RPCID(2), field: nil)),
            (Array(#"{"jsonrpc":"2.0","id":3,"method":"eth_sendTransaction"}"#.utf8), .error(.methodNotFound, id: RPCID(3), field: nil)),
            (Array(#"{"jsonrpc":"2.0","id":4,"method":"signer_version","params":[1]}"#.utf8), .error(.invalidParams, id: RPCID(4), field: "params")),
            (Array(goodLine.replacingOccurrences(of: #""gas":"0x1d4c0""#, with: #""gas":true"#).utf8), .error(.invalidParams, id: RPCID(6), field: "params[0].gas")),
            (Array(goodLine.replacingOccurrences(of: #""nonce":"0x1""#, with: #""nonce":1"#).utf8), .error(.invalidParams, id: RPCID(6), field: "params[0].nonce")),
            (Array(#"{"jsonrpc":"2.0","id":5,"method":"account_signTransaction","params":{"from":5}}"#.utf8), .error(.invalidParams, id: RPCID(5), field: "params")),
            (Array(goodLine.utf8), .result),
        ]
        let over = Array(#"{"jsonrpc":"2.0","id":9,"method":"signer_version","pad":""#.utf8) + [UInt8](repeating: 0x61, count: 128 * 1024) + Array("\"}\n".utf8)
        let observed = try await onOwnThread { () -> (answers: [Answer], afterwards: Answer, tooLarge: Answer, tooLargeClosed: Bool) in
            // Half lines, then close: twenty times.
            for _ in 0..<20 {
                let half = try RawConnection(path: socket)
                half.send(#"{"jsonrpc":"2.0","id":1,"meth"#)
            }
            let connection = try RawConnection(path: socket)
            var answers: [Answer] = []
            for (line, _) in cases {
                connection.send(line + [0x0A])
                answers.append(Answer(connection.readLine(timeout: .seconds(20))))
            }
            connection.send(SignerUnderTest.line(id: 8, method: "signer_version"))
            let afterwards = Answer(connection.readLine(timeout: .seconds(20)))
            // A line over 128 KiB: refused, and the connection closed.
            let large = try RawConnection(path: socket)
            large.send(over)
            let tooLarge = Answer(large.readLine(timeout: .seconds(20)))
            return (answers, afterwards, tooLarge, large.isClosedByPeer(timeout: .seconds(20)))
        }
        for ((line, expected), answer) in zip(cases, observed.answers) {
            #expect(answer == expected, "\(String(decoding: line.prefix(120), as: UTF8.self))")
        }
        #expect(observed.answers.count == cases.count)
        #expect(observed.afterwards == .result)
        #expect(observed.tooLarge == .error(.requestTooLarge, id: .null, field: nil))
        #expect(observed.tooLargeClosed)
        let serve = try #require(sut.signer.process)
        try await serve.waitForLogLine("request line too large", within: .seconds(10))
        try await Self.expectStillServing(sut, nonce: 2)
    }

    @Test func aPeerWhoseUIDIsNotAllowedIsClosedAndLogged() async throws {
        let ours = geteuid()
        let other = ours &+ 4242
        // As root, a client can run as the allowed uid (setpriv) and show that it is served.
        let perl = ["/usr/bin/perl", "/bin/perl"].first(where: FileManager.default.isExecutableFile(atPath:))
        let asOther = ours == 0 && perl != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
        // Then the socket's group is the other uid's, so that it may connect.
        let sut = try await SignerUnderTest(socket: "allowed_uids = [\(other)]" + (asOther ? "\ngroup = \"\(other)\"" : ""))
        if asOther { try FileManager.default.setAttributes([.posixPermissions: 0o711], ofItemAtPath: sut.directory) }
        let serve = try await sut.signer.start()
        let socket = sut.signer.socketPath
        let attempts = try await onOwnThread { () -> [(Answer, Bool)] in
            try (0..<2).map { _ in
                let connection = try RawConnection(path: socket)
                connection.send(SignerUnderTest.line(id: 1, method: "signer_version"))
                return (Answer(connection.readLine(timeout: .seconds(20))), connection.isClosedByPeer(timeout: .seconds(20)))
            }
        }
        for (answer, closed) in attempts {
            #expect(answer == .error(.peerNotAllowed, id: .null, field: nil))
            #expect(closed)
        }
        try await serve.waitForLogLine("peer not allowed", "signer.peer.uid=\(ours)", "signer.peer.pid=\(getpid())", within: .seconds(10))
        #expect(serve.isRunning)

        // The allowed uid is served.
        guard asOther, let perl else { return }
        let client = try await ChildProcess.run("/usr/bin/setpriv", [
            "--reuid=\(other)", "--regid=\(other)", "--clear-groups", perl, "-MIO::Socket::UNIX", "-e",
            #"my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "connect: $!"; print $s qq({"jsonrpc":"2.0","id":7,"method":"signer_version"}\n); print scalar <$s>;"#,
            socket,
        ])
        #expect(client.status == 0, "\(client.stderr)")
        #expect(Answer(client.stdout.split(separator: "\n").first.map(String.init)) == .result, "\(client.stdout)")
        #expect(client.stdout.contains("keeper-signer"))
    }

    @Test func aThousandConnectionsAtOnceGetTheirBoundAndTheRestAreRefused() async throws {
        let sut = try await SignerUnderTest()
        let serve = try await sut.signer.start()
        let socket = sut.signer.socketPath
        let answers = try await Self.connectAndAskVersion(1_000, socket)
        // The default bound, 64: those are answered, the other 936 get `overloaded` at once.
        #expect(answers.count(where: { $0 == .result }) == 64)
        #expect(answers.count(where: { $0 == .error(.overloaded, id: .null, field: nil) }) == 936)
        try await serve.waitForLogLine("too many connections", within: .seconds(10))
        try await Self.expectStillServing(sut, nonce: 1)
    }

    static let clientSocketVariable = "SIGNER_BAD_INPUT_CLIENT_SOCKET"
    static let clientCountVariable = "SIGNER_BAD_INPUT_CLIENT_COUNT"

    /// Opens `count` connections to `socket` at once and asks each for `signer_version`; what
    /// each answered, in order.
    ///
    /// The connections are opened by a child copy of this test binary (``connectingClientRole()``),
    /// not here: with a thousand sockets open, descriptor numbers pass 1,024, and Foundation's
    /// `Process.run` in other tests of this process then crashes (memcpy in its descriptor
    /// handling). A process of its own keeps the test process's descriptors few.
    static func connectAndAskVersion(_ count: Int, _ socket: String) async throws -> [Answer] {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var environment = ProcessInfo.processInfo.environment
        environment[clientSocketVariable] = socket
        environment[clientCountVariable] = String(count)
        let child = try await ChildProcess.run(
            executable, ["--testing-library", "swift-testing", "--filter", "SignerBadInputTests/connectingClientRole"],
            environment: environment, timeLimit: .seconds(60))
        #expect(child.status == 0 && child.reason == .exit, "the connecting client failed: \(child.stderr.suffix(2000))")
        let answers = child.stdout.split(separator: "\n").compactMap { line -> Answer? in
            guard line.hasPrefix("ANSWER ") else { return nil }
            return Answer.decode(String(line.dropFirst("ANSWER ".count)))
        }
        #expect(answers.count == count, "the client reported \(answers.count) of \(count) answers: \(child.stderr.suffix(2000))")
        return answers
    }

    /// The child's role (see ``connectAndAskVersion(_:_:)``): with the variables set, opens the
    /// connections, sends `signer_version` on each, and prints what each answered, a line each.
    /// A no-op in a normal run.
    @Test func connectingClientRole() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let socket = environment[Self.clientSocketVariable], let count = Int(environment[Self.clientCountVariable] ?? "") else { return }
        try raiseOpenFileLimit(to: rlim_t(count + 200))
        let answers = try await onOwnThread {
            var connections: [RawConnection] = []
            for _ in 0..<count { connections.append(try RawConnection(path: socket)) }
            let version = SignerUnderTest.line(id: 1, method: "signer_version")
            for connection in connections { connection.send(version) }
            // One deadline for all: connections left unanswered must not cost 10 s each.
            let deadline = ContinuousClock.now + .seconds(10)
            return connections.map { Answer($0.readLine(timeout: max(.milliseconds(1), deadline - ContinuousClock.now))) }
        }
        for answer in answers { print("ANSWER \(answer.encoded)") }
    }

    /// The soft and hard open-file limits of process `pid` (from /proc/PID/limits).
    static func openFileLimits(pid: Int32) throws -> (soft: String, hard: String) {
        let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
        let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
        let fields = line.dropFirst("Max open files".count).split(separator: " ")
        #expect(fields.count >= 2)
        return (String(try #require(fields.first)), String(try #require(fields.dropFirst().first)))
    }

    @Test func aConnectionBoundAboveTheSoftOpenFileLimitIsServedByRaisingItToTheHardLimit() async throws {
        let sut = try await SignerUnderTest(socket: "max_connections = 300")
        // Started with a soft limit of 128 open files (the hard limit stays).
        let serve = try await sut.signer.start(shellPrefix: "ulimit -S -n 128")
        let limits = try Self.openFileLimits(pid: serve.pid)
        #expect(limits.soft == limits.hard)
        #expect(limits.soft != "128")
        let answers = try await Self.connectAndAskVersion(300, sut.signer.socketPath)
        #expect(answers.count(where: { $0 == .result }) == 300)
        try await Self.expectStillServing(sut, nonce: 1)
    }

    @Test func aConnectionBoundAboveTheHardOpenFileLimitIsARefusalToStart() async throws {
        let sut = try await SignerUnderTest(socket: "max_connections = 300")
        let serve = try await sut.signer.start(shellPrefix: "ulimit -n 128", waitForSocket: false)
        #expect(try await serve.waitForExit(within: .seconds(10)) == .exited(1))
        #expect(serve.log.contains("max_connections"), "\(serve.log)")
        #expect(serve.log.contains("LimitNOFILE"), "\(serve.log)")
        #expect(!FileManager.default.fileExists(atPath: sut.signer.socketPath))
    }
}

/// Raises this process's soft open-file limit to at least `count` (not above the hard limit).
func raiseOpenFileLimit(to count: rlim_t) throws {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    guard limit.rlim_cur < count else { return }
    limit.rlim_cur = min(count, limit.rlim_max)
    guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
}
