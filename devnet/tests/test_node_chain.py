"""The Chain's Python API (the scenarios use it) and its state bookkeeping."""
import random

import pytest
from eth_account import Account

from conftest import RpcClient, wait_until
from devnet.chain import Chain, Revert, dev_accounts
from devnet.rpc import Server
from helpers import call_data, counter

MNEMONIC = "test test test test test test test test test test test junk"


def test_dev_accounts_are_the_standard_mnemonic_accounts():
    Account.enable_unaudited_hdwallet_features()
    accts = dev_accounts()
    assert len(accts) == 10
    for i, (addr, key) in enumerate(accts):
        a = Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}")
        assert (a.address, a.key.hex().removeprefix("0x")) == (addr, key.removeprefix("0x"))
    assert accts[0][0] == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    c = Chain()
    assert all(c.get_balance(a) == 10_000 * 10**18 for a, _ in accts)


def test_unsigned_deploy_transact_call_and_revert():
    c = Chain()
    me = dev_accounts()[0][0]
    addr = c.deploy(me, counter()[0])
    assert c.get_code(addr) and c.block_number == 1
    rc = c.transact(me, addr, call_data("bump(uint256)", ["uint256"], [9]))
    assert rc["status"] == 1 and len(rc["logs"]) == 1 and c.block_number == 2
    assert int.from_bytes(c.call(addr, call_data("counter()", [], [])), "big") == 9
    assert c.get_storage(addr, 0) == 9
    with pytest.raises(Revert) as e:
        c.transact(me, addr, call_data("bump(uint256)", ["uint256"], [13]))
    assert e.value.reason == "unlucky" and e.value.receipt["status"] == 0 and c.block_number == 3
    with pytest.raises(Revert) as e:
        c.call(addr, call_data("bump(uint256)", ["uint256"], [13]))
    assert e.value.data[:4] == bytes.fromhex("08c379a0")
    assert c.get_nonce(me) == 3
    c.set_storage(addr, 0, 100)
    assert int.from_bytes(c.call(addr, call_data("counter()", [], [])), "big") == 100
    t = c.timestamp
    c.increase_time(1000)
    c.mine(2)
    assert c.block_number == 5 and c.timestamp >= t + 1000
    c.mine(1, timestamp=c.timestamp + 50)
    logs = c.logs(0, "latest", address=addr)
    assert len(logs) == 1 and logs[0]["blockNumber"] == 2


def _revm_view(c, addr, slots):
    """Read balance/nonce/storage straight from revm (not from the chain's mirror)."""
    evm = c.evm
    cp = evm.snapshot()
    info = evm.basic(addr)
    out = (info.balance, info.nonce, tuple(evm.storage(addr, s) for s in slots))
    evm.revert(cp)
    return out


@pytest.mark.parametrize("seed", [1234, 99, 2024])
def test_mirror_matches_revm_through_random_operations_snapshots_and_history(seed):
    rng = random.Random(seed)
    c = Chain()
    me = dev_accounts()[0][0].lower()
    addrs = [c.deploy(me, counter()[0]) for _ in range(3)]
    eoas = ["0x%040x" % (0xB0B0 + i) for i in range(4)]
    watch = addrs + eoas + [me]
    history = {}   # block -> {addr: counter}
    snaps = []
    for step in range(150):
        op = rng.random()
        if op < 0.45:
            a = rng.choice(addrs)
            x = rng.choice([1, 2, 13, 40])
            try:
                c.transact(me, a, call_data("bump(uint256)", ["uint256"], [x]))
            except Revert:
                pass
        elif op < 0.55:
            a = rng.choice(addrs)
            c.transact(me, a, call_data("deposit()", [], []), value=rng.randint(1, 10**6))
        elif op < 0.65:
            a = rng.choice(addrs)
            bal = c.get_balance(a)
            amt = rng.randint(0, bal) if bal else 0
            c.transact(me, a, call_data("pay(address,uint256)", ["address", "uint256"],
                                        [rng.choice(eoas), amt]))
        elif op < 0.72:
            c.set_balance(rng.choice(eoas), rng.randint(0, 10**20))
        elif op < 0.78:
            c.set_storage(rng.choice(addrs), 0, rng.randint(0, 1000))
        elif op < 0.86:
            snaps.append((c.snapshot(), c.block_number, {a: _revm_view(c, a, [0, 2]) for a in watch},
                          dict(history)))
        elif op < 0.93 and snaps:
            sid, number, view, saved_history = snaps.pop(rng.randrange(len(snaps)))
            assert c.revert(sid)
            snaps = [s for s in snaps if s[0] < sid]
            assert c.block_number == number
            assert {a: _revm_view(c, a, [0, 2]) for a in watch} == view
            history = saved_history
        else:
            c.mine()
        # direct changes (set_*) belong to the head block, as in anvil
        history[c.block_number] = {a: c.get_storage(a, 0) for a in addrs}
        for a in watch:
            bal, nonce, (s0, s2) = _revm_view(c, a, [0, 2])
            assert (bal, nonce, s0, s2) == (c.get_balance(a), c.get_nonce(a), c.get_storage(a, 0),
                                             c.get_storage(a, 2)), (step, a)
    # state at every past block: eth_call and storage reads roll back correctly
    q = call_data("counter()", [], [])
    for n in sorted(history)[-40:]:
        for a in addrs:
            if not c.get_code(a, n):
                continue
            assert int.from_bytes(c.call(a, q, block=n), "big") == history[n][a] == c.get_storage(a, 0, n)
    for a in watch:
        bal, nonce, (s0, _) = _revm_view(c, a, [0, 2])
        assert (bal, nonce, s0) == (c.get_balance(a), c.get_nonce(a), c.get_storage(a, 0))


def test_block_time_mode_mines_on_its_own():
    srv = Server(Chain(), "127.0.0.1", 0, block_time=0.2).start()
    try:
        c = RpcClient(srv.port)
        n0 = int(c("eth_blockNumber"), 16)
        wait_until(lambda: int(c("eth_blockNumber"), 16) >= n0 + 2, timeout=10)
        key = dev_accounts()[1][1]
        raw = Account.from_key(key).sign_transaction(dict(
            type=2, chainId=31337, nonce=0, to="0x000000000000000000000000000000000000dEaD", value=1,
            gas=21000, maxFeePerGas=10**11, maxPriorityFeePerGas=10**9)).raw_transaction
        h = c("eth_sendRawTransaction", "0x" + raw.hex().removeprefix("0x"))
        assert c("eth_getTransactionReceipt", h) is None or True   # may already be mined
        rc = wait_until(lambda: c("eth_getTransactionReceipt", h), timeout=10)
        assert rc["status"] == "0x1"
        c.close()
    finally:
        srv.stop()
