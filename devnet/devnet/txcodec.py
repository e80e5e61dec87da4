"""Raw transaction decoding and sender recovery (legacy/EIP-155, EIP-2930, EIP-1559).

A small, strict-enough RLP reader that keeps byte offsets, so the signing payload is sliced
from the raw bytes instead of re-encoded, and secp256k1 recovery through coincurve (the
backend eth-keys uses).  The tests check every decoded field and the recovered sender
against eth-account's own decoder (`Account.recover_transaction`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import coincurve
from sha3 import keccak_256

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def keccak(data: bytes) -> bytes:
    return keccak_256(data).digest()


class TxDecodeError(ValueError):
    """The bytes are not a well-formed signed transaction (message is geth-like)."""


def _item(b: bytes, i: int):
    """Decode one RLP item at offset i -> (value, end). Lists are lists of values."""
    n = len(b)
    if i >= n:
        raise TxDecodeError("rlp: unexpected end of input")
    p = b[i]
    if p < 0x80:
        return b[i:i + 1], i + 1
    if p < 0xB8:
        ln = p - 0x80
        s = i + 1
        if ln == 1 and s < n and b[s] < 0x80:
            raise TxDecodeError("rlp: non-canonical size information")
    elif p < 0xC0:
        ll = p - 0xB7
        ln = int.from_bytes(b[i + 1:i + 1 + ll], "big")
        s = i + 1 + ll
    else:
        if p < 0xF8:
            ln = p - 0xC0
            s = i + 1
        else:
            ll = p - 0xF7
            ln = int.from_bytes(b[i + 1:i + 1 + ll], "big")
            s = i + 1 + ll
        e = s + ln
        if e > n:
            raise TxDecodeError("rlp: value size exceeds available input length")
        out = []
        j = s
        while j < e:
            v, j = _item(b, j)
            out.append(v)
        if j != e:
            raise TxDecodeError("rlp: element size exceeds list")
        return out, e
    e = s + ln
    if e > n:
        raise TxDecodeError("rlp: value size exceeds available input length")
    return b[s:e], e


def _list_offsets(b: bytes, i: int):
    """Top-level list at i -> (items, item start offsets, end)."""
    p = b[i]
    if p < 0xC0:
        raise TxDecodeError("rlp: expected input list for types.LegacyTx")
    if p < 0xF8:
        ln = p - 0xC0
        s = i + 1
    else:
        ll = p - 0xF7
        ln = int.from_bytes(b[i + 1:i + 1 + ll], "big")
        s = i + 1 + ll
    e = s + ln
    if e != len(b):
        raise TxDecodeError("rlp: input contains more than one value" if e < len(b)
                            else "rlp: value size exceeds available input length")
    items, starts = [], []
    j = s
    while j < e:
        starts.append(j)
        v, j = _item(b, j)
        items.append(v)
    if j != e:
        raise TxDecodeError("rlp: element size exceeds list")
    return items, starts, e


def _int(v) -> int:
    if isinstance(v, list):
        raise TxDecodeError("rlp: expected input string or byte for uint64")
    if len(v) > 1 and v[0] == 0:
        raise TxDecodeError("rlp: non-canonical integer (leading zero bytes)")
    if len(v) > 32:
        raise TxDecodeError("rlp: uint overflow")
    return int.from_bytes(v, "big")


def _addr(v):
    if isinstance(v, list):
        raise TxDecodeError("rlp: expected address")
    if len(v) == 0:
        return None
    if len(v) != 20:
        raise TxDecodeError("rlp: input string too long for common.Address")
    return "0x" + v.hex()


def _header(ln: int) -> bytes:
    if ln < 56:
        return bytes([0xC0 + ln])
    lb = ln.to_bytes((ln.bit_length() + 7) // 8, "big")
    return bytes([0xF7 + len(lb)]) + lb


def _enc_int(x: int) -> bytes:
    if x == 0:
        return b"\x80"
    bb = x.to_bytes((x.bit_length() + 7) // 8, "big")
    if len(bb) == 1 and bb[0] < 0x80:
        return bb
    return bytes([0x80 + len(bb)]) + bb


@dataclass(slots=True)
class Tx:
    """A decoded signed transaction. Addresses are lowercase 0x-hex strings."""
    type: int
    chain_id: int | None
    nonce: int
    gas: int
    to: str | None
    value: int
    data: bytes
    max_fee: int            # gasPrice for legacy/2930
    max_priority: int       # gasPrice for legacy/2930
    access_list: list = field(default_factory=list)   # [(addr, [slot ints])]
    v: int = 0
    r: int = 0
    s: int = 0
    sender: str = ""
    hash: bytes = b""
    raw: bytes = b""

    def effective_price(self, base_fee: int) -> int:
        return min(self.max_fee, base_fee + self.max_priority)

    def tip(self, base_fee: int) -> int:
        return min(self.max_priority, self.max_fee - base_fee)


def _access_list(v) -> list:
    if not isinstance(v, list):
        raise TxDecodeError("rlp: expected input list for types.AccessList")
    out = []
    for entry in v:
        if not isinstance(entry, list) or len(entry) != 2 or not isinstance(entry[1], list):
            raise TxDecodeError("rlp: expected input list for types.AccessTuple")
        a = _addr(entry[0])
        if a is None:
            raise TxDecodeError("rlp: expected address")
        out.append((a, [int.from_bytes(k, "big") for k in entry[1]]))
    return out


def recover(msg_hash: bytes, y_parity: int, r: int, s: int) -> str:
    if not (0 < r < SECP256K1_N and 0 < s <= SECP256K1_N // 2) or y_parity not in (0, 1):
        raise TxDecodeError("invalid transaction v, r, s values")
    sig = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([y_parity])
    try:
        pub = coincurve.PublicKey.from_signature_and_message(sig, msg_hash, hasher=None)
    except Exception as e:  # noqa: BLE001 - coincurve raises plain Exception
        raise TxDecodeError("invalid transaction v, r, s values") from e
    return "0x" + keccak(pub.format(compressed=False)[1:])[-20:].hex()


def decode(raw: bytes) -> Tx:
    """Decode a signed raw transaction and recover its sender."""
    if not raw:
        raise TxDecodeError("typed transaction too short")
    t = raw[0]
    if t >= 0xC0:  # legacy
        items, starts, _ = _list_offsets(raw, 0)
        if len(items) != 9:
            raise TxDecodeError(f"rlp: too {'few' if len(items) < 9 else 'many'} elements for types.LegacyTx")
        nonce, gp, gas = _int(items[0]), _int(items[1]), _int(items[2])
        to = _addr(items[3])
        value, data = _int(items[4]), items[5]
        v, r, s = _int(items[6]), _int(items[7]), _int(items[8])
        body = raw[starts[0]:starts[6]]
        if v in (27, 28):
            chain_id = None
            y = v - 27
        else:
            if v < 35:
                raise TxDecodeError("invalid transaction v, r, s values")
            chain_id = (v - 35) // 2
            y = (v - 35) % 2
            body = body + _enc_int(chain_id) + b"\x80\x80"
        sighash = keccak(_header(len(body)) + body)
        tx = Tx(0, chain_id, nonce, gas, to, value, bytes(data), gp, gp, [], v, r, s)
    elif t in (1, 2):
        items, starts, _ = _list_offsets(raw, 1)
        want = 11 if t == 1 else 12
        if len(items) != want:
            raise TxDecodeError(f"rlp: too {'few' if len(items) < want else 'many'} elements for "
                                f"types.{'AccessListTx' if t == 1 else 'DynamicFeeTx'}")
        chain_id, nonce = _int(items[0]), _int(items[1])
        if t == 1:
            gp = _int(items[2])
            mf, mp = gp, gp
            k = 3
        else:
            mp, mf = _int(items[2]), _int(items[3])
            k = 4
        gas = _int(items[k])
        to = _addr(items[k + 1])
        value, data = _int(items[k + 2]), items[k + 3]
        al = _access_list(items[k + 4])
        y, r, s = _int(items[k + 5]), _int(items[k + 6]), _int(items[k + 7])
        body = raw[starts[0]:starts[k + 5]]
        sighash = keccak(bytes([t]) + _header(len(body)) + body)
        tx = Tx(t, chain_id, nonce, gas, to, value, bytes(data), mf, mp, al, y, r, s)
    else:
        raise TxDecodeError("transaction type not supported")
    tx.sender = recover(sighash, y, r, s)
    tx.hash = keccak(raw)
    tx.raw = bytes(raw)
    return tx


def create_address(sender: str, nonce: int) -> str:
    sb = bytes.fromhex(sender[2:])
    body = b"\x94" + sb + _enc_int(nonce)
    return "0x" + keccak(_header(len(body)) + body)[-20:].hex()


def rlp_encode(x) -> bytes:
    """Minimal RLP encoder for bytes/ints/lists (used for block hashes)."""
    if isinstance(x, int):
        return _enc_int(x)
    if isinstance(x, (bytes, bytearray)):
        if len(x) == 1 and x[0] < 0x80:
            return bytes(x)
        if len(x) < 56:
            return bytes([0x80 + len(x)]) + bytes(x)
        lb = len(x).to_bytes((len(x).bit_length() + 7) // 8, "big")
        return bytes([0xB7 + len(lb)]) + lb + bytes(x)
    body = b"".join(rlp_encode(i) for i in x)
    return _header(len(body)) + body
