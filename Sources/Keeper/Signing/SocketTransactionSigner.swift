public import EVM
public import Logging
import SignerWire

/// ``TransactionSigner`` over the signer's Unix socket (SignerWire's client).
///
/// The keeper does not take the signer's answer on trust: the raw transaction is decoded and must
/// be exactly the requested transaction, signed by the requested account, before it is used.
public struct SocketTransactionSigner: TransactionSigner {
    private let client: SignerClient

    public init(socketPath: String, timeout: Duration, logger: Logger) {
        client = SignerClient(socketPath: socketPath, timeout: timeout, logger: logger)
    }

    public func accounts() async throws(TransactionSignerError) -> [Address] {
        do {
            return try await client.accounts()
        } catch {
            throw Self.map(error)
        }
    }

    public func sign(_ request: SigningRequest) async throws(TransactionSignerError) -> SignedRawTransaction {
        let expected = request.transaction
        let args: TransactionArgs
        do {
            args = try TransactionArgs(expected, from: request.from)
        } catch {
            throw TransactionSignerError(.failed, "the transaction does not fit the signer's wire format", cause: error)
        }
        let result: SignedTransactionResult
        do {
            result = try await client.signTransaction(args, methodSignature: request.methodSignature)
        } catch {
            throw Self.map(error)
        }
        let decoded: SignedTransaction
        do {
            decoded = try SignedTransaction(raw: result.raw, chainId: request.chainID)
        } catch {
            throw TransactionSignerError(.failed, "the signer's raw transaction does not decode", cause: error)
        }
        guard decoded.transaction == expected, decoded.sender == request.from, decoded.hash == result.hash else {
            throw TransactionSignerError(.failed, "the signer returned a transaction other than the one requested")
        }
        return SignedRawTransaction(raw: result.raw, hash: result.hash)
    }

    static func map(_ error: SignerClientError) -> TransactionSignerError {
        switch error.kind {
        case .refused(let rule, let reason): TransactionSignerError(.refused(rule: rule), reason)
        case .transport, .timeout: TransactionSignerError(.unavailable, error.message, cause: error)
        case .protocolViolation, .rpc: TransactionSignerError(.failed, error.message, cause: error)
        }
    }
}
