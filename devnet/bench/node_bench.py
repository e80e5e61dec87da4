"""Node speed: eth_sendRawTransaction with automine off (then mined), and eth_call, over one
keep-alive HTTP/1.1 connection (http.client). Starts the devnet as a separate process on a free port.

    .venv/bin/python devnet/bench/node_bench.py [--txs 4000] [--calls 10000]
"""
import argparse
import http.client
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from eth_account import Account  # noqa: E402

from devnet.chain import MULTICALL3_ADDRESS, dev_accounts  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--txs", type=int, default=4000)
    ap.add_argument("--calls", type=int, default=10000)
    ap.add_argument("--client", choices=["raw", "httpclient"], default="raw",
                    help="raw: minimal keep-alive HTTP/1.1 socket client; httpclient: http.client")
    a = ap.parse_args()
    import subprocess
    import tempfile
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    pf = os.path.join(tempfile.mkdtemp(), "port")
    proc = subprocess.Popen([sys.executable, "-m", "devnet", "--port", "0", "--port-file", pf, "--quiet"],
                            cwd=here, stdout=subprocess.DEVNULL)
    deadline = time.time() + 60
    while not os.path.exists(pf):
        if time.time() > deadline or proc.poll() is not None:
            raise SystemExit("devnet did not start")
        time.sleep(0.05)
    port = int(open(pf).read())
    rid = [0]
    if a.client == "httpclient":
        conn = http.client.HTTPConnection("127.0.0.1", port)

        def post(body: bytes) -> bytes:
            conn.request("POST", "/", body, {"Content-Type": "application/json"})
            return conn.getresponse().read()
    else:  # a lean HTTP/1.1 keep-alive client on one socket (http.client's header parsing
        # costs more than the devnet's whole request handling)
        import socket
        conn = socket.create_connection(("127.0.0.1", port))
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        rf = conn.makefile("rb")

        def post(body: bytes) -> bytes:
            conn.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            status = rf.readline()
            if b" 200 " not in status:
                raise RuntimeError(status)
            ln = 0
            while True:
                h = rf.readline()
                if h in (b"\r\n", b""):
                    break
                if h[:15].lower() == b"content-length:":
                    ln = int(h[15:])
            return rf.read(ln)

    def rpc(method, params):
        rid[0] += 1
        r = json.loads(post(json.dumps({"jsonrpc": "2.0", "id": rid[0], "method": method,
                                        "params": params}).encode()))
        if "error" in r:
            raise RuntimeError(r["error"])
        return r["result"]

    keys = [k for _, k in dev_accounts()]
    to = "0x000000000000000000000000000000000000dEaD"
    raws = []
    per = a.txs // len(keys)
    for k in keys:
        acct = Account.from_key(k)
        for n in range(per):
            raws.append(acct.sign_transaction(dict(type=2, chainId=31337, nonce=n, to=to, value=1, gas=21000,
                                                   maxFeePerGas=10**11, maxPriorityFeePerGas=10**9)
                                              ).raw_transaction.hex())
    raws = ["0x" + r if not r.startswith("0x") else r for r in raws]
    rpc("evm_setAutomine", [False])
    b0 = int(rpc("eth_blockNumber", []), 16)
    t0 = time.perf_counter()
    for r in raws:
        rpc("eth_sendRawTransaction", [r])
    t1 = time.perf_counter()
    while rpc("txpool_status", [])["pending"] != "0x0":
        rpc("evm_mine", [])
    t2 = time.perf_counter()
    b1 = int(rpc("eth_blockNumber", []), 16)
    bal = int(rpc("eth_getBalance", [to, "latest"]), 16)
    assert bal == len(raws), (bal, len(raws))
    n = len(raws)
    print(f"[client={a.client}] sendRawTransaction: {n} txs accepted in {t1 - t0:.3f}s = {n / (t1 - t0):.0f} tx/s; "
          f"mined in {b1 - b0} blocks in {t2 - t1:.3f}s; end to end {n / (t2 - t0):.0f} tx/s")
    data = "0x42cbb15c"  # Multicall3.getBlockNumber()
    t0 = time.perf_counter()
    for _ in range(a.calls):
        rpc("eth_call", [{"to": MULTICALL3_ADDRESS, "data": data}, "latest"])
    t1 = time.perf_counter()
    print(f"[client={a.client}] eth_call: {a.calls} calls in {t1 - t0:.3f}s = {a.calls / (t1 - t0):.0f} calls/s")
    # Multicall3.aggregate3 of 1,000 view calls (Counter.counter()) in one eth_call
    sys.path.insert(0, os.path.join(here, "tests"))
    from helpers import call_data, counter
    acct = Account.from_key(keys[0])
    raw = acct.sign_transaction(dict(type=2, chainId=31337, nonce=int(rpc("eth_getTransactionCount", [
        acct.address, "pending"]), 16), gas=2_000_000, value=0, data=counter()[0], maxFeePerGas=10**11,
        maxPriorityFeePerGas=10**9)).raw_transaction
    rpc("eth_sendRawTransaction", ["0x" + raw.hex().removeprefix("0x")])
    rpc("evm_mine", [])
    target = rpc("eth_getTransactionReceipt", ["0x" + __import__("eth_utils").keccak(raw).hex()])["contractAddress"]
    calls = [(target, True, call_data("counter()", [], []))] * 1000
    agg = "0x" + call_data("aggregate3((address,bool,bytes)[])", ["(address,bool,bytes)[]"], [calls]).hex()
    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        rpc("eth_call", [{"to": MULTICALL3_ADDRESS, "data": agg}, "latest"])
        times.append(time.perf_counter() - t0)
    times.sort()
    print(f"[client={a.client}] aggregate3 of 1,000 view calls: median {times[10] * 1000:.1f} ms, "
          f"max {times[-1] * 1000:.1f} ms (20 runs)")
    conn.close()
    proc.terminate()
    proc.wait(timeout=10)


if __name__ == "__main__":
    main()
