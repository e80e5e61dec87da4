import EVM
import Foundation
import ProcessTestKit
import SignerWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The devnet's virtualenv (made by scripts/test before the Swift tests), which has eth-account.
private let venvPython: String? = {
    let path = BuiltExecutable.repositoryRoot.appendingPathComponent(".venv/bin/python").path
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
}()

/// The real `signer serve` process over its socket: signatures decode, recover to the key, and
/// equal eth-account's for the same key and fields (RFC 6979 is deterministic), for all three
/// transaction types; refusals carry their rule; the audit chain verifies after a clean stop.
@Suite(.enabled(if: builtSignerPath != nil && venvPython != nil))
struct SignerServeTests {
    static let python = venvPython
    static let keeper = SignerUnderTest.keeper
    static let markets = SignerUnderTest.markets

    /// eth-account's raw signed transaction for the same key (decrypted from the keystore by
    /// eth-account itself) and fields.
    static func ethAccountRaw(_ dir: URL, type: Int) async throws -> String {
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
        let out = try await ChildProcess.run(try #require(python), [
            "-c", script, dir.appendingPathComponent("keys/keeper.json").path, dir.appendingPathComponent("keys/keeper.password").path, String(type),
        ])
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func signsWhatEthAccountSignsAndRefusesWithTheRule() async throws {
        let signerUnderTest = try await SignerUnderTest(approve: false)
        let signer = signerUnderTest.signer
        // Unapproved: refuses to start.
        #expect(try await signer.run(["serve", "--config", signer.configPath]).status == 1)
        try await signer.approve()
        let serve = try await signer.start()
        defer { serve.kill() }
        let attributes = try FileManager.default.attributesOfItem(atPath: signer.socketPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o660)

        let client = signerUnderTest.client()
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
            #expect(Hex.encode(result.raw) == (try await Self.ethAccountRaw(signer.directory, type: Int(type.rawValue))))
        }
        // A value above the policy's cap is refused, naming the rule.
        let paying = try TransactionArgs(
            from: try Address(Self.keeper), to: markets, gas: 120_000,
            fees: .dynamic(maxFeePerGas: U256(30_000_000_000), maxPriorityFeePerGas: U256(2_000_000_000)),
            value: U256(1), data: data, nonce: 6, chainId: U256(31337), type: .dynamicFee)
        let refusal = await #expect(throws: SignerClientError.self) { try await client.signTransaction(paying, methodSignature: nil) }
        #expect(refusal?.refusal?.rule == "value")
        client.close()

        serve.send(SIGTERM)
        #expect(try await serve.waitForExit(within: .seconds(15)) == .exited(0))
        let audit = try await signer.run(["audit", "verify", "--db", signer.databasePath])
        #expect(audit.status == 0)
    }
}
