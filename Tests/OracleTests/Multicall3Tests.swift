import EVM
import Foundation
import Oracle
import Synchronization
import Testing

/// Multicall3 reads against a transport that plays Multicall3: every call answers its own
/// calldata. Large reads go out in several JSON-RPC batches, each of at most `chunksPerBatch`
/// chunks, and the answers come back whole and in order.
@Suite struct Multicall3Tests {
    static let aggregate3 = try! ABIFunction(parsing:
        "function aggregate3((address target, bool allowFailure, bytes callData)[] calls) returns ((bool success, bytes returnData)[] returnData)")

    /// Answers each batch of `eth_call`s to aggregate3 by echoing every call's calldata, and
    /// records how many chunks each HTTP request carried.
    final class EchoMulticall: HTTPTransport {
        let chunksPerRequest = Mutex<[Int]>([])

        func post(_ url: URL, body: Data, timeout: Duration) async throws -> HTTPResponse {
            let requests = try JSONValue.parse(body).arrayValue ?? []
            chunksPerRequest.withLock { $0.append(requests.count) }
            var answers: [String] = []
            for request in requests {
                guard let data = request["params"]?.arrayValue?.first?["data"]?.stringValue,
                    case .array(let calls)? = try Multicall3Tests.aggregate3.decodeCall(try Hex.decode(data)).first
                else { throw URLError(.badServerResponse) }
                let results: [ABIValue] = calls.map { call in
                    guard case .tuple(let fields) = call else { return .tuple([.bool(false), .bytes([])]) }
                    return .tuple([.bool(true), fields[2]])
                }
                let output = try Multicall3Tests.aggregate3.encodeOutput([.array(results)])
                let id: String = if case .number(let n)? = request["id"] { n } else { "0" }
                answers.append(#"{"jsonrpc":"2.0","id":\#(id),"result":"\#(Hex.encode(output))"}"#)
            }
            return HTTPResponse(status: 200, body: Data("[\(answers.joined(separator: ","))]".utf8))
        }
    }

    @Test func aLargeReadGoesOutInBatchesOfChunksAndComesBackInOrder() async throws {
        let transport = EchoMulticall()
        let client = JSONRPCClient(endpoints: [RPCEndpoint(name: "node", url: URL(string: "http://node.invalid/")!)], transport: transport)
        let multicall = Multicall3(rpc: EthereumRPC(client: client), chunkSize: 3, chunksPerBatch: 2)
        let calls = (0..<20).map { Multicall3.Call(target: Address(word: U256(UInt64($0))), callData: [UInt8($0), 0xAB]) }
        let results = try await multicall.read(calls, at: .number(7))
        #expect(results == calls.map { Optional($0.callData) })
        // 20 calls: 7 chunks of at most 3, in batches of at most 2 chunks.
        #expect(transport.chunksPerRequest.withLock { $0 } == [2, 2, 2, 1])
    }
}
