"""The node around revm (PyPI's pyrevm 0.3.7): state, transactions, blocks, receipts, logs.

pyrevm executes; everything a node adds around the EVM lives here: validity checks with geth's
messages, fees (effective gas price, base fee burned, tip to the coinbase), the EIP-1559 base fee,
blocks with hashes, receipts, logs, snapshots and historical reads.

How state is kept (and why).  pyrevm 0.3.7 never finalises revm's journal, so an account or slot
touched by one transaction would stay "warm" (EIP-2929) for every later one and gas would be
under-charged.  The node therefore keeps all committed state in revm's database (CacheDB) and runs
every transaction inside a journal checkpoint: after execution it reads the changes (accounts from
`journal_state`, changed slots from the journal's `StorageChange` entries), reverts the checkpoint
(which cools everything again) and writes the changes to the database.  A Python mirror of the
state (`_acc`, `_sto`) answers reads and records per-block undo entries, which give `evm_snapshot`
/ `evm_revert` and state at historical block numbers.

Public API (used by the scenarios and tests; addresses are 0x-hex strings, any case):

    chain = Chain(chain_id=31337)
    chain.set_balance(addr, wei); chain.get_balance(addr)
    chain.deploy(sender, initcode, value=0) -> address     # unsigned, mined at once
    chain.transact(sender, to, data, value=0, gas=None) -> receipt dict
                                                          # unsigned, mined at once; raises Revert
    chain.call(to, data, sender=None, block="latest") -> bytes   # raises Revert(data)
    chain.set_storage(addr, slot, value); chain.get_storage(addr, slot)
    chain.set_code(addr, code); chain.get_code(addr); chain.get_nonce(addr)
    chain.mine(n=1, timestamp=None); chain.increase_time(seconds)
    chain.block_number; chain.timestamp
    chain.snapshot() -> id; chain.revert(id) -> bool
    chain.logs(from_block, to_block, address=None, topics=None) -> [log dict]

Unsigned transactions (deploy/transact) pay no fees (gas price 0); signed ones go through
`send_raw_transaction` and the pool with full validation and fees.
"""
from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass, field

from pyrevm import EVM, AccountInfo, BlockEnv, CfgEnv, Env

from . import txcodec
from .txcodec import Tx, TxDecodeError, create_address, keccak, rlp_encode
from .txpool import TxPool

ZERO_ADDRESS = "0x" + "00" * 20
MULTICALL3_ADDRESS = "0xca11bde05977b3631167028862be2a173976ca11"
EMPTY_ROOT = bytes.fromhex("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")
EMPTY_OMMERS = bytes.fromhex("1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347")
KECCAK_EMPTY = keccak(b"")
MAX_U64 = 2**64 - 1

#: The standard anvil/hardhat dev keys ("test test ... junk", m/44'/60'/0'/0/i), i = 0..9.
DEV_KEYS = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
]
DEV_BALANCE = 10_000 * 10**18

_RE_TOUCHED = re.compile(r"AccountTouched \{ address: (0x[0-9a-f]{40})")
_RE_CREATED = re.compile(r"(?:AccountCreated|CodeChange) \{ address: (0x[0-9a-f]{40})")
_RE_DESTROYED = re.compile(r"AccountDestroyed \{ address: (0x[0-9a-f]{40})")
_RE_CREATED_ONLY = re.compile(r"AccountCreated \{ address: (0x[0-9a-f]{40})")
_RE_STORAGE = re.compile(r"StorageChange \{ address: (0x[0-9a-f]{40}), key: (\d+)")
_RE_CODE = re.compile(r"bytecode: 0x([0-9a-f]*), state: (?:Analysed \{ len: (\d+)|Raw|Checked \{ len: (\d+))")
_RE_REVERT = re.compile(r"Revert \{ gas_used: (\d+), output: 0x([0-9a-fA-F]*)")
_RE_HALT = re.compile(r"Halt \{ reason: (.*), gas_used: (\d+)")


def _a(addr) -> str:
    """Normalise an address to lowercase 0x-hex."""
    if isinstance(addr, (bytes, bytearray)):
        return "0x" + bytes(addr).hex()
    s = str(addr).lower()
    if not s.startswith("0x"):
        s = "0x" + s
    if len(s) != 42:
        raise ValueError(f"invalid address {addr!r}")
    return s


def _checksum(addr: str) -> str:
    """EIP-55 form, as geth prints addresses in its messages."""
    from eth_utils import to_checksum_address
    return to_checksum_address(addr)


def dev_accounts() -> list[tuple[str, str]]:
    """[(address, private key hex)] of the funded dev accounts."""
    from eth_keys import keys
    out = []
    for k in DEV_KEYS:
        pk = keys.PrivateKey(bytes.fromhex(k[2:]))
        out.append((pk.public_key.to_checksum_address(), k))
    return out


class Revert(Exception):
    """Execution reverted. `data` holds the revert bytes; `receipt` is set when a mined tx reverted."""

    def __init__(self, data: bytes = b"", receipt: dict | None = None, reason: str | None = None):
        self.data = data
        self.receipt = receipt
        self.reason = reason if reason is not None else decode_revert_reason(data)
        super().__init__("execution reverted" + (f": {self.reason}" if self.reason else ""))


class TxError(Exception):
    """A transaction refused before execution; the message is geth's."""


class HistoryError(Exception):
    """Unknown block for a state query."""


def _code_from_dump(js: str, addr: str) -> bytes:
    """The unpadded code of `addr` from revm's journal dump (revm pads analysed bytecode)."""
    i = js.find(addr + ": Account {")
    m = _RE_CODE.search(js, i) if i >= 0 else None
    if not m:
        return b""
    code = bytes.fromhex(m.group(1))
    if m.group(2) is not None:
        code = code[:int(m.group(2))]
    return code


def decode_revert_reason(data: bytes) -> str | None:
    """Error(string) -> the string; anything else -> None."""
    if len(data) >= 68 and data[:4] == bytes.fromhex("08c379a0"):
        try:
            off = int.from_bytes(data[4:36], "big")
            ln = int.from_bytes(data[4 + off:36 + off], "big")
            return data[36 + off:36 + off + ln].decode("utf-8", "replace")
        except Exception:  # noqa: BLE001
            return None
    return None


def intrinsic_gas(data: bytes, is_create: bool, access_list) -> int:
    """Intrinsic gas as geth computes it (Shanghai+: EIP-3860 initcode word cost)."""
    z = data.count(0)
    g = 21000 + 4 * z + 16 * (len(data) - z)
    if is_create:
        g += 32000 + 2 * ((len(data) + 31) // 32)
    for _, keys in access_list:
        g += 2400 + 1900 * len(keys)
    return g


def next_base_fee(parent_base: int, parent_used: int, parent_limit: int) -> int:
    """EIP-1559: elasticity 2, change denominator 8."""
    target = parent_limit // 2
    if parent_used == target:
        return parent_base
    if parent_used > target:
        delta = max(parent_base * (parent_used - target) // target // 8, 1)
        return parent_base + delta
    delta = parent_base * (target - parent_used) // target // 8
    return max(parent_base - delta, 0)


def logs_bloom(logs) -> bytes:
    bloom = 0
    for lg in logs:
        for item in [bytes.fromhex(lg["address"][2:])] + [bytes.fromhex(t[2:]) for t in lg["topics"]]:
            h = keccak(item)
            for i in (0, 2, 4):
                bloom |= 1 << ((int.from_bytes(h[i:i + 2], "big") & 2047))
    return bloom.to_bytes(256, "big")


@dataclass
class ExecResult:
    success: bool
    gas_used: int
    output: bytes
    logs: list
    created: str | None = None
    halt: str | None = None


@dataclass
class Block:
    number: int
    parent_hash: bytes
    timestamp: int
    base_fee: int
    gas_limit: int
    coinbase: str
    prevrandao: bytes
    gas_used: int = 0
    log_count: int = 0
    txs: list = field(default_factory=list)        # [Tx]
    receipts: list = field(default_factory=list)   # [dict]
    hash: bytes = b""
    bloom: bytes = b"\x00" * 256
    diff: list = field(default_factory=list)       # undo entries of changes made for this block

    def seal(self):
        tx_root = keccak(b"".join(t.hash for t in self.txs)) if self.txs else EMPTY_ROOT
        rc_root = keccak(b"".join(r["_digest"] for r in self.receipts)) if self.receipts else EMPTY_ROOT
        self.tx_root, self.receipts_root = tx_root, rc_root
        self.state_root = keccak(self.parent_hash + tx_root + rc_root + self.number.to_bytes(8, "big"))
        header = [self.parent_hash, EMPTY_OMMERS, bytes.fromhex(self.coinbase[2:]), self.state_root,
                  tx_root, rc_root, self.bloom, 0, self.number, self.gas_limit, self.gas_used,
                  self.timestamp, b"", self.prevrandao, b"\x00" * 8, self.base_fee, EMPTY_ROOT,
                  0, 0, b"\x00" * 32]
        self.hash = keccak(rlp_encode(header))


class Chain:
    """An in-process EVM chain. Thread-safety: callers hold `chain.lock` (the RPC server does)."""

    def __init__(self, chain_id: int = 31337, gas_limit: int = 30_000_000,
                 base_fee: int = 10**9, timestamp: int | None = None,
                 coinbase: str = ZERO_ADDRESS, dev_balance: int = DEV_BALANCE,
                 multicall: bool = True, spec_id: str = "CANCUN"):
        self.chain_id = chain_id
        self.gas_limit = gas_limit
        self.coinbase = _a(coinbase)
        self.lock = threading.RLock()
        self.evm = EVM(env=Env(cfg=CfgEnv(chain_id=chain_id)), gas_limit=gas_limit, spec_id=spec_id)
        self.pool = TxPool()
        self.automine = True
        self._acc: dict[str, tuple] = {}          # addr -> (balance, nonce, code_hash|None)
        self._code: dict[bytes, bytes] = {}       # code hash -> code
        self._db_code: set[bytes] = set()
        self._sto: dict[str, dict[int, int]] = {}
        # Undo entries of the block being changed: the head's own list (direct changes such as
        # set_balance belong to the head, as in anvil), or the new block's while one is built.
        self._diff: list = []
        self._time_offset = 0
        self._next_timestamp: int | None = None
        # anvil_setNextBlockBaseFeePerGas: the next block's base fee, instead of EIP-1559's
        self._next_base_fee: int | None = None
        self._snapshots: dict[int, tuple] = {}
        self._snap_id = 0
        self._block_env_key = None
        self.tx_index: dict[bytes, tuple[int, int]] = {}  # hash -> (block, index)
        self.blocks: list[Block] = []
        self.block_by_hash: dict[bytes, Block] = {}
        ts = int(time.time()) if timestamp is None else timestamp
        genesis = Block(0, b"\x00" * 32, ts, base_fee, gas_limit, self.coinbase, keccak(b"genesis"))
        for addr, _ in dev_accounts():
            self.set_balance(addr, dev_balance)
        if multicall:
            here = os.path.dirname(os.path.abspath(__file__))
            with open(os.path.join(here, "multicall3_runtime.hex")) as f:
                self.set_code(MULTICALL3_ADDRESS, bytes.fromhex(f.read().strip()))
        genesis.diff = self._diff
        genesis.seal()
        self.blocks.append(genesis)
        self.block_by_hash[genesis.hash] = genesis

    # ------------------------------------------------------------------ state primitives
    def _put_account(self, addr: str, balance: int, nonce: int, code_hash: bytes | None):
        old = self._acc.get(addr)
        new = (balance, nonce, code_hash)
        if old == new:
            return
        self._diff.append(("a", addr, old))
        self._acc[addr] = new
        self._db_account(addr, new)

    def _drop_account(self, addr: str):
        old = self._acc.get(addr)
        if old is not None:
            self._diff.append(("a", addr, old))
            del self._acc[addr]
            self._db_account(addr, None)

    def _db_account(self, addr: str, t):
        if t is None:
            self.evm.insert_account_info(addr, AccountInfo())
            return
        balance, nonce, h = t
        if h is None:
            self.evm.insert_account_info(addr, AccountInfo(balance=balance, nonce=nonce))
        elif h in self._db_code:
            self.evm.insert_account_info(addr, AccountInfo(balance=balance, nonce=nonce, code_hash=h))
        else:
            self._db_code.add(h)
            self.evm.insert_account_info(addr, AccountInfo(balance=balance, nonce=nonce, code_hash=h,
                                                           code=self._code[h]))

    def _db_storage(self, addr: str, slot: int, value: int):
        # insert_account_storage loads the account into revm's journal; inside a checkpoint of its
        # own the journal entry is reverted while the database write stays (one write per checkpoint:
        # a second write to an account already in the journal would land in the journal and be lost).
        evm = self.evm
        cp = evm.snapshot()
        evm.insert_account_storage(addr, slot, value)
        evm.revert(cp)

    def _put_storage(self, writes):
        """writes: [(addr, slot, value)]."""
        for addr, slot, value in writes:
            st = self._sto.get(addr)
            old = st.get(slot, 0) if st else 0
            if old == value:
                continue
            self._diff.append(("s", addr, slot, old))
            if st is None:
                st = self._sto[addr] = {}
            if value:
                st[slot] = value
            else:
                st.pop(slot, None)
            self._db_storage(addr, slot, value)

    def _undo(self, entries):
        """Apply undo entries (newest last) in reverse to mirror and DB."""
        for e in reversed(entries):
            if e[0] == "a":
                _, addr, old = e
                if old is None:
                    self._acc.pop(addr, None)
                else:
                    self._acc[addr] = old
                self._db_account(addr, old)
            else:
                _, addr, slot, old = e
                st = self._sto.setdefault(addr, {})
                if old:
                    st[slot] = old
                else:
                    st.pop(slot, None)
                self._db_storage(addr, slot, old)

    # ------------------------------------------------------------------ public state API
    def set_balance(self, addr, wei: int):
        addr = _a(addr)
        _, n, h = self._acc.get(addr, (0, 0, None))
        self._put_account(addr, int(wei), n, h)

    def set_nonce(self, addr, nonce: int):
        addr = _a(addr)
        b, _, h = self._acc.get(addr, (0, 0, None))
        self._put_account(addr, b, int(nonce), h)

    def set_code(self, addr, code: bytes):
        addr = _a(addr)
        b, n, _ = self._acc.get(addr, (0, 0, None))
        if code:
            h = keccak(code)
            self._code[h] = bytes(code)
        else:
            h = None
        self._put_account(addr, b, n, h)

    def set_storage(self, addr, slot: int, value: int):
        self._put_storage([(_a(addr), int(slot), int(value))])

    def set_storage_many(self, writes):
        """Seed many slots at once: writes = [(addr, slot, value)]."""
        self._put_storage([(_a(a), int(s), int(v)) for a, s, v in writes])

    def _historical(self, block):
        """Overrides for state at `block` (None = latest) -> (acc overrides, storage overrides)."""
        n = self.resolve_block(block)
        if n is None:
            return None
        acc, sto = {}, {}
        # oldest recorded old value wins: walk newest -> oldest, overwriting
        for b_entries in [b.diff for b in reversed(self.blocks[n + 1:])]:
            for e in reversed(b_entries):
                if e[0] == "a":
                    acc[e[1]] = e[2]
                else:
                    sto[(e[1], e[2])] = e[3]
        return acc, sto

    def resolve_block(self, block) -> int | None:
        """Block tag/number -> number, or None for the latest state (latest/pending/head)."""
        if block is None or block in ("latest", "pending", "safe", "finalized"):
            return None
        if block == "earliest":
            n = 0
        elif isinstance(block, (bytes, bytearray)):
            b = self.block_by_hash.get(bytes(block))
            if b is None:
                raise HistoryError("header for hash not found")
            n = b.number
        else:
            n = int(block, 16) if isinstance(block, str) else int(block)
        if n > self.block_number:
            raise HistoryError("header not found")
        if n == self.block_number:
            return None
        return n

    def _account(self, addr, block="latest"):
        addr = _a(addr)
        h = self._historical(block) if block not in (None, "latest", "pending") else None
        if h is not None and addr in h[0]:
            return h[0][addr] or (0, 0, None)
        return self._acc.get(addr) or (0, 0, None)

    def get_balance(self, addr, block="latest") -> int:
        return self._account(addr, block)[0]

    def get_nonce(self, addr, block="latest") -> int:
        return self._account(addr, block)[1]

    def get_code(self, addr, block="latest") -> bytes:
        h = self._account(addr, block)[2]
        return self._code[h] if h else b""

    def get_storage(self, addr, slot: int, block="latest") -> int:
        addr = _a(addr)
        slot = int(slot)
        if block not in (None, "latest", "pending"):
            h = self._historical(block)
            if h is not None and (addr, slot) in h[1]:
                return h[1][(addr, slot)]
        return self._sto.get(addr, {}).get(slot, 0)

    def pending_nonce(self, addr) -> int:
        addr = _a(addr)
        return self.pool.pending_nonce(addr, self.get_nonce(addr))

    # ------------------------------------------------------------------ blocks & time
    @property
    def head(self) -> Block:
        return self.blocks[-1]

    @property
    def block_number(self) -> int:
        return len(self.blocks) - 1

    @property
    def timestamp(self) -> int:
        """Timestamp of the latest block."""
        return self.head.timestamp

    def next_base_fee(self) -> int:
        if self._next_base_fee is not None:
            return self._next_base_fee
        h = self.head
        return next_base_fee(h.base_fee, h.gas_used, h.gas_limit)

    def set_next_block_base_fee(self, fee: int):
        """The next block's base fee (anvil_setNextBlockBaseFeePerGas); EIP-1559 after it."""
        if fee < 0:
            raise ValueError(f"base fee {fee} must not be negative")
        self._next_base_fee = int(fee)

    def increase_time(self, seconds: int) -> int:
        """Move the clock: the next block's timestamp is at least the latest one's + seconds."""
        s = int(seconds)
        self._time_offset = max(self._time_offset + s, self.head.timestamp + s - int(time.time()))
        return self._time_offset

    def set_next_block_timestamp(self, ts: int):
        if ts <= self.head.timestamp:
            raise ValueError(f"timestamp {ts} must be greater than the latest block's {self.head.timestamp}")
        self._next_timestamp = int(ts)

    def _new_block(self, timestamp=None) -> Block:
        parent = self.head
        if timestamp is None:
            timestamp = self._next_timestamp
        if timestamp is None:
            timestamp = max(int(time.time()) + self._time_offset, parent.timestamp + 1)
        else:
            timestamp = int(timestamp)
            # later blocks keep the clock moving from here
            self._time_offset = timestamp - int(time.time())
        self._next_timestamp = None
        n = parent.number + 1
        self._diff = []
        base_fee = self.next_base_fee()
        self._next_base_fee = None
        return Block(n, parent.hash, timestamp, base_fee, self.gas_limit, self.coinbase,
                     keccak(parent.hash + n.to_bytes(8, "big")))

    def _set_block_env(self, number, timestamp, base_fee, prevrandao):
        key = (number, timestamp)
        if self._block_env_key != key:
            self.evm.set_block_env(BlockEnv(number=number, coinbase=self.coinbase, timestamp=timestamp,
                                            prevrandao=prevrandao, basefee=base_fee,
                                            gas_limit=self.gas_limit))
            self._block_env_key = key

    def _seal(self, blk: Block):
        blk.diff = self._diff   # from now on direct changes append to the new head's list
        bloom = 0
        for r in blk.receipts:
            if r["logs"]:
                bloom |= int.from_bytes(r["logsBloom"], "big")
        blk.bloom = bloom.to_bytes(256, "big")
        blk.seal()
        for r in blk.receipts:
            r["blockHash"] = blk.hash
            for lg in r["logs"]:
                lg["blockHash"] = blk.hash
        self.blocks.append(blk)
        self.block_by_hash[blk.hash] = blk
        self._block_env_key = None

    def mine(self, n: int = 1, timestamp: int | None = None) -> int:
        """Mine n blocks from the pool (txs by tip, nonce order per sender). Returns the head number."""
        if timestamp is not None and int(timestamp) <= self.head.timestamp:
            raise ValueError(f"timestamp {int(timestamp)} must be greater than the latest block's "
                             f"{self.head.timestamp}")
        for i in range(int(n)):
            blk = self._new_block(timestamp if i == 0 else None)
            self._fill_from_pool(blk)
            self._seal(blk)
        return self.block_number

    def _fill_from_pool(self, blk: Block):
        if not len(self.pool):
            return
        self._set_block_env(blk.number, blk.timestamp, blk.base_fee, blk.prevrandao)
        for tx in self.pool.select(blk.base_fee, lambda a: self.get_nonce(a)):
            if blk.gas_used + tx.gas > blk.gas_limit:
                if tx.gas > blk.gas_limit:
                    self.pool.remove(tx)
                continue
            if tx.max_fee < blk.base_fee:
                continue
            b, nonce, _ = self._acc.get(tx.sender, (0, 0, None))
            if tx.nonce != nonce:
                continue
            if b < tx.gas * tx.max_fee + tx.value:
                continue
            self.pool.remove(tx)
            self._apply_signed(blk, tx)

    # ------------------------------------------------------------------ execution
    def _exec(self, sender, to, data, value, gas, price, access_list=(), commit=True) -> ExecResult:
        """Run one message; if commit, charge gas*price upfront (refund/tip done by caller)."""
        evm = self.evm
        cp = evm.snapshot()
        try:
            if commit and price:
                bal = self._acc.get(sender, (0, 0, None))[0]
                evm.set_balance(sender, bal - gas * price)
            # Access lists are applied here, not through revm's TxEnv: revm preloads access-list
            # accounts without a journal entry, so they would stay warm (and their slots cached)
            # for every later transaction. Loading them inside the checkpoint is journaled and
            # reverted; their intrinsic cost is charged here.
            al_gas = 0
            for a, keys in access_list:
                evm.basic(a)
                for k in keys:
                    evm.storage(a, k)
                al_gas += 2400 + 1900 * len(keys)
            gas -= al_gas
            created = None
            try:
                if to is None:
                    created = _a(evm.deploy(sender, data, value=value, gas=gas))
                    out = b""
                else:
                    out = evm.message_call(sender, to, data, value=value, gas=gas)
                res = evm.result
                r = ExecResult(True, res.gas_used, bytes(out),
                               [(l.address.lower(), l.topics, l.data[1]) for l in res.logs], created)
            except RuntimeError as e:
                msg = str(e)
                m = _RE_REVERT.search(msg)
                if m:
                    r = ExecResult(False, int(m.group(1)), bytes.fromhex(m.group(2)), [])
                else:
                    m = _RE_HALT.search(msg)
                    if not m:
                        if "LackOfFund" in msg:
                            raise TxError("insufficient funds for gas * price + value") from None
                        raise
                    r = ExecResult(False, int(m.group(2)), b"", [], halt=m.group(1))
            r.gas_used += al_gas
            if commit:
                changes = self._collect(sender)
            else:
                changes = None
        finally:
            evm.revert(cp)
        if commit:
            accounts, storage = changes
            for addr, t in accounts.items():
                if t is None:
                    self._drop_account(addr)
                    continue
                b, n, h, code = t
                if h is not None and h not in self._code:
                    self._code[h] = code
                self._put_account(addr, b, n, h)
            if storage:
                self._put_storage(storage)
        return r

    def _collect(self, sender):
        """Read the changes of the transaction just run, before the checkpoint is reverted."""
        evm = self.evm
        js = evm.journal_str
        tail = js[js.rfind(", journal: ["):]
        touched = set(_RE_TOUCHED.findall(tail))
        touched.add(sender)
        created = set(_RE_CREATED.findall(tail))
        infos = {k.lower(): v for k, v in evm.journal_state.items()}
        accounts = {}
        for addr in touched:
            info = infos.get(addr)
            if info is None:
                continue
            h = bytes(info.code_hash) if info.code_hash is not None else None
            if h == KECCAK_EMPTY:
                h = None
            code = None
            if h is not None and (addr in created or h not in self._code):
                code = self._code.get(h)
                if code is None:
                    code = _code_from_dump(js, addr)
                    if keccak(code) != h:  # fall back to revm's (possibly padded) bytes
                        code = bytes(evm.get_code(addr) or b"")
            accounts[addr] = (info.balance, info.nonce, h, code)
        storage = [(a, int(k), evm.storage(a, int(k))) for a, k in set(_RE_STORAGE.findall(tail))]
        # EIP-6780: an account created and self-destructed in the same tx is gone afterwards
        gone = set(_RE_DESTROYED.findall(tail)) & set(_RE_CREATED_ONLY.findall(tail))
        for addr in gone:
            accounts[addr] = None
        if gone:
            storage = [(a, k, 0 if a in gone else v) for a, k, v in storage]
        return accounts, storage

    def _apply(self, blk: Block, sender, to, data, value, gas, price, tip, nonce, access_list=(),
               tx: Tx | None = None) -> dict:
        """Execute a tx in blk: upfront gas, nonce+1, refund, tip to coinbase; append receipt."""
        r = self._exec(sender, to, data, value, gas, price, access_list)
        b, _, h = self._acc.get(sender, (0, 0, None))
        self._put_account(sender, b + (gas - r.gas_used) * price, nonce + 1, h)
        if tip:
            cb, cn, ch = self._acc.get(blk.coinbase, (0, 0, None))
            self._put_account(blk.coinbase, cb + r.gas_used * tip, cn, ch)
        blk.gas_used += r.gas_used
        idx = len(blk.txs)
        base_log_index = blk.log_count
        blk.log_count += len(r.logs)
        logs = []
        for i, (addr, topics, ldata) in enumerate(r.logs):
            logs.append({"address": addr, "topics": [t.lower() for t in topics], "data": bytes(ldata),
                         "blockNumber": blk.number, "transactionIndex": idx,
                         "logIndex": base_log_index + i, "removed": False})
        if tx is None:  # unsigned: synthesize a tx object for the block/receipt
            tx = Tx(2, self.chain_id, nonce, gas, to, value, bytes(data), price, tip, list(access_list),
                    sender=sender)
            tx.hash = keccak(b"unsigned" + sender.encode() + nonce.to_bytes(8, "big")
                             + self.chain_id.to_bytes(8, "big") + blk.number.to_bytes(8, "big")
                             + len(self.tx_index).to_bytes(8, "big"))
        for lg in logs:
            lg["transactionHash"] = tx.hash
        contract = None
        if to is None:
            contract = r.created or create_address(sender, nonce)
        receipt = {
            "transactionHash": tx.hash, "transactionIndex": idx, "blockNumber": blk.number,
            "from": sender, "to": to, "cumulativeGasUsed": blk.gas_used, "gasUsed": r.gas_used,
            "effectiveGasPrice": price, "contractAddress": contract, "logs": logs,
            "logsBloom": logs_bloom(logs), "status": 1 if r.success else 0, "type": tx.type,
            "_output": r.output,
        }
        receipt["_digest"] = keccak(rlp_encode([receipt["status"], blk.gas_used, tx.hash]))
        blk.txs.append(tx)
        blk.receipts.append(receipt)
        self.tx_index[tx.hash] = (blk.number, idx)
        return receipt

    def _apply_signed(self, blk: Block, tx: Tx) -> dict:
        price = tx.effective_price(blk.base_fee)
        return self._apply(blk, tx.sender, tx.to, tx.data, tx.value, tx.gas, price, price - blk.base_fee,
                           tx.nonce, tx.access_list, tx)

    # ------------------------------------------------------------------ unsigned API
    def transact(self, sender, to, data: bytes = b"", value: int = 0, gas: int | None = None) -> dict:
        """Send an unsigned tx from `sender` (no signature, no fee), mined at once in its own block.

        Returns the receipt dict; raises Revert(data, receipt) if it reverted (the block is mined
        and the nonce used either way)."""
        sender = _a(sender)
        to = _a(to) if to is not None else None
        blk = self._new_block()
        self._set_block_env(blk.number, blk.timestamp, blk.base_fee, blk.prevrandao)
        nonce = self.get_nonce(sender)
        gas = gas if gas is not None else self.gas_limit
        rc = self._apply(blk, sender, to, bytes(data), int(value), int(gas), 0, 0, nonce)
        self._seal(blk)
        if not rc["status"]:
            raise Revert(rc["_output"], receipt=rc)
        return rc

    def deploy(self, sender, initcode: bytes, value: int = 0, gas: int | None = None) -> str:
        """Deploy `initcode` from `sender` (unsigned, mined at once); returns the address.
        Raises Revert if the constructor reverts."""
        rc = self.transact(sender, None, initcode, value, gas)
        return rc["contractAddress"]

    def call(self, to, data: bytes = b"", sender=None, block="latest", value: int = 0,
             gas: int | None = None) -> bytes:
        """eth_call semantics: run without committing; returns output or raises Revert(data)."""
        r = self.simulate(to, data, sender, block, value, gas)
        if not r.success:
            raise Revert(r.output, reason=None if r.halt is None else r.halt)
        return r.output

    def simulate(self, to, data: bytes = b"", sender=None, block="latest", value: int = 0,
                 gas: int | None = None) -> ExecResult:
        """Run a message without committing (at `block`) and return the ExecResult."""
        sender = _a(sender) if sender else ZERO_ADDRESS
        to = _a(to) if to is not None else None
        gas = min(int(gas), MAX_U64) if gas is not None else self.gas_limit
        if block == "pending":
            nb = self._pending_env()
            self._set_block_env(*nb)
        n = self.resolve_block(block) if block != "pending" else None
        if n is None:
            if block != "pending":
                h = self.head
                self._set_block_env(h.number, h.timestamp, h.base_fee, h.prevrandao)
            return self._exec(sender, to, bytes(data), int(value), gas, 0, commit=False)
        # historical: temporarily roll the DB back, run, roll forward
        b = self.blocks[n]
        self._set_block_env(b.number, b.timestamp, b.base_fee, b.prevrandao)
        entries = []
        for blk in self.blocks[n + 1:]:
            entries.extend(blk.diff)
        saved_acc = {e[1]: self._acc.get(e[1]) for e in entries if e[0] == "a"}
        saved_sto = {(e[1], e[2]): self._sto.get(e[1], {}).get(e[2], 0) for e in entries if e[0] == "s"}
        self._undo(entries)
        try:
            return self._exec(sender, to, bytes(data), int(value), gas, 0, commit=False)
        finally:
            for addr, t in saved_acc.items():
                if t is None:
                    self._acc.pop(addr, None)
                else:
                    self._acc[addr] = t
                self._db_account(addr, t)
            for (addr, slot), v in saved_sto.items():
                st = self._sto.setdefault(addr, {})
                if v:
                    st[slot] = v
                else:
                    st.pop(slot, None)
                self._db_storage(addr, slot, v)

    def _pending_env(self):
        h = self.head
        ts = self._next_timestamp or max(int(time.time()) + self._time_offset, h.timestamp + 1)
        return (h.number + 1, ts, self.next_base_fee(), keccak(h.hash + (h.number + 1).to_bytes(8, "big")))

    def estimate_gas(self, to, data: bytes = b"", sender=None, value: int = 0, gas: int | None = None,
                     block="pending") -> int:
        """Smallest gas limit that succeeds (binary search, as geth); raises Revert on failure."""
        cap = min(int(gas), self.gas_limit) if gas is not None else self.gas_limit
        r = self.simulate(to, data, sender, block, value, cap)
        if not r.success:
            raise Revert(r.output, reason=r.halt)
        hi = cap
        if self.simulate(to, data, sender, block, value, r.gas_used).success:
            return r.gas_used
        lo = r.gas_used
        while lo + 1 < hi:
            mid = (lo + hi) // 2
            if mid > lo * 2:
                mid = lo * 2
            if self.simulate(to, data, sender, block, value, mid).success:
                hi = mid
            else:
                lo = mid
            if (hi - lo) * 1000 < hi * 15:  # within 1.5%, as geth
                break
        return hi

    # ------------------------------------------------------------------ signed txs
    def validate(self, tx: Tx, pending: bool = True):
        """Refuse a tx the way geth's txpool does (geth's messages)."""
        if tx.type == 0 and tx.chain_id is None:
            pass  # pre-EIP-155 legacy: accepted, as anvil does
        elif tx.chain_id != self.chain_id:
            raise TxError("invalid chain id for signer")
        if tx.gas > self.gas_limit:
            raise TxError("exceeds block gas limit")
        if tx.to is None and len(tx.data) > 49152:
            raise TxError(f"max initcode size exceeded: code size {len(tx.data)} limit 49152")
        if tx.max_priority > tx.max_fee:
            raise TxError("max priority fee per gas higher than max fee per gas")
        ig = intrinsic_gas(tx.data, tx.to is None, tx.access_list)
        if tx.gas < ig:
            raise TxError(f"intrinsic gas too low: gas {tx.gas}, minimum needed {ig}")
        sender_code = self._acc.get(tx.sender, (0, 0, None))[2]
        if sender_code is not None:  # EIP-3607
            raise TxError(f"sender not an eoa: address {_checksum(tx.sender)}, codehash: 0x{sender_code.hex()}")
        state_nonce = self.get_nonce(tx.sender)
        if tx.nonce < state_nonce:
            raise TxError(f"nonce too low: next nonce {state_nonce}, tx nonce {tx.nonce}")
        pnonce = self.pool.pending_nonce(tx.sender, state_nonce)
        if tx.nonce > pnonce:
            raise TxError(f"nonce too high: address {_checksum(tx.sender)}, tx: {tx.nonce} state: {pnonce}")
        base = self.next_base_fee()
        if tx.max_fee < base:
            raise TxError(f"max fee per gas less than block base fee: address {_checksum(tx.sender)}, "
                          f"maxFeePerGas: {tx.max_fee}, baseFee: {base}")
        bal = self.get_balance(tx.sender)
        cost = tx.gas * tx.max_fee + tx.value
        ahead = self.pool.spend_before(tx.sender, tx.nonce)
        if bal < cost + ahead:
            raise TxError(f"insufficient funds for gas * price + value: balance {bal}, "
                          f"tx cost {cost}, overshot {cost + ahead - bal}")

    def send_raw_transaction(self, raw: bytes) -> bytes:
        """Decode, validate, pool; mine at once when automining. Returns the tx hash."""
        try:
            tx = txcodec.decode(bytes(raw))
        except TxDecodeError as e:
            raise TxError(str(e)) from e
        if self.pool.get(tx.hash) is not None:
            raise TxError("already known")
        self.validate(tx)
        self.pool.add(tx)   # raises TxError("replacement transaction underpriced")
        if self.automine:
            self.mine()
        return tx.hash

    # ------------------------------------------------------------------ snapshots
    def snapshot(self) -> int:
        """Remember the whole chain (blocks, state, pool, clock); returns an id for revert()."""
        self._snap_id += 1
        self._snapshots[self._snap_id] = (self.block_number, len(self.head.diff), self.pool.copy(),
                                          self._time_offset, self._next_timestamp)
        return self._snap_id

    def revert(self, snap_id: int) -> bool:
        """Return to snapshot `snap_id` (and drop it and every later one). False if unknown."""
        snap = self._snapshots.get(int(snap_id))
        if snap is None:
            return False
        number, diff_len, pool, offset, next_ts = snap
        head = self.blocks[number]
        entries = head.diff[diff_len:]
        for blk in self.blocks[number + 1:]:
            entries.extend(blk.diff)
        self._undo(entries)
        del head.diff[diff_len:]
        for blk in self.blocks[number + 1:]:
            self.block_by_hash.pop(blk.hash, None)
            for t in blk.txs:
                self.tx_index.pop(t.hash, None)
        del self.blocks[number + 1:]
        self._diff = head.diff
        self.pool = pool
        self._time_offset, self._next_timestamp = offset, next_ts
        self._block_env_key = None
        for k in [k for k in self._snapshots if k >= int(snap_id)]:
            del self._snapshots[k]
        return True

    # ------------------------------------------------------------------ queries
    def block(self, ref) -> Block | None:
        if isinstance(ref, (bytes, bytearray)):
            return self.block_by_hash.get(bytes(ref))
        if ref in (None, "latest", "pending", "safe", "finalized"):
            return self.head
        if ref == "earliest":
            return self.blocks[0]
        n = int(ref, 16) if isinstance(ref, str) else int(ref)
        return self.blocks[n] if 0 <= n < len(self.blocks) else None

    def transaction(self, h: bytes):
        """-> (Tx, block or None, index or None) or None."""
        loc = self.tx_index.get(h)
        if loc is not None:
            b = self.blocks[loc[0]]
            return b.txs[loc[1]], b, loc[1]
        t = self.pool.get(h)
        if t is not None:
            return t, None, None
        return None

    def receipt(self, h: bytes) -> dict | None:
        loc = self.tx_index.get(h)
        if loc is None:
            return None
        return self.blocks[loc[0]].receipts[loc[1]]

    def logs(self, from_block=0, to_block="latest", address=None, topics=None, block_hash=None) -> list:
        """Logs in [from_block, to_block], filtered by address (one or a list) and topics
        (positional; each None = any, a value, or a list of alternatives)."""
        if block_hash is not None:
            b = self.block_by_hash.get(bytes(block_hash))
            if b is None:
                raise HistoryError("unknown block")
            rng = [b]
        else:
            lo = self._num(from_block, 0)
            hi = self._num(to_block, self.block_number)
            hi = min(hi, self.block_number)
            if lo > hi:
                return []
            rng = self.blocks[lo:hi + 1]
        if address is not None:
            addrs = {_a(x) for x in (address if isinstance(address, list) else [address])}
        else:
            addrs = None
        tf = []
        for t in topics or []:
            if t is None:
                tf.append(None)
            elif isinstance(t, list):
                tf.append({x.lower() for x in t} if t else None)
            else:
                tf.append({t.lower()})
        out = []
        for b in rng:
            for r in b.receipts:
                for lg in r["logs"]:
                    if addrs is not None and lg["address"] not in addrs:
                        continue
                    ts = lg["topics"]
                    if len(tf) > len(ts):
                        continue
                    if any(s is not None and ts[i] not in s for i, s in enumerate(tf)):
                        continue
                    out.append(lg)
        return out

    def _num(self, ref, default):
        if ref is None:
            return default
        if ref in ("latest", "pending", "safe", "finalized"):
            return self.block_number
        if ref == "earliest":
            return 0
        return int(ref, 16) if isinstance(ref, str) else int(ref)

    def fee_history(self, count: int, newest, percentiles=None) -> dict:
        newest_n = self._num(newest, self.block_number)
        newest_n = min(newest_n, self.block_number)
        count = max(1, min(int(count), 1024, newest_n + 1))
        oldest = newest_n - count + 1
        blocks = self.blocks[oldest:newest_n + 1]
        base = [b.base_fee for b in blocks]
        last = blocks[-1]
        base.append(next_base_fee(last.base_fee, last.gas_used, last.gas_limit))
        out = {"oldestBlock": oldest, "baseFeePerGas": base,
               "gasUsedRatio": [b.gas_used / b.gas_limit for b in blocks]}
        if percentiles is not None:
            rewards = []
            for b in blocks:
                tips = sorted((r["effectiveGasPrice"] - b.base_fee, r["gasUsed"]) for r in b.receipts)
                row = []
                for p in percentiles:
                    if not tips:
                        row.append(0)
                        continue
                    threshold = b.gas_used * p / 100
                    acc = 0
                    val = tips[-1][0]
                    for tip, used in tips:
                        acc += used
                        if acc >= threshold:
                            val = tip
                            break
                    row.append(max(val, 0))
                rewards.append(row)
            out["reward"] = rewards
        return out
