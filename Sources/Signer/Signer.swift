/// The signing service: keys, policy engine, operator approvals, spend ledger and audit log.
public enum Signer {}
