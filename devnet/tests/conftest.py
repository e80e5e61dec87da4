"""Shared fixtures: a devnet server on a free loopback port, an RPC client, the dev accounts."""
import json
import os
import socket
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from devnet.chain import Chain, dev_accounts  # noqa: E402
from devnet.rpc import Server  # noqa: E402


class RpcClient:
    """A minimal JSON-RPC client over one keep-alive HTTP/1.1 connection."""

    def __init__(self, port: int):
        self.port = port
        self._id = 0
        self._connect()

    def _connect(self):
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        self.rf = self.sock.makefile("rb")

    def post_raw(self, body: bytes):
        """-> (status, headers dict, body bytes); reconnects if the server closed the socket."""
        for attempt in (0, 1):
            try:
                self.sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                  b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                status = self.rf.readline()
                if not status:
                    raise ConnectionError("closed")
                headers = {}
                while True:
                    h = self.rf.readline()
                    if h in (b"\r\n", b""):
                        break
                    k, _, v = h.decode().partition(":")
                    headers[k.strip().lower()] = v.strip()
                data = self.rf.read(int(headers.get("content-length", 0)))
                if headers.get("connection") == "close":
                    self.close()
                    self._connect()
                return int(status.split()[1]), headers, data
            except (ConnectionError, OSError):
                self.close()
                self._connect()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def request(self, method, *params):
        self._id += 1
        status, _, data = self.post_raw(json.dumps({"jsonrpc": "2.0", "id": self._id, "method": method,
                                                    "params": list(params)}).encode())
        assert status == 200, (status, data)
        return json.loads(data)

    def __call__(self, method, *params):
        r = self.request(method, *params)
        if "error" in r:
            raise RpcFailure(r["error"])
        return r["result"]

    def close(self):
        try:
            self.rf.close()
            self.sock.close()
        except OSError:
            pass


class RpcFailure(Exception):
    def __init__(self, err):
        super().__init__(err.get("message"))
        self.code, self.message, self.data = err.get("code"), err.get("message"), err.get("data")


@pytest.fixture(scope="session")
def server():
    srv = Server(Chain(chain_id=31337), "127.0.0.1", 0).start()
    yield srv
    srv.stop()


@pytest.fixture()
def rpc(server):
    """An RPC client; every test runs inside evm_snapshot/evm_revert and with faults cleared."""
    c = RpcClient(server.port)
    sid = c("evm_snapshot")
    yield c
    c("devnet_clearFaults")
    c("evm_setAutomine", True)
    assert c("evm_revert", sid) is True
    c.close()


@pytest.fixture(scope="session")
def accounts():
    """[(checksum address, private key hex)] of the 10 funded dev accounts."""
    return dev_accounts()


def wait_until(pred, timeout=10.0, interval=0.02):
    """Poll `pred` until truthy or the deadline passes (no fixed sleeps in tests)."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        time.sleep(interval)
