/// The types the keeper and the signer exchange over the signer's Unix socket (JSON-RPC 2.0,
/// one object per line). Both sides link this module; the signer never links the keeper.
public enum SignerWire {}
