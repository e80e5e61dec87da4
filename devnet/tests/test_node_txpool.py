"""TxPool bookkeeping against a naive model, and geth's replacement rule at the boundary."""
import random
from dataclasses import dataclass

import pytest

from devnet.chain import TxError
from devnet.txpool import TxPool


@dataclass
class FakeTx:
    sender: str
    nonce: int
    max_fee: int
    max_priority: int
    gas: int = 21000
    value: int = 0
    hash: bytes = b""

    def tip(self, base):
        return min(self.max_priority, self.max_fee - base)


def _naive_pending(q, state):
    n = state
    while n in q:
        n += 1
    return n


def test_pool_counters_match_a_naive_model():
    rng = random.Random(7)
    pool = TxPool()
    model = {}   # sender -> {nonce: tx}
    state = {s: 0 for s in "abc"}
    for i in range(3000):
        s = rng.choice("abc")
        q = model.setdefault(s, {})
        op = rng.random()
        if op < 0.6:
            n = _naive_pending(q, state[s])
            if q and rng.random() < 0.3:
                n = rng.choice(list(q))
            old = q.get(n)
            fee = (old.max_fee * 11 // 10 + 1) if old else rng.randint(10, 100)
            tip = (old.max_priority * 11 // 10 + 1) if old else rng.randint(1, 10)
            tx = FakeTx(s, n, fee, tip, value=rng.randint(0, 5), hash=i.to_bytes(4, "big"))
            pool.add(tx)
            q[n] = tx
        elif op < 0.8 and q:
            n = min(q)   # mined: the lowest nonce leaves, the state nonce moves on
            pool.remove(q.pop(n))
            state[s] = n + 1
        for s2 in "abc":
            q2 = model.get(s2, {})
            assert pool.pending_nonce(s2, state[s2]) == _naive_pending(q2, state[s2])
            for probe in (state[s2], _naive_pending(q2, state[s2]), state[s2] + 1):
                want = sum(t.gas * t.max_fee + t.value for n, t in q2.items() if n < probe)
                assert pool.spend_before(s2, probe) == want
    assert len(pool) == sum(len(q) for q in model.values())


@pytest.mark.parametrize("fee,tip,ok", [(110, 11, True), (109, 11, False), (110, 10, False), (200, 11, True)])
def test_replacement_boundary(fee, tip, ok):
    pool = TxPool()
    pool.add(FakeTx("a", 0, 100, 10, hash=b"1"))
    new = FakeTx("a", 0, fee, tip, hash=b"2")
    if ok:
        pool.add(new)
        assert pool.get(b"2") is new and pool.get(b"1") is None and len(pool) == 1
    else:
        with pytest.raises(TxError, match="replacement transaction underpriced"):
            pool.add(new)
        assert pool.get(b"1") is not None


def test_selection_orders_by_tip_and_keeps_nonce_order():
    pool = TxPool()
    pool.add(FakeTx("a", 0, 100, 1, hash=b"a0"))
    pool.add(FakeTx("a", 1, 100, 50, hash=b"a1"))
    pool.add(FakeTx("b", 0, 100, 20, hash=b"b0"))
    pool.add(FakeTx("c", 0, 5, 5, hash=b"c0"))     # fee cap under the base fee: not selected
    order = [t.hash for t in pool.select(10, lambda s: 0)]
    assert order == [b"b0", b"a0", b"a1"]
