"""The transaction pool: per-sender nonce queues, geth's replacement rule, block selection."""
from __future__ import annotations

import heapq

PRICE_BUMP_PERCENT = 10  # geth's default txpool.pricebump


class PoolError(Exception):
    pass


class TxPool:
    """Holds signed txs that are valid against state but not yet mined.

    Only gap-free nonce sequences per sender are admitted (the chain refuses "nonce too high"),
    so a sender's queue always starts at its state nonce."""

    def __init__(self):
        self.by_hash = {}
        self.by_sender: dict[str, dict[int, object]] = {}
        self._top: dict[str, int] = {}     # sender -> highest pooled nonce
        self._cost: dict[str, int] = {}    # sender -> sum of gas * maxFee + value of pooled txs

    def __len__(self):
        return len(self.by_hash)

    def copy(self) -> "TxPool":
        p = TxPool()
        p.by_hash = dict(self.by_hash)
        p.by_sender = {s: dict(q) for s, q in self.by_sender.items()}
        p._top, p._cost = dict(self._top), dict(self._cost)
        return p

    def get(self, h: bytes):
        return self.by_hash.get(h)

    def pending_nonce(self, sender: str, state_nonce: int) -> int:
        q = self.by_sender.get(sender)
        if not q or state_nonce not in q:
            return state_nonce
        top = self._top[sender]
        if len(q) == top - state_nonce + 1:   # gap-free from the state nonce (the usual case)
            return top + 1
        n = state_nonce
        while n in q:
            n += 1
        return n

    @staticmethod
    def _tx_cost(t) -> int:
        return t.gas * t.max_fee + t.value

    def spend_before(self, sender: str, nonce: int) -> int:
        """Max cost of this sender's pooled txs with a lower nonce (balance check like geth)."""
        q = self.by_sender.get(sender)
        if not q:
            return 0
        if nonce > self._top[sender]:
            return self._cost[sender]
        return sum(self._tx_cost(t) for n, t in q.items() if n < nonce)

    def add(self, tx):
        """Add, or replace the same (sender, nonce) if both fee caps are >= 10% higher."""
        from .chain import TxError
        q = self.by_sender.setdefault(tx.sender, {})
        old = q.get(tx.nonce)
        if old is not None:
            fee_ok = tx.max_fee * 100 >= old.max_fee * (100 + PRICE_BUMP_PERCENT)
            tip_ok = tx.max_priority * 100 >= old.max_priority * (100 + PRICE_BUMP_PERCENT)
            if not (fee_ok and tip_ok):
                raise TxError("replacement transaction underpriced")
            del self.by_hash[old.hash]
            self._cost[tx.sender] -= self._tx_cost(old)
        q[tx.nonce] = tx
        self.by_hash[tx.hash] = tx
        self._cost[tx.sender] = self._cost.get(tx.sender, 0) + self._tx_cost(tx)
        self._top[tx.sender] = max(self._top.get(tx.sender, -1), tx.nonce)

    def remove(self, tx):
        if self.by_hash.pop(tx.hash, None) is None:
            return
        q = self.by_sender.get(tx.sender)
        if q is not None:
            q.pop(tx.nonce, None)
            self._cost[tx.sender] -= self._tx_cost(tx)
            if not q:
                del self.by_sender[tx.sender]
                del self._cost[tx.sender]
                del self._top[tx.sender]
            elif tx.nonce == self._top[tx.sender]:
                self._top[tx.sender] = max(q)

    def select(self, base_fee: int, state_nonce):
        """Yield txs in block order: highest effective tip first among each sender's next tx."""
        heap = []
        seq = 0
        for sender, q in list(self.by_sender.items()):
            n = state_nonce(sender)
            t = q.get(n)
            if t is not None and t.max_fee >= base_fee:
                heap.append((-t.tip(base_fee), seq, t))
                seq += 1
        heapq.heapify(heap)
        while heap:
            _, _, t = heapq.heappop(heap)
            yield t
            q = self.by_sender.get(t.sender)
            if q:
                nxt = q.get(t.nonce + 1)
                if nxt is not None and nxt.max_fee >= base_fee:
                    seq += 1
                    heapq.heappush(heap, (-nxt.tip(base_fee), seq, nxt))
