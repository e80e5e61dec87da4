"""JSON-RPC 2.0 over HTTP/1.1 (keep-alive) on 127.0.0.1, around one Chain and one lock.

The HTTP layer is a small hand-written request loop on socketserver (no email-header parsing), so
that the devnet is not what a keeper benchmark measures, and so that faults can misbehave at the
HTTP level (drop the connection, 429/5xx, malformed bodies).  Other HTTP paths (for example the
subgraph endpoints) are served by handlers registered with `Server.add_route(path, fn)` where
fn(body_bytes) -> (status, content_type, body_bytes).
"""
from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
from collections import deque

from . import __version__
from .chain import Chain, HistoryError, Revert, TxError, _a
from .faults import Faults

JSON = "application/json"


class RpcError(Exception):
    def __init__(self, code: int, message: str, data=None):
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


def hx(n: int) -> str:
    return hex(n)


def hb(b: bytes) -> str:
    return "0x" + bytes(b).hex()


def _int(v, name="value") -> int:
    if v is None:
        return 0
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        try:
            return int(v, 16) if v.startswith(("0x", "0X")) else int(v)
        except ValueError:
            pass
    raise RpcError(-32602, f"invalid argument: {name} {v!r}")


def _bytes(v) -> bytes:
    if v is None:
        return b""
    if not isinstance(v, str) or not v.startswith("0x"):
        raise RpcError(-32602, f"invalid argument: hex string without 0x prefix {v!r}")
    try:
        return bytes.fromhex(v[2:])
    except ValueError:
        raise RpcError(-32602, f"invalid argument: invalid hex string {v!r}") from None


def _block_param(v):
    if v is None:
        return "latest"
    if isinstance(v, dict):
        if "blockHash" in v:
            return _bytes(v["blockHash"])
        v = v.get("blockNumber", "latest")
    if isinstance(v, str) and v in ("latest", "pending", "earliest", "safe", "finalized"):
        return v
    return _int(v, "block number")


class Timings:
    """Server-side times (time.time(), seconds) of the blocks mined and of the raw transactions
    accepted, the last `limit` of each, for latency benchmarks (`devnet_timings`).

    A block's time is when the request (or the block-time miner) that mined it finished, i.e.
    when clients can first see it; a raw transaction's is when its HTTP request had been read,
    before it waits for the chain's lock."""

    def __init__(self, limit: int = 10_000):
        self._lock = threading.Lock()
        self.blocks: deque = deque(maxlen=limit)
        self.raw_transactions: deque = deque(maxlen=limit)

    def mined(self, first: int, last: int, at: float) -> None:
        with self._lock:
            for n in range(first, last + 1):
                self.blocks.append((n, at))

    def received(self, tx_hash: str, at: float) -> None:
        with self._lock:
            self.raw_transactions.append((tx_hash, at))

    def report(self, since: float = 0.0) -> dict:
        with self._lock:
            return {"blocks": [{"number": hx(n), "minedAt": t} for n, t in self.blocks if t >= since],
                    "rawTransactions": [{"hash": h, "receivedAt": t} for h, t in self.raw_transactions if t >= since]}


class Api:
    """The JSON-RPC methods. Each method takes params (list) and returns a JSON-able result."""

    def __init__(self, chain: Chain, faults: Faults, block_time: float | None = None):
        self.chain = chain
        self.faults = faults
        self.lock = chain.lock
        self.block_time = block_time
        self.timings = Timings()
        self.methods = {name[4:]: getattr(self, name) for name in dir(self) if name.startswith("rpc_")}

    # ---- formatting
    def fmt_tx(self, tx, blk=None, idx=None) -> dict:
        d = {"hash": hb(tx.hash), "nonce": hx(tx.nonce), "from": tx.sender, "to": tx.to,
             "value": hx(tx.value), "gas": hx(tx.gas), "input": hb(tx.data), "type": hx(tx.type),
             "blockHash": hb(blk.hash) if blk else None,
             "blockNumber": hx(blk.number) if blk else None,
             "transactionIndex": hx(idx) if idx is not None else None,
             "v": hx(tx.v), "r": hx(tx.r), "s": hx(tx.s)}
        if tx.chain_id is not None:
            d["chainId"] = hx(tx.chain_id)
        if tx.type == 2:
            d["maxFeePerGas"] = hx(tx.max_fee)
            d["maxPriorityFeePerGas"] = hx(tx.max_priority)
            d["gasPrice"] = hx(tx.effective_price(blk.base_fee) if blk else tx.max_fee)
        else:
            d["gasPrice"] = hx(tx.max_fee)
        if tx.type in (1, 2):
            d["accessList"] = [{"address": a, "storageKeys": ["0x%064x" % k for k in ks]}
                               for a, ks in tx.access_list]
            d["yParity"] = hx(tx.v)
        return d

    @staticmethod
    def fmt_log(lg) -> dict:
        return {"address": lg["address"], "topics": lg["topics"], "data": hb(lg["data"]),
                "blockNumber": hx(lg["blockNumber"]), "blockHash": hb(lg["blockHash"]),
                "transactionHash": hb(lg["transactionHash"]),
                "transactionIndex": hx(lg["transactionIndex"]), "logIndex": hx(lg["logIndex"]),
                "removed": False}

    def fmt_receipt(self, r) -> dict:
        return {"transactionHash": hb(r["transactionHash"]), "transactionIndex": hx(r["transactionIndex"]),
                "blockHash": hb(r["blockHash"]), "blockNumber": hx(r["blockNumber"]),
                "from": r["from"], "to": r["to"], "cumulativeGasUsed": hx(r["cumulativeGasUsed"]),
                "gasUsed": hx(r["gasUsed"]), "effectiveGasPrice": hx(r["effectiveGasPrice"]),
                "contractAddress": r["contractAddress"], "logs": [self.fmt_log(lg) for lg in r["logs"]],
                "logsBloom": hb(r["logsBloom"]), "status": hx(r["status"]), "type": hx(r["type"])}

    def fmt_block(self, b, full: bool) -> dict:
        return {"number": hx(b.number), "hash": hb(b.hash), "parentHash": hb(b.parent_hash),
                "nonce": "0x0000000000000000", "sha3Uncles": hb(bytes.fromhex(
                    "1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347")),
                "logsBloom": hb(b.bloom), "transactionsRoot": hb(b.tx_root),
                "stateRoot": hb(b.state_root), "receiptsRoot": hb(b.receipts_root),
                "miner": b.coinbase, "difficulty": "0x0", "totalDifficulty": "0x0",
                "extraData": "0x", "size": hx(1000 + sum(len(t.raw) for t in b.txs)),
                "gasLimit": hx(b.gas_limit), "gasUsed": hx(b.gas_used), "timestamp": hx(b.timestamp),
                "baseFeePerGas": hx(b.base_fee), "mixHash": hb(b.prevrandao),
                "withdrawals": [], "withdrawalsRoot": hb(bytes.fromhex(
                    "56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")),
                "blobGasUsed": "0x0", "excessBlobGas": "0x0", "parentBeaconBlockRoot": hb(b"\x00" * 32),
                "uncles": [],
                "transactions": [self.fmt_tx(t, b, i) for i, t in enumerate(b.txs)] if full
                else [hb(t.hash) for t in b.txs]}

    # ---- dispatch
    def call(self, method: str, params):
        fn = self.methods.get(method)
        if fn is None:
            raise RpcError(-32601, f"the method {method} does not exist/is not available")
        if params is None:
            params = []
        if not isinstance(params, list):
            params = [params]
        with self.lock:
            before = self.chain.block_number
            try:
                return fn(*params)
            finally:
                after = self.chain.block_number
                if after > before:
                    self.timings.mined(before + 1, after, time.time())

    def _revert(self, e: Revert):
        msg = "execution reverted" + (f": {e.reason}" if e.reason else "")
        return RpcError(3, msg, hb(e.data))

    # ---- eth_*
    def rpc_eth_chainId(self):
        return hx(self.chain.chain_id)

    def rpc_net_version(self):
        return str(self.chain.chain_id)

    def rpc_web3_clientVersion(self):
        return f"devnet/v{__version__}/pyrevm-0.3.7/python"

    def rpc_net_listening(self):
        return True

    def rpc_eth_syncing(self):
        return False

    def rpc_eth_accounts(self):
        from .chain import dev_accounts
        return [a.lower() for a, _ in dev_accounts()]

    def rpc_eth_blockNumber(self):
        stalled = self.faults.stalled_head()
        return hx(self.chain.block_number if stalled is None else min(stalled, self.chain.block_number))

    def _state_block(self, tag):
        return _block_param(tag)

    def rpc_eth_getBalance(self, addr, tag="latest"):
        return hx(self._q(lambda: self.chain.get_balance(_a(addr), self._state_block(tag))))

    def rpc_eth_getCode(self, addr, tag="latest"):
        return hb(self._q(lambda: self.chain.get_code(_a(addr), self._state_block(tag))))

    def rpc_eth_getStorageAt(self, addr, slot, tag="latest"):
        v = self._q(lambda: self.chain.get_storage(_a(addr), _int(slot, "slot"), self._state_block(tag)))
        return "0x%064x" % v

    def rpc_eth_getTransactionCount(self, addr, tag="latest"):
        if tag == "pending":
            return hx(self.chain.pending_nonce(_a(addr)))
        return hx(self._q(lambda: self.chain.get_nonce(_a(addr), self._state_block(tag))))

    def _q(self, fn):
        try:
            return fn()
        except HistoryError as e:
            raise RpcError(-32000, str(e)) from None

    def _call_args(self, obj):
        if not isinstance(obj, dict):
            raise RpcError(-32602, "invalid argument 0: expected a call object")
        data = obj.get("input", obj.get("data"))
        gas = obj.get("gas")
        return dict(to=obj.get("to"), data=_bytes(data), sender=obj.get("from"),
                    value=_int(obj.get("value")), gas=_int(gas) if gas is not None else None)

    def rpc_eth_call(self, obj, tag="latest", overrides=None):
        a = self._call_args(obj)
        try:
            return hb(self.chain.call(a["to"], a["data"], a["sender"], _block_param(tag), a["value"], a["gas"]))
        except TxError as e:
            raise RpcError(-32000, str(e)) from None
        except Revert as e:
            if e.reason and e.data == b"":
                raise RpcError(-32000, e.reason) from None
            raise self._revert(e) from None
        except HistoryError as e:
            raise RpcError(-32000, str(e)) from None

    def rpc_eth_estimateGas(self, obj, tag="pending"):
        a = self._call_args(obj)
        try:
            return hx(self.chain.estimate_gas(a["to"], a["data"], a["sender"], a["value"], a["gas"],
                                              _block_param(tag)))
        except TxError as e:
            raise RpcError(-32000, str(e)) from None
        except Revert as e:
            if e.reason and e.data == b"":
                raise RpcError(-32000, e.reason) from None
            raise self._revert(e) from None
        except HistoryError as e:
            raise RpcError(-32000, str(e)) from None

    def rpc_eth_sendRawTransaction(self, raw):
        try:
            return hb(self.chain.send_raw_transaction(_bytes(raw)))
        except TxError as e:
            raise RpcError(-32000, str(e)) from None

    def rpc_eth_getTransactionByHash(self, h):
        r = self.chain.transaction(_bytes(h))
        return None if r is None else self.fmt_tx(*r)

    def rpc_eth_getTransactionReceipt(self, h):
        r = self.chain.receipt(_bytes(h))
        return None if r is None else self.fmt_receipt(r)

    def rpc_eth_getBlockByNumber(self, tag, full=False):
        if tag in ("latest", "safe", "finalized"):
            stalled = self.faults.stalled_head()
            if stalled is not None:
                tag = stalled
        if tag == "pending":
            tag = "latest"
        b = self.chain.block(_block_param(tag) if not isinstance(tag, int) else tag)
        return None if b is None else self.fmt_block(b, bool(full))

    def rpc_eth_getBlockByHash(self, h, full=False):
        b = self.chain.block(_bytes(h))
        return None if b is None else self.fmt_block(b, bool(full))

    def rpc_eth_getBlockTransactionCountByNumber(self, tag):
        b = self.chain.block(_block_param(tag))
        return None if b is None else hx(len(b.txs))

    def rpc_eth_getLogs(self, flt):
        if not isinstance(flt, dict):
            raise RpcError(-32602, "invalid argument 0: expected a filter object")
        if flt.get("blockHash") and (flt.get("fromBlock") or flt.get("toBlock")):
            raise RpcError(-32602, "invalid argument 0: cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other")
        fb = _block_param(flt.get("fromBlock", "latest"))
        tb = _block_param(flt.get("toBlock", "latest"))
        n = self.chain.block_number
        fbn = n if isinstance(fb, str) and fb != "earliest" else (0 if fb == "earliest" else fb)
        tbn = n if isinstance(tb, str) and tb != "earliest" else (0 if tb == "earliest" else tb)
        if not flt.get("blockHash") and fbn > tbn:
            raise RpcError(-32602, "invalid block range params")
        try:
            logs = self.chain.logs(fbn, tbn, flt.get("address"), flt.get("topics"),
                                   block_hash=_bytes(flt["blockHash"]) if flt.get("blockHash") else None)
        except HistoryError as e:
            raise RpcError(-32000, str(e)) from None
        return [self.fmt_log(lg) for lg in logs]

    def rpc_eth_feeHistory(self, count, newest="latest", percentiles=None):
        fh = self.chain.fee_history(_int(count, "blockCount"), _block_param(newest), percentiles)
        out = {"oldestBlock": hx(fh["oldestBlock"]), "baseFeePerGas": [hx(x) for x in fh["baseFeePerGas"]],
               "gasUsedRatio": fh["gasUsedRatio"]}
        if "reward" in fh:
            out["reward"] = [[hx(x) for x in row] for row in fh["reward"]]
        return out

    def rpc_eth_maxPriorityFeePerGas(self):
        return hx(10**9)

    def rpc_eth_gasPrice(self):
        return hx(self.chain.next_base_fee() + 10**9)

    # ---- controls (anvil names)
    def rpc_evm_mine(self, arg=None):
        ts = None
        if isinstance(arg, dict):
            ts = arg.get("timestamp")
            blocks = _int(arg.get("blocks", 1))
        else:
            ts = arg
            blocks = 1
        try:
            self.chain.mine(blocks, _int(ts) if ts is not None else None)
        except ValueError as e:
            raise RpcError(-32000, str(e)) from None
        return "0x0"

    def rpc_anvil_mine(self, blocks=1, interval=None):
        n = _int(blocks) if blocks is not None else 1
        for _ in range(n):
            if interval is not None:
                self.chain.increase_time(_int(interval))
            self.chain.mine(1)
        return None

    def rpc_evm_increaseTime(self, seconds):
        return hx(self.chain.increase_time(_int(seconds)))

    def rpc_evm_setNextBlockTimestamp(self, ts):
        try:
            self.chain.set_next_block_timestamp(_int(ts))
        except ValueError as e:
            raise RpcError(-32000, str(e)) from None
        return None

    def rpc_evm_snapshot(self):
        return hx(self.chain.snapshot())

    def rpc_evm_revert(self, sid):
        return self.chain.revert(_int(sid))

    def rpc_evm_setAutomine(self, on):
        self.chain.automine = bool(on)
        if on and len(self.chain.pool):
            while len(self.chain.pool):
                before = len(self.chain.pool)
                self.chain.mine()
                if len(self.chain.pool) == before:
                    break
        return None

    def rpc_devnet_setAutomine(self, on):
        return self.rpc_evm_setAutomine(on)

    def rpc_anvil_setAutomine(self, on):
        return self.rpc_evm_setAutomine(on)

    def rpc_anvil_getAutomine(self):
        return self.chain.automine

    def rpc_anvil_setNextBlockBaseFeePerGas(self, fee):
        try:
            self.chain.set_next_block_base_fee(_int(fee))
        except ValueError as e:
            raise RpcError(-32000, str(e)) from None
        return None

    def rpc_anvil_setBalance(self, addr, wei):
        self.chain.set_balance(_a(addr), _int(wei))
        return None

    def rpc_anvil_setCode(self, addr, code):
        self.chain.set_code(_a(addr), _bytes(code))
        return None

    def rpc_anvil_setNonce(self, addr, nonce):
        self.chain.set_nonce(_a(addr), _int(nonce))
        return None

    def rpc_anvil_setStorageAt(self, addr, slot, value):
        self.chain.set_storage(_a(addr), _int(slot), _int(value))
        return True

    def rpc_devnet_txpoolContent(self):
        return {"pending": [hb(h) for h in self.chain.pool.by_hash]}

    def rpc_txpool_status(self):
        return {"pending": hx(len(self.chain.pool)), "queued": "0x0"}

    def rpc_devnet_setFault(self, spec):
        if not isinstance(spec, dict) or "kind" not in spec:
            raise RpcError(-32602, "devnet_setFault expects {\"kind\": ..., ...params}")
        params = {k: v for k, v in spec.items() if k != "kind"}
        try:
            return self.faults.set(spec["kind"], params, self.chain.block_number)
        except ValueError as e:
            raise RpcError(-32602, str(e)) from None

    def rpc_devnet_clearFaults(self):
        self.faults.clear()
        return True

    def rpc_devnet_faults(self):
        return self.faults.describe()

    def rpc_devnet_timings(self, options=None):
        """When each block was mined and each raw transaction arrived (server-side time.time()
        seconds; the last 10,000 of each), optionally only those at or after `since`:
        {"blocks": [{"number", "minedAt"}], "rawTransactions": [{"hash", "receivedAt"}]}."""
        since = 0.0
        if options is not None:
            if not isinstance(options, dict) or not isinstance(options.get("since", 0), (int, float)):
                raise RpcError(-32602, "devnet_timings expects no params or {\"since\": seconds}")
            since = float(options.get("since", 0))
        return self.timings.report(since)


def _envelope(req, api: Api, arrived: float):
    if not isinstance(req, dict) or not isinstance(req.get("method"), str):
        return {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "invalid request"}}
    rid = req.get("id")
    try:
        res = api.call(req["method"], req.get("params"))
        if req["method"] == "eth_sendRawTransaction":
            api.timings.received(res, arrived)
        return {"jsonrpc": "2.0", "id": rid, "result": res}
    except RpcError as e:
        err = {"code": e.code, "message": e.message}
        if e.data is not None:
            err["data"] = e.data
        return {"jsonrpc": "2.0", "id": rid, "error": err}
    except TypeError as e:
        return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32602, "message": f"invalid params: {e}"}}
    except Exception as e:  # noqa: BLE001 - report, keep serving
        return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32603, "message": f"internal error: {e!r}"}}


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
            413: "Payload Too Large", 429: "Too Many Requests", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


class _Handler(socketserver.StreamRequestHandler):
    server: "_TCPServer"

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _send(self, status: int, body: bytes, ctype=JSON, extra=b"", close=False):
        head = (f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(body)}\r\n").encode() + extra
        if close:
            head += b"Connection: close\r\n"
        self.wfile.write(head + b"\r\n" + body)
        self.wfile.flush()

    def handle(self):
        rfile = self.rfile
        srv = self.server.owner
        while True:
            try:
                line = rfile.readline(65537)
            except (ConnectionError, OSError):
                return
            if not line:
                return
            if line in (b"\r\n", b"\n"):
                continue
            parts = line.split()
            if len(parts) < 2:
                self._send(400, b"bad request line", "text/plain", close=True)
                return
            method, path = parts[0].decode("latin-1"), parts[1].decode("latin-1")
            length = 0
            chunked = expect = False
            keep = not line.rstrip().endswith(b"HTTP/1.0")
            while True:
                h = rfile.readline(65537)
                if h in (b"\r\n", b"\n", b""):
                    break
                k, _, v = h.partition(b":")
                k = k.strip().lower()
                if k == b"content-length":
                    length = int(v.strip())
                elif k == b"transfer-encoding":
                    chunked = b"chunked" in v.lower()
                elif k == b"expect":
                    expect = b"100-continue" in v.lower()
                elif k == b"connection":
                    lv = v.strip().lower()
                    if lv == b"close":
                        keep = False
                    elif lv == b"keep-alive":
                        keep = True
            if expect:
                self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            if chunked:
                parts = []
                while True:
                    size = int(rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                            pass
                        break
                    parts.append(rfile.read(size))
                    rfile.readline(3)
                body = b"".join(parts)
            else:
                body = rfile.read(length) if length else b""
            try:
                if not srv.dispatch(self, method, path.split("?", 1)[0], body, keep):
                    return
            except (ConnectionError, OSError):
                return
            if not keep:
                return


class _TCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class Server:
    """The devnet HTTP server: JSON-RPC at / (POST), extra routes via add_route."""

    def __init__(self, chain: Chain, host: str = "127.0.0.1", port: int = 0,
                 block_time: float | None = None):
        self.chain = chain
        self.faults = Faults()
        self.api = Api(chain, self.faults, block_time)
        self.routes = {}
        self.block_time = block_time
        self._tcp = _TCPServer((host, port), _Handler)
        self._tcp.owner = self
        self.host, self.port = self._tcp.server_address[:2]
        self._threads = []
        self._stop = threading.Event()
        if block_time:
            chain.automine = False

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def add_route(self, path: str, fn):
        """fn(body: bytes) -> (status, content_type, body bytes); served for POST and GET,
        called with the chain's lock held (revm is not thread-safe)."""
        self.routes[path.rstrip("/") or "/"] = fn

    def dispatch(self, h: _Handler, method: str, path: str, body: bytes, keep: bool) -> bool:
        p = path.rstrip("/") or "/"
        if p in self.routes and p != "/":
            try:
                with self.chain.lock:   # revm and the chain's journal are not thread-safe
                    status, ctype, out = self.routes[p](body)
            except Exception as e:  # noqa: BLE001
                status, ctype, out = 500, "text/plain", repr(e).encode()
            h._send(status, out, ctype, close=not keep)
            return True
        if method != "POST":
            h._send(405, b"devnet: POST JSON-RPC to /", "text/plain", close=not keep)
            return True
        arrived = time.time()
        try:
            req = json.loads(body)
        except ValueError:
            h._send(200, json.dumps({"jsonrpc": "2.0", "id": None, "error": {
                "code": -32700, "message": "parse error"}}).encode(), close=not keep)
            return True
        batch = isinstance(req, list)
        reqs = req if batch else [req]
        methods = [r.get("method") for r in reqs if isinstance(r, dict)]
        fault = self.faults.take(methods)
        if fault is not None:
            k, prm = fault.kind, fault.params
            if k == "delay":
                time.sleep(float(prm.get("ms", 200)) / 1000.0)
            elif k == "drop":
                try:
                    h.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return False
            elif k == "http429":
                h._send(429, b"Too Many Requests", "text/plain",
                        extra=f"Retry-After: {prm.get('retryAfter', 1)}\r\n".encode(), close=not keep)
                return True
            elif k == "http5xx":
                st = int(prm.get("status", 503))
                h._send(st, f"devnet injected HTTP {st}".encode(), "text/plain", close=not keep)
                return True
            elif k == "errorEnvelope":
                err = {"code": int(prm.get("code", -32000)), "message": prm.get("message", "devnet injected error")}
                outs = [{"jsonrpc": "2.0", "id": r.get("id") if isinstance(r, dict) else None, "error": err}
                        for r in reqs]
                h._send(200, json.dumps(outs if batch else outs[0]).encode(), close=not keep)
                return True
            elif k == "malformed":
                h._send(200, b'{"jsonrpc":"2.0","id":' + b'<<not json', close=not keep)
                return True
        if batch:
            if not reqs:
                out = {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "empty batch"}}
            else:
                out = [_envelope(r, self.api, arrived) for r in reqs]
        else:
            out = _envelope(req, self.api, arrived)
        h._send(200, json.dumps(out, separators=(",", ":")).encode(), close=not keep)
        return True

    def _miner(self):
        while not self._stop.wait(self.block_time):
            with self.chain.lock:
                before = self.chain.block_number
                self.chain.mine()
                self.api.timings.mined(before + 1, self.chain.block_number, time.time())

    def start(self):
        """Serve in background threads (returns at once)."""
        t = threading.Thread(target=self._tcp.serve_forever, kwargs={"poll_interval": 0.2},
                             name="devnet-http", daemon=True)
        t.start()
        self._threads.append(t)
        if self.block_time:
            m = threading.Thread(target=self._miner, name="devnet-miner", daemon=True)
            m.start()
            self._threads.append(m)
        return self

    def stop(self):
        self._stop.set()
        self._tcp.shutdown()
        self._tcp.server_close()
        for t in self._threads:
            t.join(timeout=5)
