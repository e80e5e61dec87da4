public import EVM
public import Foundation
public import Oracle
import ProcessTestKit
#if canImport(Glibc)
import Glibc
#endif

/// A running devnet (`devnet/run`): a real EVM behind JSON-RPC on 127.0.0.1, started on a free
/// port for one test and stopped when the test is done.
public final class Devnet: @unchecked Sendable {
    /// The repository root.
    public static var repositoryRoot: URL { BuiltExecutable.repositoryRoot }

    public let port: Int
    public let url: URL
    /// The scenario's manifest (addresses, keys, facts), when a scenario was set up.
    public let manifest: JSONValue?
    public let directory: URL
    private let process: Process

    /// Starts the devnet and waits (up to `timeout`) until it listens.
    public init(scenario: String? = nil, options: [String: String] = [:], blockTime: Double? = nil,
                timeout: Duration = .seconds(120)) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("devnet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        directory = dir
        let portFile = dir.appendingPathComponent("port")
        let manifestFile = dir.appendingPathComponent("manifest.json")
        // --exit-with-parent: if this test process dies (a crash, a CI timeout), the devnet goes too.
        var arguments = ["--port", "0", "--port-file", portFile.path, "--quiet", "--exit-with-parent"]
        if let scenario {
            arguments += ["--scenario", scenario, "--manifest", manifestFile.path]
            for (key, value) in options.sorted(by: { $0.key < $1.key }) { arguments += ["--scenario-opt", "\(key)=\(value)"] }
        }
        if let blockTime { arguments += ["--block-time", String(blockTime)] }
        let process = Process()
        process.executableURL = Self.repositoryRoot.appendingPathComponent("devnet/run")
        process.arguments = arguments
        let log = dir.appendingPathComponent("devnet.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process

        // Poll for the port file with a deadline: the devnet writes it once it listens.
        let deadline = ContinuousClock.now + timeout
        var found: Int?
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOf: portFile, encoding: .utf8),
                let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                found = value
                break
            }
            guard process.isRunning else { break }
            usleep(20_000)  // pause inside a poll-until-deadline loop
        }
        guard let port = found else {
            process.terminate()
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw DevnetError(message: "devnet did not start within \(timeout): \(output.suffix(2000))")
        }
        self.port = port
        url = URL(string: "http://127.0.0.1:\(port)/")!
        manifest = scenario == nil ? nil : try JSONValue.parse(Array(try Data(contentsOf: manifestFile)))
    }

    /// Starts the devnet (see ``init(scenario:options:blockTime:timeout:)``) on a thread of its
    /// own: starting takes seconds, and an async test must not hold a cooperative thread that
    /// long (two such tests would stall every other test in the process).
    public static func start(scenario: String? = nil, options: [String: String] = [:], blockTime: Double? = nil,
                             timeout: Duration = .seconds(120)) async throws -> Devnet {
        try await onOwnThread { try Devnet(scenario: scenario, options: options, blockTime: blockTime, timeout: timeout) }
    }

    deinit { stop() }

    /// Stops the devnet (SIGTERM, then SIGKILL if it has not exited within five seconds).
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning, ContinuousClock.now < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// A JSON-RPC client for this devnet, with quick retries (tests want failures fast).
    public func client(retry: RetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10))) -> JSONRPCClient {
        JSONRPCClient(endpoints: [RPCEndpoint(name: "devnet", url: url)], retry: retry)
    }

    /// Calls a control method (`evm_mine`, `devnet_setFault`, ...) and returns its result.
    @discardableResult
    public func control(_ method: String, _ params: [JSONValue] = []) async throws -> JSONValue {
        try await client().call(method, params)
    }

    /// A string field of the manifest by path, for example `["contracts", "Pool"]`.
    public func manifestString(_ path: String...) -> String? {
        var value = manifest
        for key in path { value = value?[key] }
        return value?.stringValue
    }
}

public struct DevnetError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The devnet's pre-funded development accounts (anvil's well-known, public test keys).
public enum DevAccounts {
    public static let keys = [
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
        "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    ]

    public static func key(_ index: Int) throws -> PrivateKey {
        try PrivateKey(bytes: try [UInt8](hex: keys[index]))
    }
}
