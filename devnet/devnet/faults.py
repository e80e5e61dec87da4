"""Run-time fault injection for the RPC server (`devnet_setFault` / `devnet_clearFaults`).

Kinds:
  delay          sleep `ms` milliseconds before answering (default 200)
  drop           close the connection without any response
  http429        answer HTTP 429 Too Many Requests (with Retry-After: `retryAfter`, default 1)
  http5xx        answer HTTP `status` (default 503) with a short text body
  errorEnvelope  answer HTTP 200 with a JSON-RPC error (code `code` default -32000,
                 `message` default "devnet injected error")
  malformed      answer HTTP 200 with a body that is not JSON
  stallHead      eth_blockNumber / eth_getBlockByNumber("latest") keep reporting the head as it
                 was when the fault was set (the chain itself keeps mining)

Params common to all: `count` (how many requests it hits, default forever), `methods` (a list of
method names it applies to; default all).  Control methods (devnet_*, evm_*, anvil_*) are never
faulted.  A batch is faulted as one request if any of its methods matches.
"""
from __future__ import annotations

import threading

KINDS = ("delay", "drop", "http429", "http5xx", "errorEnvelope", "malformed", "stallHead")
EXEMPT_PREFIXES = ("devnet_", "evm_", "anvil_")


class Fault:
    def __init__(self, kind: str, params: dict, head: int | None = None):
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(KINDS)}")
        self.kind = kind
        self.params = params
        count = params.get("count", "forever")
        self.remaining = None if count in (None, "forever") else int(count)
        self.methods = set(params["methods"]) if params.get("methods") else None
        self.stalled_head = head

    def matches(self, methods) -> bool:
        if self.methods is None:
            return True
        return any(m in self.methods for m in methods)


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def set(self, kind: str, params: dict, head: int) -> dict:
        f = Fault(kind, params, head)
        with self._lock:
            self._faults.append(f)
        return self.describe()

    def clear(self):
        with self._lock:
            self._faults.clear()

    def describe(self) -> dict:
        with self._lock:
            return {"faults": [{"kind": f.kind, "remaining": f.remaining if f.remaining is not None
                                else "forever", **{k: v for k, v in f.params.items() if k != "count"}}
                               for f in self._faults]}

    def take(self, methods) -> Fault | None:
        """The fault that applies to a request with these methods (consuming one count)."""
        if not methods or all(m.startswith(EXEMPT_PREFIXES) for m in methods if isinstance(m, str)):
            return None
        with self._lock:
            for f in self._faults:
                if f.kind == "stallHead":
                    continue
                if f.matches(methods):
                    if f.remaining is not None:
                        f.remaining -= 1
                        if f.remaining <= 0:
                            self._faults.remove(f)
                    return f
        return None

    def stalled_head(self) -> int | None:
        with self._lock:
            for f in self._faults:
                if f.kind == "stallHead":
                    if f.remaining is not None:
                        f.remaining -= 1
                        if f.remaining < 0:
                            self._faults.remove(f)
                            return None
                    return f.stalled_head
        return None
