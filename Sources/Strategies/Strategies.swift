/// Pure decisions: a Snapshot in, Intents out. No network, no signer.
public enum Strategies {}
