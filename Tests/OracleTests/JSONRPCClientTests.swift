import EVM
import Foundation
import Oracle
import Synchronization
import Testing

/// The client's retry and failover decisions, driven by a scripted transport (no network: the
/// devnet's fault switches exercise the same paths end to end).
@Suite struct JSONRPCClientTests {
    /// Answers each POST with the next scripted outcome and records which endpoint was asked.
    final class ScriptedTransport: HTTPTransport {
        enum Outcome: Sendable { case status(Int, String), failure }
        private let script: Mutex<[Outcome]>
        let asked = Mutex<[String]>([])

        init(_ outcomes: [Outcome]) { script = Mutex(outcomes) }

        func post(_ url: URL, body: Data, timeout: Duration) async throws -> HTTPResponse {
            asked.withLock { $0.append(url.host ?? "") }
            let next = script.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            switch next {
            case .status(let code, let text):
                // Echo the request's id (or ids) into the scripted body.
                let request = try JSONValue.parse(body)
                let id = request["id"].map { v -> String in if case .number(let n) = v { n } else { "0" } } ?? "0"
                return HTTPResponse(status: code, body: Data(text.replacingOccurrences(of: "$ID", with: id).utf8))
            case .failure, nil:
                throw URLError(.cannotConnectToHost)
            }
        }
    }

    static let endpoints = [
        RPCEndpoint(name: "primary", url: URL(string: "http://primary.invalid/")!),
        RPCEndpoint(name: "backup", url: URL(string: "http://backup.invalid/")!),
    ]
    static let fast = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2))

    func client(_ transport: ScriptedTransport) -> JSONRPCClient {
        JSONRPCClient(endpoints: Self.endpoints, transport: transport, retry: Self.fast)
    }

    @Test func failsOverOnTransportErrorAndStays() async throws {
        let t = ScriptedTransport([.failure, .status(200, #"{"jsonrpc":"2.0","id":$ID,"result":"0x10"}"#),
                                   .status(200, #"{"jsonrpc":"2.0","id":$ID,"result":"0x11"}"#)])
        let c = client(t)
        #expect(try await c.call("eth_blockNumber") == "0x10")
        #expect(try await c.call("eth_blockNumber") == "0x11")
        #expect(t.asked.withLock { $0 } == ["primary.invalid", "backup.invalid", "backup.invalid"])
    }

    @Test(arguments: [
        ScriptedTransport.Outcome.status(429, "slow down"),
        .status(503, "<html>unavailable</html>"),
        .status(200, "{not json"),
        .status(200, #"{"jsonrpc":"2.0","id":null,"error":{"code":-32005,"message":"limit exceeded"}}"#),
        .status(200, #"{"jsonrpc":"2.0","id":$ID,"error":{"code":-32000,"message":"header not found"}}"#),
    ])
    func retriesEndpointFailures(first: ScriptedTransport.Outcome) async throws {
        let t = ScriptedTransport([first, .status(200, #"{"jsonrpc":"2.0","id":$ID,"result":"0x1"}"#)])
        #expect(try await client(t).call("eth_chainId") == "0x1")
        #expect(t.asked.withLock { $0.count } == 2)
    }

    @Test func revertIsReturnedAtOnceWithItsData() async throws {
        let t = ScriptedTransport([
            .status(200, #"{"jsonrpc":"2.0","id":$ID,"error":{"code":3,"message":"execution reverted: no","data":"0x08c379a0"}}"#),
        ])
        let error = await #expect(throws: RPCError.self) { try await client(t).call("eth_call") }
        #expect(error?.kind == .executionReverted)
        #expect(error?.data == "0x08c379a0")
        #expect(t.asked.withLock { $0.count } == 1)
    }

    @Test func invalidParamsAreNotRetried() async throws {
        let t = ScriptedTransport([.status(200, #"{"jsonrpc":"2.0","id":$ID,"error":{"code":-32602,"message":"invalid argument"}}"#)])
        let error = await #expect(throws: RPCError.self) { try await client(t).call("eth_getBalance") }
        #expect(error?.kind == .rpc)
        #expect(error?.code == -32602)
        #expect(t.asked.withLock { $0.count } == 1)
    }

    @Test func exhaustionNamesTheLastCause() async throws {
        let t = ScriptedTransport([.failure, .failure, .failure, .failure])
        let error = await #expect(throws: RPCError.self) { try await client(t).call("eth_blockNumber") }
        #expect(error?.kind == .exhausted)
        #expect((error?.cause as? RPCError)?.kind == .transport)
        #expect(t.asked.withLock { $0.count } == 4)
    }

    @Test func retryDelaysGrowAndStayBounded() {
        var rng = SystemRandomNumberGenerator()
        let policy = RetryPolicy(baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        for attempt in 1...12 {
            let d = policy.delay(beforeRetry: attempt, using: &rng)
            let ceiling = min(Duration.seconds(1), .milliseconds(100) * (1 << (attempt - 1)))
            #expect(d >= ceiling / 2 && d <= ceiling)
        }
    }
}
