public import EVM
import Foundation
import Strategies

/// The verdict the signer would give a planned transaction, for `keeper plan --policy FILE`.
///
/// The keeper does not link the signer's policy engine; it runs the signer's own checker,
/// `signer policy check FILE --tx TX.json`, found next to the `keeper` executable or on `PATH`
/// (`KEEPER_SIGNER_BINARY` overrides), and shows its one-line answer (`allow: ...` or
/// `refuse [rule]: reason`). Without that binary the verdict says the check is not available.
public struct PolicyVerdicts: Sendable {
    public let policyPath: String
    /// The signer executable, when found.
    public let signerBinary: String?

    public init(policyPath: String, signerBinary: String? = PolicyVerdicts.findSignerBinary()) {
        self.policyPath = policyPath
        self.signerBinary = signerBinary
    }

    /// `signer` next to this executable, else on `PATH`; `KEEPER_SIGNER_BINARY` wins.
    public static func findSignerBinary() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["KEEPER_SIGNER_BINARY"], !explicit.isEmpty { return explicit }
        let fm = FileManager.default
        let beside = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent().appendingPathComponent("signer").path
        if fm.isExecutableFile(atPath: beside) { return beside }
        for dir in (environment["PATH"] ?? "").split(separator: ":") {
            let candidate = String(dir) + "/signer"
            if fm.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The transaction as `account_signTransaction` params[0] (Clef's shape), as the signer's
    /// checker reads it.
    public static func transactionJSON(_ plan: PlannedTransaction, chainID: UInt64, nonce: UInt64) -> JSONValue {
        var o: [String: JSONValue] = [
            "from": .string(plan.from.checksummed), "to": .string(plan.intent.to.checksummed),
            "value": .string(plan.intent.value.hexQuantity), "data": .string(Hex.encode(plan.calldata)),
            "nonce": .string(U256(nonce).hexQuantity), "chainId": .string(U256(chainID).hexQuantity), "type": "0x2",
        ]
        if let gas = plan.gasLimit { o["gas"] = .string(U256(gas).hexQuantity) }
        if let fees = plan.fees {
            o["maxFeePerGas"] = .string(fees.maxFeePerGas.hexQuantity)
            o["maxPriorityFeePerGas"] = .string(fees.maxPriorityFeePerGas.hexQuantity)
        }
        return .object(o)
    }

    /// The verdict line for one plan.
    public func verdict(for plan: PlannedTransaction, chainID: UInt64, nonce: UInt64) -> String {
        guard let signerBinary else {
            return "policy check not available (no 'signer' executable next to keeper or on PATH)"
        }
        guard plan.isActionable else { return "not checked: the transaction is not actionable" }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("keeper-tx-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            try Data(Self.transactionJSON(plan, chainID: chainID, nonce: nonce).serialized.utf8).write(to: file)
        } catch {
            return "policy check failed: cannot write \(file.path): \(error)"
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: signerBinary)
        process.arguments = ["policy", "check", policyPath, "--tx", file.path]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return "policy check failed: cannot run \(signerBinary): \(error)"
        }
        // Standard error is drained on its own thread while standard output is read here: a
        // checker that fills one pipe while we wait on the other would otherwise never finish.
        let errorsRead = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var errors = Data()
        Thread {
            errors = err.fileHandleForReading.readDataToEndOfFile()
            errorsRead.signal()
        }.start()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        errorsRead.wait()
        process.waitUntilExit()
        let firstLine = { (data: Data) in
            String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        }
        let answer = firstLine(output)
        if !answer.isEmpty { return answer }
        return "policy check failed (exit \(process.terminationStatus)): \(firstLine(errors))"
    }
}
