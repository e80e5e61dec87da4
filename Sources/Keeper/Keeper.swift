/// The keeper's runtime: the tick loop, transaction manager, dry-run planning and tools.
public enum KeeperRuntime {}
