import EVM
import Foundation
import Logging
import SQLite
import Synchronization
import Testing
@testable import Signer

/// A fresh directory for one test, removed when the value goes.
final class LedgerDirectory {
    let path: String
    var database: String { path + "/signer.db" }

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Shared fixtures of the ledger and audit tests.
enum LedgerFixture {
    static let chainId: UInt64 = 31337
    static let quietLogger = Logger(label: "signer.ledger.test") { _ in SwiftLogNoOpLogHandler() }
    static let start = Date(timeIntervalSince1970: 1_750_000_000)

    /// The test key (from the approval tests' helper) and its account.
    static func key() throws -> PrivateKey { try testKey(7) }

    /// An EIP-1559 contract creation (the test policy allows creation) at `nonce`.
    static func transaction(nonce: UInt64, maxFee: U256 = 10_000_000_000, tip: U256 = 1_000_000_000, gas: UInt64 = 100_000, data: [UInt8] = [0x60, 0x00]) -> Transaction {
        .dynamicFee(DynamicFeeTransaction(
            chainId: chainId, nonce: nonce, maxPriorityFeePerGas: tip, maxFeePerGas: maxFee, gasLimit: gas, to: nil, data: data))
    }

    /// A policy for `account` that allows contract creation, with the given budgets.
    static func policy(account: Address, budgets: [Budget] = []) throws -> Policy {
        try Policy(
            chainId: chainId, accounts: [account],
            limits: TransactionLimits(maxGas: 1_000_000, maxFeePerGas: 1_000_000_000_000, maxPriorityFeePerGas: 100_000_000_000),
            creation: LimitOverrides(), contracts: [], budgets: budgets)
    }

    static func audit(_ n: Int, at time: Date = start, method: String = "account_signTransaction") -> AuditRequest {
        AuditRequest(
            time: time, peerUID: 1000, peerPID: Int32(4000 + n % 1000), requestDigest: Keccak256.hash("request \(n)"), method: method)
    }

    static func open(_ directory: LedgerDirectory, now: Date = start, options: SignerStore.Options = .init()) throws -> SignerStore {
        try SignerStore(path: directory.database, options: options, logger: quietLogger, now: now)
    }

    /// Reserves, signs, commits and waits: the whole path of one allowed-or-refused request.
    /// Returns the decision and, when signed, the transaction.
    @discardableResult
    static func sign(
        _ store: SignerStore, policy: Policy, key: PrivateKey, _ tx: Transaction, now: Date = start, n: Int = 0
    ) throws -> (PolicyDecision, SignedTransaction?) {
        let request = PolicyRequest(from: key.address, transaction: tx)
        // As the signer's service does it: the store's running totals answer the budgets.
        let windows = policy.budgets.map(\.window.seconds)
        let ledgerRequest = LedgerRequest(account: key.address, transaction: tx, now: now, lookback: windows.max() ?? 0, budgetWindows: windows)
        let reservation = try store.reserve(ledgerRequest) { view in
            policy.evaluate(request, history: view, signedAtNonce: view.signedAtNonce, now: view.now)
        }
        guard reservation.decision.isAllowed else {
            reservation.decline(audit: audit(n, at: now))
            try reservation.waitDurable()
            return (reservation.decision, nil)
        }
        let signed = try tx.sign(with: key)
        try reservation.commit(signed, audit: audit(n, at: now))
        try reservation.waitDurable()
        return (reservation.decision, signed)
    }

    /// Counts rows of `table` in the database at `path` through a separate connection.
    static func count(_ table: String, in path: String) throws -> Int {
        let connection = try SQLite.Connection(path: path, mode: .readOnly)
        return try connection.query("SELECT count(*) FROM \(table)") { try $0.int(at: 0) }.first ?? -1
    }
}

/// Runs `body(i)` on `count` threads at once (released together) and waits for all of them, up
/// to `timeout`. Returns false when they did not all finish in time.
func onThreads(_ count: Int, timeout: Duration = .seconds(120), _ body: @escaping @Sendable (Int) -> Void) -> Bool {
    let group = DispatchGroup()
    let gate = DispatchSemaphore(value: 0)
    for i in 0..<count {
        group.enter()
        let thread = Thread {
            gate.wait()
            body(i)
            group.leave()
        }
        thread.start()
    }
    for _ in 0..<count { gate.signal() }
    let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
    return group.wait(timeout: .now() + seconds) == .success
}

/// Percentile `p` (0...1) of sorted durations.
func percentile(_ sorted: [Duration], _ p: Double) -> Duration {
    guard !sorted.isEmpty else { return .zero }
    let index = min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))
    return sorted[index]
}

func microseconds(_ duration: Duration) -> Int {
    Int(duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000)
}
