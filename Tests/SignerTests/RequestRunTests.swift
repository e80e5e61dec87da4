import EVM
import Foundation
import SignerWire
import Testing
@testable import Signer

/// Requests that arrive together on one connection are answered as one run: in order, each
/// decided against the ones before it, and only once everything the run recorded is durable.
@Suite struct RequestRunTests {
    func signLine(id: Int, nonce: UInt64, from: Address) -> [UInt8] {
        Array(("{\"jsonrpc\":\"2.0\",\"id\":\(id),\"method\":\"account_signTransaction\",\"params\":[{\"from\":\"\(from.checksummed)\","
            + "\"gas\":\"0x186a0\",\"maxFeePerGas\":\"0x2540be400\",\"maxPriorityFeePerGas\":\"0x3b9aca00\",\"value\":\"0x0\","
            + "\"data\":\"0x6000\",\"nonce\":\"0x\(String(nonce, radix: 16))\",\"chainId\":\"0x7a69\",\"type\":\"0x2\"}]}").utf8)
    }

    @Test func aRunIsAnsweredInOrderAfterItsRecordsAreDurable() throws {
        let directory = try LedgerDirectory()
        let key = try LedgerFixture.key()
        let store = try LedgerFixture.open(directory)
        // Three signatures a minute: the fourth request of the run is refused by the budget,
        // which counts the three before it in the same run.
        let policy = try LedgerFixture.policy(account: key.address, budgets: [Budget(window: BudgetWindow(seconds: 60), maxCount: 3)])
        let service = SignerService(
            policy: ApprovedPolicy(policy: policy, file: "run.toml", sha256: "00", approvers: []),
            keys: try KeySet([(key: key, file: "key.json")]), store: store, logger: LedgerFixture.quietLogger)
        let dispatcher = RPCDispatcher(methods: service, logger: LedgerFixture.quietLogger)
        let lines = (1...4).map { signLine(id: $0, nonce: UInt64($0), from: key.address) }
        var out: [UInt8] = []
        dispatcher.respond(toRun: lines.map { $0[...] }, peer: PeerCredentials(uid: 1000, gid: 1000, pid: 1), into: &out)

        // Durable before the answers were handed back: the audit log holds the four rows.
        let verification = try AuditLog.verify(path: directory.database)
        #expect(verification.rowCount == 4 && verification.problem == nil)
        let answers = try out.split(separator: 0x0A).map { try RPCResponse.parse($0) }
        #expect(answers.map(\.id) == (1...4).map { RPCID($0) })
        for answer in answers.prefix(3) {
            let result = try SignedTransactionResult(json: try answer.outcome.get())
            #expect(try SignedTransaction(raw: result.raw, chainId: LedgerFixture.chainId).sender == key.address)
        }
        guard case .failure(let refusal) = answers[3].outcome else {
            Issue.record("the fourth request was signed")
            return
        }
        #expect(refusal.data?["rule"]?.stringValue == "budget.count.1m")
        store.close()
    }
}
