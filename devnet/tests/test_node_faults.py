"""Each fault switch does what it says; control methods stay exempt; faults clear."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import RpcClient, wait_until


def test_delay(rpc):
    rpc("devnet_setFault", {"kind": "delay", "ms": 300, "count": 1})
    t = time.monotonic()
    assert rpc("eth_chainId") == "0x7a69"
    assert time.monotonic() - t >= 0.3
    t = time.monotonic()
    rpc("eth_chainId")
    assert time.monotonic() - t < 0.3


def test_drop_closes_the_connection_without_answer(rpc, server):
    rpc("devnet_setFault", {"kind": "drop", "count": 1})
    c = RpcClient(server.port)
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}).encode()
    c.sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    assert c.rf.readline() == b""          # closed, nothing sent
    c.close()
    assert rpc("eth_chainId") == "0x7a69"   # count 1: next request is served


@pytest.mark.parametrize("kind,status", [("http429", 429), ("http5xx", 503)])
def test_http_status_faults(rpc, kind, status):
    rpc("devnet_setFault", {"kind": kind, "count": 2})
    for _ in range(2):
        st, headers, _ = rpc.post_raw(b'{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}')
        assert st == status
        if kind == "http429":
            assert headers["retry-after"] == "1"
    st, _, _ = rpc.post_raw(b'{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}')
    assert st == 200


def test_http5xx_custom_status_and_method_filter(rpc):
    rpc("devnet_setFault", {"kind": "http5xx", "status": 502, "methods": ["eth_call"]})
    st, _, _ = rpc.post_raw(b'{"jsonrpc":"2.0","id":1,"method":"eth_call","params":[{"to":"0x'
                            + b"00" * 20 + b'"},"latest"]}')
    assert st == 502
    assert rpc("eth_chainId") == "0x7a69"


def test_error_envelope_inside_http_200(rpc):
    rpc("devnet_setFault", {"kind": "errorEnvelope", "code": -32005, "message": "limit exceeded"})
    r = rpc.request("eth_blockNumber")
    assert r["error"] == {"code": -32005, "message": "limit exceeded"} and r["id"] == rpc._id
    assert rpc("devnet_faults")["faults"][0]["kind"] == "errorEnvelope"   # control methods exempt
    rpc("devnet_clearFaults")
    assert rpc("eth_blockNumber").startswith("0x")


def test_malformed_body(rpc):
    rpc("devnet_setFault", {"kind": "malformed", "count": 1})
    st, _, body = rpc.post_raw(b'{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}')
    assert st == 200
    with pytest.raises(ValueError):
        json.loads(body)


def test_stalled_head_while_the_chain_moves_on(rpc):
    n = rpc("eth_blockNumber")
    rpc("devnet_setFault", {"kind": "stallHead"})
    rpc("evm_mine")
    rpc("evm_mine")
    assert rpc("eth_blockNumber") == n
    assert rpc("eth_getBlockByNumber", "latest", False)["number"] == n
    assert rpc("eth_getBlockByNumber", hex(int(n, 16) + 2), False)["number"] == hex(int(n, 16) + 2)
    rpc("devnet_clearFaults")
    assert rpc("eth_blockNumber") == hex(int(n, 16) + 2)


def test_unknown_fault_kind_is_refused(rpc):
    r = rpc.request("devnet_setFault", {"kind": "gremlins"})
    assert r["error"]["code"] == -32602 and "unknown fault kind" in r["error"]["message"]


def test_run_script_serves_on_a_free_port_and_stops_on_sigterm(tmp_path):
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    pf = tmp_path / "port"
    env = dict(os.environ, PYTHONPATH=here)
    p = subprocess.Popen([sys.executable, "-m", "devnet", "--port", "0", "--port-file", str(pf),
                          "--chain-id", "4242"], env=env, stdout=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: pf.exists(), timeout=60)
        c = RpcClient(int(pf.read_text()))
        assert c("eth_chainId") == hex(4242) and c("net_version") == "4242"
        c.close()
    finally:
        p.send_signal(signal.SIGTERM)
        out, _ = p.communicate(timeout=20)
    assert p.returncode == 0
    assert "listening on http://127.0.0.1:" in out


def test_run_with_a_scenario_writes_its_manifest(tmp_path):
    import re
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.exists(os.path.join(here, "devnet", "scenarios", "__init__.py")):
        pytest.skip("no scenarios module yet")
    pf, mf = tmp_path / "port", tmp_path / "manifest.json"
    env = dict(os.environ, PYTHONPATH=here)
    p = subprocess.Popen([sys.executable, "-m", "devnet", "--port", "0", "--port-file", str(pf),
                          "--scenario", "aave-10", "--manifest", str(mf)], env=env,
                         stdout=subprocess.DEVNULL)
    try:
        wait_until(lambda: pf.exists(), timeout=120)
        manifest = json.loads(mf.read_text())
        addrs = set(re.findall(r"0x[0-9a-fA-F]{40}", json.dumps(manifest)))
        c = RpcClient(int(pf.read_text()))
        with_code = [a for a in addrs if c("eth_getCode", a, "latest") != "0x"]
        assert len(with_code) >= 3       # the scenario's contracts are deployed on the served chain
        assert int(c("eth_blockNumber"), 16) > 0
        c.close()
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=20)
    assert p.returncode == 0


def test_exit_with_parent_stops_when_its_starter_is_gone(tmp_path):
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    pf = tmp_path / "port"
    env = dict(os.environ, PYTHONPATH=here)
    # A shell starts the devnet in the background, waits until it listens, and exits: the
    # devnet is re-parented, as when a crashed test run leaves it behind.
    script = (f'"{sys.executable}" -m devnet --port 0 --port-file "{pf}" --quiet --exit-with-parent '
              f'>/dev/null 2>&1 & echo $!; while [ ! -f "{pf}" ]; do sleep 0.05; done')
    out = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, timeout=120)
    pid = int(out.stdout.strip())

    def gone():
        try:
            with open(f"/proc/{pid}/status") as f:
                return any(line.startswith("State:") and "Z" in line.split()[1] for line in f)
        except FileNotFoundError:
            return True
    try:
        wait_until(gone, timeout=20)
    finally:
        if not gone():
            os.kill(pid, signal.SIGKILL)
