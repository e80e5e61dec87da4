"""The node over JSON-RPC: signed txs of all three types, receipts, fees, reverts, validity,
replacement, base fee, snapshots, batches, logs, Multicall3, historical reads."""
import json

import pytest
from eth_abi import decode as abi_decode
from eth_account import Account
from eth_utils import to_checksum_address

from devnet.chain import MULTICALL3_ADDRESS, next_base_fee
from helpers import BURNER, COLD_READER, RAW_REVERTER, call_data, counter, initcode_for

DEAD = "0x000000000000000000000000000000000000dEaD"


def sign(key, **tx):
    tx.setdefault("chainId", 31337)
    if tx.get("to"):
        tx["to"] = to_checksum_address(tx["to"])
    return "0x" + Account.from_key(key).sign_transaction(tx).raw_transaction.hex().removeprefix("0x")


def send(rpc, key, **tx):
    return rpc("eth_sendRawTransaction", sign(key, **tx))


def nonce(rpc, addr, tag="pending"):
    return int(rpc("eth_getTransactionCount", addr, tag), 16)


def deploy(rpc, key, initcode, gas=3_000_000):
    addr = Account.from_key(key).address
    raw = Account.from_key(key).sign_transaction(dict(
        type=2, chainId=31337, nonce=nonce(rpc, addr), value=0, gas=gas, data=initcode,
        maxFeePerGas=10**11, maxPriorityFeePerGas=10**9)).raw_transaction
    h = rpc("eth_sendRawTransaction", "0x" + raw.hex().removeprefix("0x"))
    r = rpc("eth_getTransactionReceipt", h)
    assert r["status"] == "0x1", r
    return r["contractAddress"]


@pytest.mark.parametrize("kind", ["eip1559", "legacy", "eip2930"])
def test_signed_tx_of_each_type_is_mined_and_charged(rpc, accounts, kind):
    addr, key = accounts[1]
    n = nonce(rpc, addr)
    before = int(rpc("eth_getBalance", addr, "latest"), 16)
    cb_before = int(rpc("eth_getBalance", "0x" + "00" * 20, "latest"), 16)
    base = int(rpc("eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16)
    nb = next_base_fee(base, int(rpc("eth_getBlockByNumber", "latest", False)["gasUsed"], 16), 30_000_000)
    if kind == "eip1559":
        tx = dict(type=2, nonce=n, to=DEAD, value=12345, gas=21000, maxFeePerGas=nb + 5 * 10**9,
                  maxPriorityFeePerGas=2 * 10**9)
        price, tip = nb + 2 * 10**9, 2 * 10**9
    elif kind == "legacy":
        tx = dict(nonce=n, to=DEAD, value=12345, gas=21000, gasPrice=nb + 3 * 10**9)
        price, tip = nb + 3 * 10**9, 3 * 10**9
    else:
        tx = dict(type=1, nonce=n, to=DEAD, value=12345, gas=30000, gasPrice=nb + 10**9,
                  accessList=[{"address": DEAD, "storageKeys": ["0x" + "00" * 31 + "01"]}])
        price, tip = nb + 10**9, 10**9
    h = send(rpc, key, **tx)
    r = rpc("eth_getTransactionReceipt", h)
    assert r["status"] == "0x1"
    used = int(r["gasUsed"], 16)
    assert used == (21000 if kind != "eip2930" else 21000 + 2400 + 1900)
    assert int(r["effectiveGasPrice"], 16) == price
    assert r["cumulativeGasUsed"] == r["gasUsed"] and r["transactionIndex"] == "0x0"
    assert r["from"] == addr.lower() and r["to"] == DEAD.lower()
    assert int(rpc("eth_getBalance", addr, "latest"), 16) == before - 12345 - used * price
    assert int(rpc("eth_getBalance", "0x" + "00" * 20, "latest"), 16) == cb_before + used * tip
    t = rpc("eth_getTransactionByHash", h)
    assert t["hash"] == h and t["blockNumber"] == r["blockNumber"] and int(t["type"], 16) == tx.get("type", 0)
    blk = rpc("eth_getBlockByHash", r["blockHash"], True)
    assert blk["transactions"][0]["hash"] == h and int(blk["baseFeePerGas"], 16) == nb
    assert rpc("eth_getBlockByNumber", r["blockNumber"], False)["transactions"] == [h]
    assert nonce(rpc, addr, "latest") == n + 1


def test_eth_call_returns_revert_data_like_geth(rpc, accounts):
    _, key = accounts[0]
    raw = deploy(rpc, key, initcode_for(RAW_REVERTER))
    r = rpc.request("eth_call", {"to": raw, "data": "0x"}, "latest")
    assert r["error"] == {"code": 3, "message": "execution reverted", "data": "0x" + "00" * 31 + "aa"}
    initcode, _ = counter()
    c = deploy(rpc, key, initcode)
    r = rpc.request("eth_call", {"to": c, "data": "0x" + call_data("bump(uint256)", ["uint256"], [13]).hex()})
    assert r["error"]["code"] == 3 and r["error"]["message"] == "execution reverted: unlucky"
    data = bytes.fromhex(r["error"]["data"][2:])
    assert data[:4] == bytes.fromhex("08c379a0") and abi_decode(["string"], data[4:]) == ("unlucky",)
    r = rpc.request("eth_estimateGas", {"to": c, "data": "0x" + call_data("bump(uint256)", ["uint256"], [13]).hex()})
    assert r["error"]["code"] == 3 and r["error"]["data"] == "0x" + data.hex()
    ok = rpc("eth_call", {"to": c, "data": "0x" + call_data("counter()", [], []).hex()})
    assert int(ok, 16) == 0


def test_estimate_gas_is_enough_and_tight(rpc, accounts):
    addr, key = accounts[0]
    c = deploy(rpc, key, counter()[0])
    data = "0x" + call_data("bump(uint256)", ["uint256"], [5]).hex()
    est = int(rpc("eth_estimateGas", {"from": addr, "to": c, "data": data}), 16)
    h = send(rpc, key, type=2, nonce=nonce(rpc, addr), to=c, value=0, gas=est, data=data,
             maxFeePerGas=10**11, maxPriorityFeePerGas=10**9)
    r = rpc("eth_getTransactionReceipt", h)
    assert r["status"] == "0x1" and int(r["gasUsed"], 16) <= est <= int(r["gasUsed"], 16) * 1.1


@pytest.mark.parametrize("change,message", [
    (dict(chainId=1), "invalid chain id for signer"),
    (dict(nonce=-1), "nonce too low"),
    (dict(nonce=+1), "nonce too high"),
    (dict(maxFeePerGas=1, maxPriorityFeePerGas=1), "max fee per gas less than block base fee"),
    (dict(value=10**40), "insufficient funds for gas * price + value"),
    (dict(gas=20999), "intrinsic gas too low"),
    (dict(gas=30_000_001), "exceeds block gas limit"),
])
def test_invalid_transactions_are_refused_with_geths_messages(rpc, accounts, change, message):
    addr, key = accounts[2]
    send(rpc, key, type=2, nonce=nonce(rpc, addr), to=DEAD, value=1, gas=21000, maxFeePerGas=10**11,
         maxPriorityFeePerGas=10**9)  # make "nonce too low" possible
    n = nonce(rpc, addr)
    tx = dict(type=2, nonce=n, to=DEAD, value=1, gas=21000, maxFeePerGas=10**11, maxPriorityFeePerGas=10**9)
    if "nonce" in change:
        tx["nonce"] = n + change["nonce"]
    else:
        tx.update(change)
    if tx["chainId"] if "chainId" in tx else False:
        raw = "0x" + Account.from_key(key).sign_transaction(tx).raw_transaction.hex().removeprefix("0x")
    else:
        raw = sign(key, **tx)
    r = rpc.request("eth_sendRawTransaction", raw)
    assert r["error"]["code"] == -32000
    assert r["error"]["message"].startswith(message), r["error"]
    assert nonce(rpc, addr) == n


def test_replacement_needs_ten_percent_on_both_fees(rpc, accounts):
    addr, key = accounts[3]
    rpc("evm_setAutomine", False)
    n = nonce(rpc, addr)
    base = dict(type=2, nonce=n, to=DEAD, value=1, gas=21000)
    h1 = send(rpc, key, maxFeePerGas=100 * 10**9, maxPriorityFeePerGas=10 * 10**9, **base)
    assert rpc("eth_getTransactionReceipt", h1) is None           # held in the pool
    assert rpc("eth_getTransactionByHash", h1)["blockNumber"] is None
    assert nonce(rpc, addr, "pending") == n + 1 and nonce(rpc, addr, "latest") == n
    for fee, tip in [(109 * 10**9, 11 * 10**9), (110 * 10**9, 10_900_000_000), (200 * 10**9, 10 * 10**9)]:
        r = rpc.request("eth_sendRawTransaction", sign(key, maxFeePerGas=fee, maxPriorityFeePerGas=tip, **base))
        assert r["error"]["message"] == "replacement transaction underpriced"
    h2 = send(rpc, key, maxFeePerGas=110 * 10**9, maxPriorityFeePerGas=11 * 10**9, **base)
    assert rpc("eth_getTransactionByHash", h1) is None
    rpc("evm_mine")
    r = rpc("eth_getTransactionReceipt", h2)
    assert r["status"] == "0x1" and int(r["effectiveGasPrice"], 16) > 0
    assert nonce(rpc, addr, "latest") == n + 1


def test_a_base_fee_above_the_fee_cap_holds_a_transaction_until_it_is_replaced(rpc, accounts):
    # anvil_setNextBlockBaseFeePerGas sets one block's base fee; EIP-1559 goes on from there.
    addr, key = accounts[5]
    rpc("evm_setAutomine", False)
    n = nonce(rpc, addr)
    tx = dict(type=2, nonce=n, to=DEAD, value=1, gas=21000, maxPriorityFeePerGas=10**9)
    h1 = send(rpc, key, maxFeePerGas=10 * 10**9, **tx)
    rpc("anvil_setNextBlockBaseFeePerGas", hex(20 * 10**9))
    assert int(rpc("eth_gasPrice"), 16) == 21 * 10**9       # the set fee is the next one
    rpc("evm_mine")
    b1 = rpc("eth_getBlockByNumber", "latest", False)
    assert int(b1["baseFeePerGas"], 16) == 20 * 10**9
    assert rpc("eth_getTransactionByHash", h1)["blockNumber"] is None   # held: cap < base fee
    rpc("evm_mine")                                        # empty: falls by 1/8, still above
    assert int(rpc("eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16) == 17_500_000_000
    assert rpc("eth_getTransactionByHash", h1)["blockNumber"] is None
    r = rpc.request("eth_sendRawTransaction", sign(key, maxFeePerGas=12 * 10**9, **dict(tx, maxPriorityFeePerGas=2 * 10**9)))
    assert "max fee per gas less than block base fee" in r["error"]["message"]
    h2 = send(rpc, key, maxFeePerGas=40 * 10**9, **dict(tx, maxPriorityFeePerGas=2 * 10**9))
    rpc("evm_mine")
    assert rpc("eth_getTransactionByHash", h1) is None
    assert rpc("eth_getTransactionReceipt", h2)["status"] == "0x1"
    assert nonce(rpc, addr, "latest") == n + 1
    r = rpc.request("anvil_setNextBlockBaseFeePerGas", "-0x1")
    assert "error" in r


def test_base_fee_follows_eip1559(rpc, accounts):
    addr, key = accounts[4]
    burner = deploy(rpc, key, initcode_for(BURNER))
    rpc("evm_mine")
    b0 = rpc("eth_getBlockByNumber", "latest", False)
    base0 = int(b0["baseFeePerGas"], 16)
    rpc("evm_mine")  # empty block: next base fee falls by 1/8
    b1 = rpc("eth_getBlockByNumber", "latest", False)
    assert int(b1["baseFeePerGas"], 16) == base0 - base0 // 8
    # a block full to 29M (> 15M target) raises it
    send(rpc, key, type=2, nonce=nonce(rpc, addr), to=burner, value=0, gas=29_000_000,
         maxFeePerGas=10**12, maxPriorityFeePerGas=1)
    b2 = rpc("eth_getBlockByNumber", "latest", False)
    assert b2["gasUsed"] == hex(29_000_000)
    rpc("evm_mine")
    b3 = rpc("eth_getBlockByNumber", "latest", False)
    base2 = int(b2["baseFeePerGas"], 16)
    assert int(b3["baseFeePerGas"], 16) == base2 + base2 * (29_000_000 - 15_000_000) // 15_000_000 // 8
    fh = rpc("eth_feeHistory", "0x4", "latest", [50])
    assert fh["oldestBlock"] == hex(int(b3["number"], 16) - 3)
    assert len(fh["baseFeePerGas"]) == 5 and fh["baseFeePerGas"][-2] == b3["baseFeePerGas"]
    assert fh["gasUsedRatio"][-2] == pytest.approx(29 / 30) and fh["reward"][-2] == ["0x1"]
    assert int(rpc("eth_gasPrice"), 16) > 0 and rpc("eth_maxPriorityFeePerGas") == hex(10**9)


def test_accounts_and_slots_are_cold_again_in_every_transaction(rpc, accounts):
    addr, key = accounts[5]
    c = deploy(rpc, key, initcode_for(COLD_READER))
    used = []
    for _ in range(3):
        h = send(rpc, key, type=2, nonce=nonce(rpc, addr), to=c, value=0, gas=100000,
                 maxFeePerGas=10**11, maxPriorityFeePerGas=10**9)
        used.append(int(rpc("eth_getTransactionReceipt", h)["gasUsed"], 16))
    # 21000 + PUSH 3 + cold SLOAD 2100 + POP 2 + PUSH20 3 + cold BALANCE 2600 + POP 2
    assert used == [25710] * 3
    # an access list warms its entries for its own tx only (2400 + 1900 paid, SLOAD 100)
    al = [{"address": to_checksum_address(c), "storageKeys": ["0x" + "00" * 32]}]
    h = send(rpc, key, type=2, nonce=nonce(rpc, addr), to=c, value=0, gas=100000, accessList=al,
             maxFeePerGas=10**11, maxPriorityFeePerGas=10**9)
    assert int(rpc("eth_getTransactionReceipt", h)["gasUsed"], 16) == 21000 + 2400 + 1900 + 3 + 100 + 2 + 3 + 2600 + 2
    h = send(rpc, key, type=2, nonce=nonce(rpc, addr), to=c, value=0, gas=100000,
             maxFeePerGas=10**11, maxPriorityFeePerGas=10**9)
    assert int(rpc("eth_getTransactionReceipt", h)["gasUsed"], 16) == 25710
    rpc("anvil_setStorageAt", c, "0x0", "0x" + "%064x" % 5)   # no stale cached slot either
    assert int(rpc("eth_getStorageAt", c, "0x0", "latest"), 16) == 5


def test_snapshot_and_revert(rpc, accounts):
    addr, key = accounts[6]
    n0 = int(rpc("eth_blockNumber"), 16)
    sid = rpc("evm_snapshot")
    h = send(rpc, key, type=2, nonce=nonce(rpc, addr), to=DEAD, value=777, gas=21000,
             maxFeePerGas=10**11, maxPriorityFeePerGas=10**9)
    rpc("anvil_setBalance", DEAD, hex(5))
    rpc("anvil_setStorageAt", DEAD, "0x1", "0x" + "00" * 31 + "09")
    rpc("evm_mine")
    assert int(rpc("eth_blockNumber"), 16) == n0 + 2
    assert rpc("evm_revert", sid) is True
    assert int(rpc("eth_blockNumber"), 16) == n0
    assert rpc("eth_getTransactionReceipt", h) is None
    assert int(rpc("eth_getBalance", DEAD, "latest"), 16) == 0
    assert int(rpc("eth_getStorageAt", DEAD, "0x1", "latest"), 16) == 0
    assert rpc("evm_revert", sid) is False   # a snapshot is used once
    h2 = send(rpc, key, type=2, nonce=nonce(rpc, addr), to=DEAD, value=1, gas=21000,
              maxFeePerGas=10**11, maxPriorityFeePerGas=10**9)
    assert rpc("eth_getTransactionReceipt", h2)["blockNumber"] == hex(n0 + 1)


def test_time_controls(rpc):
    t0 = int(rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16)
    rpc("evm_increaseTime", 3600)
    rpc("evm_mine")
    t1 = int(rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16)
    assert t1 >= t0 + 3600
    rpc("evm_setNextBlockTimestamp", t1 + 10_000)
    rpc("evm_mine")
    assert int(rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16) == t1 + 10_000
    rpc("evm_mine", t1 + 20_000)
    assert int(rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16) == t1 + 20_000
    r = rpc.request("evm_mine", t1)
    assert r["error"]["code"] == -32000 and "must be greater" in r["error"]["message"]


def test_batches_answer_each_request_in_order(rpc):
    status, _, body = rpc.post_raw(json.dumps([
        {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"},
        {"jsonrpc": "2.0", "id": "two", "method": "no_suchMethod"},
        {"jsonrpc": "2.0", "id": 3, "method": "net_version"},
        {"jsonrpc": "2.0", "id": 4, "method": "eth_getBalance", "params": [DEAD, "latest"]},
    ]).encode())
    out = json.loads(body)
    assert status == 200 and [o["id"] for o in out] == [1, "two", 3, 4]
    assert out[0]["result"] == "0x7a69" and out[2]["result"] == "31337" and out[3]["result"] == "0x0"
    assert out[1]["error"]["code"] == -32601
    assert rpc("web3_clientVersion").startswith("devnet/")


def test_get_logs_filters_by_address_topics_and_range(rpc, accounts):
    addr, key = accounts[7]
    c1 = deploy(rpc, key, counter()[0])
    c2 = deploy(rpc, key, counter()[0])
    blocks = []
    for c, x in [(c1, 1), (c2, 2), (c1, 3), (c1, 13)]:
        data = call_data("bump(uint256)", ["uint256"], [x])
        h = send(rpc, key, type=2, nonce=nonce(rpc, addr), to=c, value=0, gas=200000, data=data,
                 maxFeePerGas=10**11, maxPriorityFeePerGas=10**9)
        blocks.append(int(rpc("eth_getTransactionReceipt", h)["blockNumber"], 16))
    topic0 = rpc("eth_getTransactionReceipt", h)  # the reverted one: no logs
    assert topic0["status"] == "0x0" and topic0["logs"] == []
    lo, hi = hex(blocks[0]), hex(blocks[-1])
    all_logs = rpc("eth_getLogs", {"fromBlock": lo, "toBlock": hi})
    assert len(all_logs) == 3
    sig = all_logs[0]["topics"][0]
    assert rpc("eth_getLogs", {"fromBlock": lo, "toBlock": hi, "address": c1}) == [all_logs[0], all_logs[2]]
    assert rpc("eth_getLogs", {"fromBlock": lo, "toBlock": hi, "address": [c1, c2]}) == all_logs
    tag3 = "0x" + "%064x" % 3
    assert rpc("eth_getLogs", {"fromBlock": lo, "toBlock": hi, "topics": [sig, None, tag3]}) == [all_logs[2]]
    tag2 = "0x" + "%064x" % 2
    assert rpc("eth_getLogs", {"fromBlock": lo, "toBlock": hi, "topics": [None, None, [tag2, tag3]]}) == all_logs[1:]
    assert rpc("eth_getLogs", {"fromBlock": hex(blocks[1]), "toBlock": hex(blocks[1])}) == [all_logs[1]]
    lg = all_logs[2]
    assert int(lg["blockNumber"], 16) == blocks[2] and lg["logIndex"] == "0x0" and lg["address"] == c1.lower()
    assert abi_decode(["uint256"], bytes.fromhex(lg["data"][2:])) == (4,)
    assert rpc("eth_getLogs", {"blockHash": lg["blockHash"]}) == [lg]
    r = rpc.request("eth_getLogs", {"fromBlock": hi, "toBlock": lo})
    assert r["error"]["code"] == -32602


def test_multicall3_is_at_its_canonical_address(rpc, accounts):
    code = rpc("eth_getCode", MULTICALL3_ADDRESS, "latest")
    assert len(code) == 2 + 2 * 3808
    n = int(rpc("eth_blockNumber"), 16)
    out = rpc("eth_call", {"to": MULTICALL3_ADDRESS, "data": "0x42cbb15c"}, "latest")
    assert int(out, 16) == n
    addr, key = accounts[8]
    c = deploy(rpc, key, counter()[0])
    calls = [(c, False, call_data("counter()", [], [])),
             (MULTICALL3_ADDRESS, False, call_data("getEthBalance(address)", ["address"], [addr])),
             (c, True, call_data("bump(uint256)", ["uint256"], [13]))]
    data = call_data("aggregate3((address,bool,bytes)[])", ["(address,bool,bytes)[]"], [calls])
    out = bytes.fromhex(rpc("eth_call", {"to": MULTICALL3_ADDRESS, "data": "0x" + data.hex()})[2:])
    (res,) = abi_decode(["(bool,bytes)[]"], out)
    assert res[0] == (True, (0).to_bytes(32, "big"))
    assert res[1][0] and int.from_bytes(res[1][1], "big") == int(rpc("eth_getBalance", addr, "latest"), 16)
    assert res[2][0] is False and res[2][1][:4] == bytes.fromhex("08c379a0")
    ts = rpc("eth_call", {"to": MULTICALL3_ADDRESS, "data": "0x0f28c97d"})
    assert int(ts, 16) == int(rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16)


def test_state_at_historical_block_numbers(rpc, accounts):
    addr, key = accounts[9]
    c = deploy(rpc, key, counter()[0])
    n_before = int(rpc("eth_blockNumber"), 16)
    bal_before = rpc("eth_getBalance", addr, hex(n_before))
    send(rpc, key, type=2, nonce=nonce(rpc, addr), to=c, value=0, gas=200000,
         data=call_data("bump(uint256)", ["uint256"], [41]), maxFeePerGas=10**11, maxPriorityFeePerGas=10**9)
    send(rpc, key, type=2, nonce=nonce(rpc, addr), to=c, value=0, gas=200000,
         data=call_data("bump(uint256)", ["uint256"], [1]), maxFeePerGas=10**11, maxPriorityFeePerGas=10**9)
    q = {"to": c, "data": "0x" + call_data("counter()", [], []).hex()}
    assert int(rpc("eth_call", q, hex(n_before)), 16) == 0
    assert int(rpc("eth_call", q, hex(n_before + 1)), 16) == 41
    assert int(rpc("eth_call", q, "latest"), 16) == 42
    assert int(rpc("eth_getStorageAt", c, "0x0", hex(n_before + 1)), 16) == 41
    assert rpc("eth_getBalance", addr, hex(n_before)) == bal_before
    assert rpc("eth_getTransactionCount", addr, hex(n_before)) != rpc("eth_getTransactionCount", addr, "latest")
    assert int(rpc("eth_call", q, "latest"), 16) == 42   # the rewind left no trace
    head = rpc("eth_blockNumber")
    rpc("anvil_setStorageAt", c, "0x0", "0x" + "%064x" % 99)   # direct changes belong to the head
    assert int(rpc("eth_call", q, head), 16) == 99 == int(rpc("eth_getStorageAt", c, "0x0", head), 16)
    assert int(rpc("eth_call", q, hex(n_before + 1)), 16) == 41
    r = rpc.request("eth_call", q, hex(n_before + 100))
    assert r["error"]["message"] == "header not found"


def test_anvil_setters(rpc):
    rpc("anvil_setBalance", DEAD, hex(10**18))
    rpc("anvil_setCode", DEAD, "0x" + RAW_REVERTER.hex())
    rpc("anvil_setStorageAt", DEAD, "0x5", "0x" + "%064x" % 77)
    assert rpc("eth_getBalance", DEAD, "latest") == hex(10**18)
    assert rpc("eth_getCode", DEAD, "latest") == "0x" + RAW_REVERTER.hex()
    assert int(rpc("eth_getStorageAt", DEAD, "0x5", "latest"), 16) == 77
    r = rpc.request("eth_call", {"to": DEAD, "data": "0x"})
    assert r["error"]["code"] == 3


def test_http_details_chunked_body_expect_continue_and_get(server):
    import socket
    body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "eth_chainId"}).encode()
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    f = s.makefile("rb")
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n" + chunked)
    assert f.readline().startswith(b"HTTP/1.1 100")
    assert f.readline() == b"\r\n"
    assert f.readline().startswith(b"HTTP/1.1 200")
    headers = {}
    while (h := f.readline()) != b"\r\n":
        k, _, v = h.decode().partition(":")
        headers[k.lower()] = v.strip()
    assert json.loads(f.read(int(headers["content-length"])))["result"] == "0x7a69"
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert f.readline().startswith(b"HTTP/1.1 405")
    s.close()


def test_calls_without_funds_and_senders_with_code(rpc, accounts):
    poor = "0x00000000000000000000000000000000000000aa"
    r = rpc.request("eth_estimateGas", {"from": poor, "to": DEAD, "value": hex(10**18)})
    assert r["error"]["code"] == -32000 and "insufficient funds" in r["error"]["message"]
    addr, key = accounts[0]
    rpc("anvil_setCode", addr, "0x00")
    raw = sign(key, type=2, nonce=nonce(rpc, addr), to=DEAD, value=1, gas=21000, maxFeePerGas=10**11,
               maxPriorityFeePerGas=10**9)
    r = rpc.request("eth_sendRawTransaction", raw)
    assert r["error"]["message"].startswith("sender not an eoa")


def test_concurrent_clients_all_get_mined(server, rpc, accounts):
    import threading
    from conftest import RpcClient
    errors = []

    def worker(i):
        try:
            addr, key = accounts[i]
            c = RpcClient(server.port)
            n0 = int(c("eth_getTransactionCount", addr, "pending"), 16)
            for k in range(25):
                c("eth_sendRawTransaction", sign(key, type=2, nonce=n0 + k, to=DEAD, value=1, gas=21000,
                                                 maxFeePerGas=10**11, maxPriorityFeePerGas=10**9))
                c("eth_call", {"to": MULTICALL3_ADDRESS, "data": "0x42cbb15c"})
            assert int(c("eth_getTransactionCount", addr, "latest"), 16) == n0 + 25
            c.close()
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    before = int(rpc("eth_getBalance", DEAD, "latest"), 16)
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert int(rpc("eth_getBalance", DEAD, "latest"), 16) == before + 100


def test_timings_tell_when_blocks_were_mined_and_raw_transactions_arrived(rpc, accounts):
    addr, key = accounts[2]
    since = rpc("devnet_timings")["blocks"][-1]["minedAt"] if rpc("devnet_timings")["blocks"] else 0.0
    rpc("evm_mine")
    mined = int(rpc("eth_blockNumber"), 16)
    raw = sign(key, type=2, nonce=nonce(rpc, addr), to=DEAD, value=1, gas=21000,
               maxFeePerGas=10**11, maxPriorityFeePerGas=10**9)
    tx_hash = rpc("eth_sendRawTransaction", raw)
    included = int(rpc("eth_getTransactionReceipt", tx_hash)["blockNumber"], 16)
    report = rpc("devnet_timings", {"since": since})
    blocks = {int(b["number"], 16): b["minedAt"] for b in report["blocks"]}
    assert mined in blocks and included in blocks and included == mined + 1
    arrivals = {t["hash"]: t["receivedAt"] for t in report["rawTransactions"]}
    # Automine: the transaction arrived after the block before it, and its own block came after.
    assert blocks[mined] <= arrivals[tx_hash] <= blocks[included]
    # A refused transaction is not an arrival; `since` filters; bad options are invalid params.
    assert "nonce too low" in rpc.request("eth_sendRawTransaction", raw)["error"]["message"]
    assert len(rpc("devnet_timings", {"since": blocks[mined]})["rawTransactions"]) == 1
    later = rpc("devnet_timings", {"since": blocks[included] + 1e-6})
    assert tx_hash not in {t["hash"] for t in later["rawTransactions"]} and included not in later["blocks"]
    assert rpc.request("devnet_timings", {"since": "soon"})["error"]["code"] == -32602
