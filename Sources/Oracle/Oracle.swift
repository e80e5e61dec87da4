/// Reads the world (JSON-RPC, Multicall3, subgraphs) and computes truths (health factors,
/// TWAPs, drift) into a Snapshot pinned to one block.
public enum Oracle {}
