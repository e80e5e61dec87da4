import EVM
import Keeper
import Synchronization

/// TEST ONLY — a stand-in for the signer process: signs with a local key, in this process.
///
/// To be swapped for the real signer (`signer serve` over its Unix socket, through SignerWire's
/// `SignerClient`) once those land on main. It implements the same `TransactionSigner` seam the
/// daemon uses, and can be told to refuse (with a rule) or to be unreachable, to test how the
/// keeper survives both.
final class LocalKeySigner: TransactionSigner {
    enum Behaviour: Sendable {
        case sign
        case refuse(rule: String, reason: String)
        case unavailable
    }

    let key: PrivateKey
    let address: Address
    private let state = Mutex<(behaviour: Behaviour, requests: [SigningRequest])>((.sign, []))

    init(key: PrivateKey) throws {
        self.key = key
        self.address = key.address
    }

    /// What the next requests get.
    func behave(_ behaviour: Behaviour) { state.withLock { $0.behaviour = behaviour } }

    /// Every request received, in order.
    var requests: [SigningRequest] { state.withLock { $0.requests } }

    func accounts() async throws(TransactionSignerError) -> [Address] { [address] }

    func sign(_ request: SigningRequest) async throws(TransactionSignerError) -> SignedRawTransaction {
        let behaviour = state.withLock { s in
            s.requests.append(request)
            return s.behaviour
        }
        switch behaviour {
        case .refuse(let rule, let reason): throw .refused(rule: rule, reason: reason)
        case .unavailable: throw TransactionSignerError(.unavailable, "test signer told to be unreachable")
        case .sign: break
        }
        guard request.from == address else {
            throw .refused(rule: "account", reason: "no key for \(request.from.checksummed)")
        }
        do {
            let signed = try request.transaction.sign(with: key)
            return SignedRawTransaction(raw: signed.raw, hash: signed.hash)
        } catch {
            throw TransactionSignerError(.failed, "cannot sign", cause: error)
        }
    }
}
