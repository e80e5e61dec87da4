"""A local EVM devnet: revm (pyrevm) behind a JSON-RPC server on loopback. See docs/devnet.md."""
__version__ = "0.1.0"
