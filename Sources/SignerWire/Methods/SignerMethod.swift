/// The methods the signer answers, by their wire names (Clef's where Clef had them).
public enum SignerMethod: String, Sendable, Hashable, CaseIterable {
    /// `account_list`: no params; result: the addresses the signer holds keys for.
    case accountList = "account_list"
    /// `account_signTransaction`: params `[TransactionArgs, methodSignature?]`; result:
    /// ``SignedTransactionResult``.
    case signTransaction = "account_signTransaction"
    /// `signer_status`: no params; result: ``SignerStatus``.
    case status = "signer_status"
    /// `signer_version`: no params; result: ``SignerVersion``.
    case version = "signer_version"
}
