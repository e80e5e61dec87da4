import EVM
import Foundation
import Logging
import ProcessTestKit
import SignerWire
import Testing

/// The real `signer serve` process over its socket: signatures decode, recover to the key, and
/// equal eth-account's for the same key and fields (RFC 6979 is deterministic), for all three
/// transaction types; refusals carry their rule; the audit chain verifies after a clean stop.
/// The repository root (this file is Tests/SignerTests/SignerServeTests.swift).
private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The devnet's virtualenv (made by scripts/test before the Swift tests), which has eth-account.
private let venvPython: String? = {
    let path = repositoryRoot.appendingPathComponent(".venv/bin/python").path
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
}()

@Suite(.serialized, .enabled(if: builtSignerPath != nil && venvPython != nil))
struct SignerServeTests {
    static let root = repositoryRoot
    static let python = venvPython
    static let keeper = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    static let markets = "0x5FbDB2315678afecb367f032d93F642f64180aa3"

    /// A private directory with the example keys, an approved policy and signer.toml.
    static func prepare() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signer-serve-\(UUID().uuidString)")
        let policy = """
            schema = 1
            chain_id = 31337
            accounts = ["\(keeper)"]

            [limits]
            tx_types = [0, 1, 2]
            max_gas = 1_000_000
            max_value = "0"
            max_fee_per_gas = "200 gwei"
            max_priority_fee_per_gas = "5 gwei"
            max_gas_price = "200 gwei"

            [[contract]]
            name = "Markets"
            address = "\(markets)"

            [[contract.function]]
            signature = "function resolve(uint256 marketId, bool outcome)"
            """
        try SignerDirectory.prepare(dir, repositoryRoot: root, policy: policy)
        return dir
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// eth-account's raw signed transaction for the same key (decrypted from the keystore by
    /// eth-account itself) and fields.
    static func ethAccountRaw(_ dir: URL, type: Int) throws -> String {
        let script = """
            import json, sys
            from eth_account import Account
            key = Account.decrypt(json.load(open(sys.argv[1])), open(sys.argv[2]).read().rstrip("\\n"))
            data = bytes.fromhex("52a34b05" + "%064x" % 7 + "%064x" % 1)
            tx = {"chainId": 31337, "nonce": 3 + int(sys.argv[3]), "gas": 120000, "to": "\(markets)", "value": 0, "data": data}
            t = int(sys.argv[3])
            if t == 2:
                tx.update({"type": 2, "maxFeePerGas": 30 * 10**9, "maxPriorityFeePerGas": 2 * 10**9})
            else:
                tx["gasPrice"] = 30 * 10**9
                if t == 1:
                    tx.update({"type": 1, "accessList": [{"address": "\(markets)", "storageKeys": ["0x" + "00" * 31 + "01"]}]})
            print("0x" + Account.sign_transaction(tx, key).raw_transaction.hex().removeprefix("0x"))
            """
        let out = try run(try #require(python), ["-c", script, dir.appendingPathComponent("keys/keeper.json").path,
                                                  dir.appendingPathComponent("keys/keeper.password").path, String(type)])
        return out.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func signsWhatEthAccountSignsAndRefusesWithTheRule() async throws {
        let signer = try #require(builtSignerPath)
        let dir = try Self.prepare()
        let config = dir.appendingPathComponent("signer.toml").path
        // Unapproved: refuses to start.
        #expect(try Self.run(signer, ["serve", "--config", config]).status == 1)
        let approve = try Self.run(signer, ["policy", "approve", dir.appendingPathComponent("policy.toml").path,
                                            "--keystore", dir.appendingPathComponent("operator.json").path,
                                            "--password-file", dir.appendingPathComponent("operator.password").path, "--config", config])
        #expect(approve.status == 0)

        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: signer)
        serve.arguments = ["serve", "--config", config]
        serve.standardError = FileHandle.nullDevice
        try serve.run()
        defer { if serve.isRunning { serve.terminate() } }
        let socket = dir.appendingPathComponent("signer.sock").path
        let deadline = ContinuousClock.now + .seconds(30)
        while !FileManager.default.fileExists(atPath: socket), ContinuousClock.now < deadline, serve.isRunning {
            usleep(20_000)  // pause inside a poll-until-deadline loop
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: socket)
        #expect((attributes[.posixPermissions] as? Int) == 0o660)

        let client = SignerClient(socketPath: socket, timeout: .seconds(10), logger: Logger(label: "test"))
        #expect(try await client.accounts() == [try Address(Self.keeper)])
        let resolve = try ABIFunction(parsing: "function resolve(uint256 marketId, bool outcome)")
        let data = try resolve.encodeCall([.uint(7), .bool(true)])
        let markets = try Address(Self.markets)
        for type in [TransactionArgs.TxType.legacy, .accessList, .dynamicFee] {
            let fees: TransactionArgs.Fees = type == .dynamicFee
                ? .dynamic(maxFeePerGas: U256(30_000_000_000), maxPriorityFeePerGas: U256(2_000_000_000))
                : .legacy(gasPrice: U256(30_000_000_000))
            let accessList = type == .accessList ? [TransactionArgs.AccessTuple(address: markets, storageKeys: [U256(1).bigEndianBytes])] : nil
            let args = try TransactionArgs(
                from: try Address(Self.keeper), to: markets, gas: 120_000, fees: fees, value: .zero, data: data, nonce: 3 + UInt64(type.rawValue),
                chainId: U256(31337), type: type, accessList: accessList)
            let result = try await client.signTransaction(args, methodSignature: "resolve(uint256,bool)")
            let decoded = try SignedTransaction(raw: result.raw, chainId: 31337)
            #expect(decoded.sender == (try Address(Self.keeper)))
            #expect(decoded.hash == result.hash)
            #expect(Hex.encode(result.raw) == (try Self.ethAccountRaw(dir, type: Int(type.rawValue))))
        }
        // A value above the policy's cap is refused, naming the rule.
        let paying = try TransactionArgs(
            from: try Address(Self.keeper), to: markets, gas: 120_000,
            fees: .dynamic(maxFeePerGas: U256(30_000_000_000), maxPriorityFeePerGas: U256(2_000_000_000)),
            value: U256(1), data: data, nonce: 6, chainId: U256(31337), type: .dynamicFee)
        let refusal = await #expect(throws: SignerClientError.self) { try await client.signTransaction(paying, methodSignature: nil) }
        #expect(refusal?.refusal?.rule == "value")
        client.close()

        serve.terminate()
        serve.waitUntilExit()
        #expect(serve.terminationStatus == 0)
        let audit = try Self.run(signer, ["audit", "verify", "--db", dir.appendingPathComponent("signer.db").path])
        #expect(audit.status == 0)
    }
}
