"""Compile the devnet's Vyper contracts, write their ABIs, deploy and call them.

Artifacts (ABI, init bytecode, storage layout) are cached under ``devnet/build/artifacts``,
keyed by the SHA-256 of the source, the vyper version and the EVM version, so the compiler
runs only when a source changed. ``write_abis(dir)`` writes ``<Name>.json`` (a plain ABI
array) per contract for the keeper's config.

The chain object given to the deploy/call helpers is anything with the node's Chain API:
``deploy(sender, initcode, value=0) -> address``, ``transact(sender, to, data, value=0,
gas=None) -> receipt``, ``call(to, data, sender=None, block="latest") -> bytes``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable

import eth_abi

PACKAGE_DIR = Path(__file__).resolve().parent
DEVNET_DIR = PACKAGE_DIR.parent
CONTRACTS_DIR = DEVNET_DIR / "contracts"
BUILD_DIR = DEVNET_DIR / "build"
DEFAULT_ABI_DIR = BUILD_DIR / "abi"
EVM_VERSION = "shanghai"  # runs on any later fork too (pyrevm, py-evm)
VYPER_VERSION = "0.4.3"

try:  # the node's dependency (pysha3-compatible)
    from sha3 import keccak_256 as _keccak_256

    def keccak(data: bytes) -> bytes:
        return _keccak_256(data).digest()
except ImportError:  # pragma: no cover - pycryptodome, pulled in by eth-account / eth-hash
    from Crypto.Hash import keccak as _ck

    def keccak(data: bytes) -> bytes:
        return _ck.new(digest_bits=256, data=data).digest()


# ----------------------------------------------------------------------------- compile
@dataclass
class Artifact:
    name: str
    abi: list
    bytecode: bytes
    layout: dict
    source_hash: str
    _fns: dict = field(default_factory=dict, repr=False)
    _events: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for item in self.abi:
            if item.get("type") == "function":
                self._fns.setdefault(item["name"], []).append(Function(item))
            elif item.get("type") == "event":
                self._events[item["name"]] = Event(item)

    def fn(self, name: str, nargs: int | None = None) -> "Function":
        cands = self._fns.get(name)
        if not cands:
            raise KeyError(f"{self.name} has no function {name!r}")
        if nargs is not None:
            cands = [f for f in cands if len(f.input_types) == nargs] or cands
        return cands[0]

    def event(self, name: str) -> "Event":
        return self._events[name]

    def initcode(self, *args: Any) -> bytes:
        ctor = next((i for i in self.abi if i.get("type") == "constructor"), None)
        if ctor is None:
            return self.bytecode
        types = [_abi_type(i) for i in ctor["inputs"]]
        return self.bytecode + eth_abi.encode(types, list(args))

    def slot(self, var: str) -> int:
        """Storage slot of a top-level variable (from vyper's layout output)."""
        entry = self.layout["storage_layout"][var]
        return entry["slot"]


def _abi_type(item: dict) -> str:
    t = item["type"]
    if t.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in item["components"]) + ")" + t[len("tuple"):]
    return t


class Function:
    def __init__(self, item: dict) -> None:
        self.name = item["name"]
        self.input_types = [_abi_type(i) for i in item["inputs"]]
        self.output_types = [_abi_type(o) for o in item["outputs"]]
        self.signature = f"{self.name}({','.join(self.input_types)})"
        self.selector = keccak(self.signature.encode())[:4]

    def encode(self, *args: Any) -> bytes:
        return self.selector + eth_abi.encode(self.input_types, list(args))

    def decode(self, data: bytes) -> Any:
        out = eth_abi.decode(self.output_types, data)
        return out[0] if len(out) == 1 else out


class Event:
    def __init__(self, item: dict) -> None:
        self.name = item["name"]
        self.inputs = item["inputs"]
        types = [_abi_type(i) for i in self.inputs]
        self.signature = f"{self.name}({','.join(types)})"
        self.topic = keccak(self.signature.encode())

    def decode(self, topics: list[bytes], data: bytes) -> dict:
        idx = [i for i in self.inputs if i["indexed"]]
        non = [i for i in self.inputs if not i["indexed"]]
        out: dict = {}
        for inp, t in zip(idx, topics[1:]):
            out[inp["name"]] = eth_abi.decode([_abi_type(inp)], t)[0]
        vals = eth_abi.decode([_abi_type(i) for i in non], data)
        for inp, v in zip(non, vals):
            out[inp["name"]] = v
        return out


def contract_names() -> list[str]:
    return sorted(p.stem for p in CONTRACTS_DIR.glob("*.vy"))


def _compiler_version() -> str:
    try:
        return metadata.version("vyper")
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "missing"


def _cache_key(source: str) -> str:
    h = hashlib.sha256()
    h.update(source.encode())
    h.update(f"|vyper={_compiler_version()}|evm={EVM_VERSION}".encode())
    return h.hexdigest()


def compile_contract(name: str, build_dir: Path = BUILD_DIR) -> Artifact:
    src_path = CONTRACTS_DIR / f"{name}.vy"
    source = src_path.read_text()
    key = _cache_key(source)
    cache = Path(build_dir) / "artifacts" / f"{name}-{key[:16]}.json"
    if cache.exists():
        d = json.loads(cache.read_text())
    else:
        import vyper
        from vyper.compiler.settings import Settings

        if _compiler_version() != VYPER_VERSION:
            raise RuntimeError(f"vyper {VYPER_VERSION} required, found {_compiler_version()}; run devnet/bootstrap.sh")
        out = vyper.compile_code(
            source,
            output_formats=["abi", "bytecode", "layout"],
            settings=Settings(evm_version=EVM_VERSION),
            contract_path=str(src_path),
        )
        d = {"name": name, "abi": out["abi"], "bytecode": out["bytecode"], "layout": out["layout"], "source_hash": key}
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(d))
        tmp.replace(cache)
    return Artifact(name=name, abi=d["abi"], bytecode=bytes.fromhex(d["bytecode"].removeprefix("0x")), layout=d["layout"], source_hash=key)


_ARTIFACTS: dict[str, Artifact] = {}


def artifact(name: str) -> Artifact:
    a = _ARTIFACTS.get(name)
    if a is None:
        a = _ARTIFACTS[name] = compile_contract(name)
    return a


def compile_all(names: Iterable[str] | None = None) -> dict[str, Artifact]:
    return {n: artifact(n) for n in (names or contract_names())}


def write_abis(directory: str | os.PathLike = DEFAULT_ABI_DIR) -> Path:
    """Write ``<Name>.json`` (the ABI array) for every contract; returns the directory."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    for name, art in compile_all().items():
        (d / f"{name}.json").write_text(json.dumps(art.abi, indent=1) + "\n")
    return d


# ----------------------------------------------------------------------------- on chain
class Contract:
    """An address with an artifact's ABI, bound to a chain."""

    def __init__(self, chain: Any, name: str, address: str) -> None:
        self.chain = chain
        self.name = name
        self.art = artifact(name)
        self.address = address

    def encode(self, fn: str, *args: Any) -> bytes:
        return self.art.fn(fn, len(args)).encode(*args)

    def call(self, fn: str, *args: Any, sender: str | None = None, block: Any = "latest") -> Any:
        f = self.art.fn(fn, len(args))
        return f.decode(self.chain.call(self.address, f.encode(*args), sender=sender, block=block))

    def transact(self, sender: str, fn: str, *args: Any, value: int = 0, gas: int | None = None) -> Any:
        return self.chain.transact(sender, self.address, self.encode(fn, *args), value=value, gas=gas)

    def __repr__(self) -> str:
        return f"<{self.name} {self.address}>"


def deploy(chain: Any, sender: str, name: str, *args: Any, value: int = 0) -> Contract:
    addr = chain.deploy(sender, artifact(name).initcode(*args), value=value)
    return Contract(chain, name, addr)


# ----------------------------------------------------------------------------- storage slots
def hashmap_slot(slot: int, *keys: Any) -> int:
    """Vyper's HashMap slot: keccak256(slot ++ key) per level (32-byte words)."""
    for k in keys:
        if isinstance(k, str):
            kb = bytes.fromhex(k.removeprefix("0x")).rjust(32, b"\0")
        elif isinstance(k, bytes):
            kb = k.rjust(32, b"\0")
        else:
            kb = int(k).to_bytes(32, "big")
        slot = int.from_bytes(keccak(slot.to_bytes(32, "big") + kb), "big")
    return slot


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m devnet.contracts", description="Compile the devnet contracts and write their ABIs.")
    p.add_argument("--abi-dir", default=str(DEFAULT_ABI_DIR), help="directory for <Name>.json ABI files (default: %(default)s)")
    a = p.parse_args(argv)
    d = write_abis(a.abi_dir)
    print(f"wrote {len(contract_names())} ABIs to {d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
