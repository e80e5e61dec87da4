public import EVM
import Foundation
public import Logging
public import SignerWire
import Synchronization
import TOML

/// The signer's core: answers the protocol's methods under the active, operator-approved policy.
///
/// A signature leaves only after the policy allowed the request atomically with the budget and
/// nonce state (``SignerStore/reserve(_:evaluate:)``), and after the spend and the signed
/// transaction are durable; every request, allowed or refused, lands in the audit log. Anything
/// that goes wrong on the way is a refusal or an internal error: nothing is ever signed outside
/// that path.
public final class SignerService: SignerMethods {
    /// The active policy; replaced atomically on reload.
    private let active: Mutex<ApprovedPolicy>
    private let keys: KeySet
    private let store: SignerStore
    private let logger: Logger
    private let started = ContinuousClock.now
    public static let version = "keeper-signer 0.1.0"

    public init(policy: ApprovedPolicy, keys: KeySet, store: SignerStore, logger: Logger) {
        active = Mutex(policy)
        self.keys = keys
        self.store = store
        self.logger = logger
    }

    /// The policy now in force.
    public var policy: ApprovedPolicy { active.withLock { $0 } }

    /// Makes `policy` the active one (a newly approved file, on SIGHUP).
    public func activate(_ policy: ApprovedPolicy) {
        active.withLock { $0 = policy }
    }

    public func accountList(context: RequestContext) throws(SignerMethodError) -> [Address] {
        let covered = Set(policy.policy.accounts)
        audit(context, .allowed)
        return keys.addresses.filter { covered.isEmpty || covered.contains($0) }.sorted()
    }

    public func signTransaction(
        _ args: TransactionArgs, methodSignature: String?, context: RequestContext
    ) throws(SignerMethodError) -> SignedTransactionResult {
        let request = auditRequest(context)
        let transaction: Transaction
        do {
            transaction = try args.transaction()
        } catch {
            record(AuditEntry(request: request, decision: .refused, rule: "request", reason: error.description), context: context)
            throw .invalidParams(error.description, field: "chainId")
        }
        guard keys.contains(args.from) else {
            let reason = "this signer holds no key for \(args.from.checksummed)"
            record(AuditEntry(request: request, decision: .refused, rule: "account", reason: reason), context: context)
            throw .refused(rule: "account", reason: reason)
        }
        let approved = policy
        let windows = approved.policy.budgets.map(\.window.seconds)
        let reservation: Reservation
        do {
            reservation = try store.reserve(
                LedgerRequest(account: args.from, transaction: transaction, now: Date(), lookback: windows.max() ?? 0, budgetWindows: windows)
            ) { view in
                approved.policy.evaluate(
                    PolicyRequest(from: args.from, transaction: transaction, methodSignature: methodSignature),
                    history: view, signedAtNonce: view.signedAtNonce, now: view.now)
            }
        } catch {
            logger.error("ledger refused the request", metadata: ["signer.error": "\(error)"])
            record(AuditEntry(request: request, decision: .refused, rule: "ledger", reason: "the ledger is unavailable"), context: context)
            throw .internalError("the spend ledger is unavailable", cause: error)
        }
        if case .refuse(let rule, let reason) = reservation.decision {
            reservation.decline(audit: request, rule: rule, reason: reason)
            try? awaitDurable(reservation.durableTicket(), context: context)
            logger.notice("refused", metadata: ["signer.rule": "\(rule)", "signer.peer.uid": "\(context.peer.uid)"])
            throw .refused(rule: rule, reason: reason)
        }
        let signed: SignedTransaction
        do {
            guard let result = try keys.withKey(for: args.from, { (key) throws(TransactionError) in try transaction.sign(with: key) }) else {
                reservation.decline(audit: request, rule: "account", reason: "the key was released")
                throw SignerMethodError.refused(rule: "account", reason: "no key for \(args.from.checksummed)")
            }
            signed = result
        } catch let error as SignerMethodError {
            throw error
        } catch {
            reservation.decline(audit: request, rule: "signing", reason: "signing failed")
            throw .internalError("signing failed", cause: error)
        }
        do {
            try reservation.commit(signed, audit: request)
            try awaitDurable(reservation.durableTicket(), context: context)
        } catch {
            // Not durably recorded: the signature must not leave the process.
            logger.critical("could not record a signature durably; refusing", metadata: ["signer.error": "\(error)"])
            throw .internalError("the signature could not be recorded durably (\(reason(error))); it was not returned", cause: error)
        }
        return SignedTransactionResult(
            raw: signed.raw, transaction: args, hash: signed.hash, v: signed.v, r: signed.signature.r, s: signed.signature.s)
    }

    public func status(context: RequestContext) throws(SignerMethodError) -> SignerStatus {
        let approved = policy
        let now = Date()
        var budgets: [SignerStatus.Budget] = []
        for account in keys.addresses.sorted() {
            for budget in approved.policy.budgets {
                let spends = store.spends(account: account, chainId: approved.policy.chainId, window: budget.window.seconds, now: now)
                let totals = SpendTotals.aggregate(spends, account: account, chainId: approved.policy.chainId, window: budget.window, now: now)
                if let limit = budget.maxValue {
                    budgets.append(.init(account: account, window: budget.window.label, kind: .value, used: totals.value, limit: limit))
                }
                if let limit = budget.maxFee {
                    budgets.append(.init(account: account, window: budget.window.label, kind: .fee, used: totals.fee, limit: limit))
                }
                if let limit = budget.maxCount {
                    budgets.append(.init(account: account, window: budget.window.label, kind: .count, used: U256(totals.count), limit: U256(limit)))
                }
            }
        }
        let uptime = ContinuousClock.now - started
        audit(context, .allowed)
        return SignerStatus(
            policy: .init(file: approved.file, sha256: approved.sha256, approvers: approved.approvers),
            budgets: budgets, uptimeSeconds: UInt64(max(0, uptime.components.seconds)), version: Self.version)
    }

    public func version(context: RequestContext) -> SignerVersion {
        audit(context, .allowed)
        return SignerVersion(version: Self.version)
    }

    public func rejected(_ error: RPCErrorObject, context: RequestContext) {
        record(AuditEntry(request: auditRequest(context), decision: .refused, rule: "request", reason: error.message), context: context)
    }

    /// Why the ledger did not take a request's records, in words for the client (the full
    /// error, with the database's path, goes to the log).
    private func reason(_ error: SignerStoreError) -> String {
        switch error.kind {
        case .timedOut: "the spend ledger did not commit within \(TOML.formatDuration(store.commitTimeout))"
        case .closed: "the signer is shutting down"
        case .failed, .io: "the spend ledger cannot commit; the signer refuses every request and stops, to be restarted"
        default: "the spend ledger refused the records: \(error.shortDescription)"
        }
    }

    // MARK: - Audit

    private func auditRequest(_ context: RequestContext) -> AuditRequest {
        AuditRequest(time: Date(), peerUID: context.peer.uid, peerPID: context.peer.pid, line: context.rawRequest, method: context.method)
    }

    private func audit(_ context: RequestContext, _ decision: AuditDecision) {
        record(AuditEntry(request: auditRequest(context), decision: decision), context: context)
    }

    /// Records an entry for a request that reserves nothing; waits for durability (or leaves the
    /// wait to the end of the request's run) so the audit log holds every answer given.
    private func record(_ entry: AuditEntry, context: RequestContext) {
        do {
            try awaitDurable(store.record(entry), context: context)
        } catch {
            logger.error("audit record failed", metadata: ["signer.error": "\(error)"])
        }
    }

    /// Waits until what `ticket` stands for is durable; for a request of a run
    /// (``RequestContext/durability``), leaves the wait to the end of the run, whose answers are
    /// held until then.
    private func awaitDurable(_ ticket: DurableTicket, context: RequestContext) throws(SignerStoreError) {
        if let durability = context.durability {
            durability.include(ticket)
        } else {
            try ticket.waitDurable()
        }
    }
}
