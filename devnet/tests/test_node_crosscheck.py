"""Cross-check against py-evm (eth-tester's PyEVMBackend, Cancun): the same small scenario on
both chains -> same receipt status and gasUsed, same logs, same final storage and balances."""
from eth.vm.forks import CancunVM
from eth_tester import EthereumTester, PyEVMBackend

from devnet.chain import Chain, Revert
from devnet.txcodec import decode
from helpers import FACTORY, RAW_REVERTER, call_data, counter, initcode_for
from eth_account import Account
from eth_utils import to_checksum_address


def test_same_scenario_same_results_as_py_evm():
    initcode, _ = counter()
    t = EthereumTester(PyEVMBackend(vm_configuration=((0, CancunVM),)))
    sender = t.get_accounts()[0]
    chain = Chain()
    dev = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
    other = "0x00000000000000000000000000000000000b0b00"
    # deploy
    h = t.send_transaction({"from": sender, "gas": 1_000_000, "data": "0x" + initcode.hex(),
                            "value": 0, "max_fee_per_gas": 10**10, "max_priority_fee_per_gas": 10**9})
    ref_rc = t.get_transaction_receipt(h)
    ref_addr = ref_rc["contract_address"]
    rc = chain.transact(dev, None, initcode, gas=1_000_000)
    addr = rc["contractAddress"]
    assert rc["gasUsed"] == ref_rc["gas_used"] and rc["status"] == ref_rc["status"] == 1
    steps = [("bump(uint256)", ["uint256"], [5], 0), ("bump(uint256)", ["uint256"], [13], 0),
             ("deposit()", [], [], 10**18), ("bump(uint256)", ["uint256"], [7], 0),
             ("pay(address,uint256)", ["address", "uint256"], [other, 12345], 0),
             ("bump(uint256)", ["uint256"], [1], 0)]
    for sig, types, args, value in steps:
        args = [to_checksum_address(a) if isinstance(a, str) else a for a in args]
        data = call_data(sig, types, args)
        h = t.send_transaction({"from": sender, "to": ref_addr, "gas": 300_000, "data": "0x" + data.hex(),
                                "value": value, "max_fee_per_gas": 10**10, "max_priority_fee_per_gas": 10**9})
        ref = t.get_transaction_receipt(h)
        try:
            mine = chain.transact(dev, addr, data, value=value, gas=300_000)
        except Revert as e:
            mine = e.receipt
            assert e.reason == "unlucky"
        assert (sig, mine["status"], mine["gasUsed"]) == (sig, ref["status"], ref["gas_used"])
        assert len(mine["logs"]) == len(ref["logs"])
        for a, b in zip(mine["logs"], ref["logs"]):
            hexs = lambda v: v if isinstance(v, str) else "0x" + bytes(v).hex()  # noqa: E731
            ref_topics = [hexs(x).lower() for x in b["topics"]]
            # topic 1 is the sender (a different account on each chain); the rest must agree
            assert [a["topics"][0], a["topics"][2]] == [ref_topics[0], ref_topics[2]]
            assert "0x" + a["data"].hex() == hexs(b["data"]).lower()
    for slot in range(3):
        ref_v = int.from_bytes(t.backend.chain.get_vm().state.get_storage(
            bytes.fromhex(ref_addr[2:]), slot).to_bytes(32, "big"), "big")
        assert chain.get_storage(addr, slot) == ref_v or slot == 1   # slot 1 = owner (differs by design)
    assert chain.get_storage(addr, 0) == 13
    assert chain.get_balance(other) == t.get_balance(to_checksum_address(other)) == 12345
    assert chain.get_balance(addr) == t.get_balance(ref_addr) == 10**18 - 12345

    # a factory (CREATE from a contract), a child that self-destructs in its creation tx (EIP-6780)
    def both(to_mine, to_ref, data, gas=500_000):
        h = t.send_transaction({"from": sender, "gas": gas, "data": "0x" + data.hex(), "value": 0,
                                "max_fee_per_gas": 10**10, "max_priority_fee_per_gas": 10**9,
                                **({"to": to_ref} if to_ref else {})})
        ref = t.get_transaction_receipt(h)
        mine = chain.transact(dev, to_mine, data, gas=gas)
        assert (mine["status"], mine["gasUsed"]) == (ref["status"], ref["gas_used"])
        return mine, ref

    mine, ref = both(None, None, initcode_for(FACTORY))
    f_mine, f_ref = mine["contractAddress"], ref["contract_address"]
    both(f_mine, f_ref, initcode_for(RAW_REVERTER))
    from devnet.txcodec import create_address
    child_mine, child_ref = create_address(f_mine, 1), create_address(f_ref.lower(), 1)
    assert chain.get_code(child_mine) == bytes.fromhex(t.get_code(to_checksum_address(child_ref))[2:]) == RAW_REVERTER
    kamikaze = bytes.fromhex("73" + "00" * 19 + "0b") + b"\xff"   # SELFDESTRUCT(0x..0b) at once
    both(f_mine, f_ref, kamikaze)
    gone_mine, gone_ref = create_address(f_mine, 2), to_checksum_address(create_address(f_ref.lower(), 2))
    assert (chain.get_code(gone_mine), chain.get_nonce(gone_mine)) == (
        bytes.fromhex(t.get_code(gone_ref)[2:]), t.get_nonce(gone_ref)) == (b"", 0)
    assert chain.get_nonce(f_mine) == t.get_nonce(f_ref) == 3


def test_decoder_agrees_with_eth_account():
    acct = Account.from_key("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
    to = "0x000000000000000000000000000000000000dEaD"
    txs = [dict(nonce=7, to=to, value=3, gas=50000, gasPrice=5, data=b"\x01\x02", chainId=31337),
           dict(nonce=8, to=None, value=0, gas=90000, gasPrice=5, data=b"\x60\x00" * 40),
           dict(type=1, nonce=9, to=to, value=0, gas=60000, gasPrice=9, chainId=5, data=b"",
                accessList=[{"address": to, "storageKeys": ["0x" + "11" * 32]}]),
           dict(type=2, nonce=10, to=to, value=10**18, gas=21000, maxFeePerGas=10**11,
                maxPriorityFeePerGas=10**9, chainId=31337, data=b"\x00" * 100)]
    for tx in txs:
        if tx.get("to") is None:
            tx.pop("to")
        raw = bytes(acct.sign_transaction(tx).raw_transaction)
        d = decode(raw)
        assert d.sender == Account.recover_transaction(raw).lower() == acct.address.lower()
        assert (d.nonce, d.gas, d.value, d.data) == (tx["nonce"], tx["gas"], tx["value"], tx["data"])
        assert d.to == (tx["to"].lower() if "to" in tx else None)
        assert d.chain_id == tx.get("chainId")
        assert d.type == tx.get("type", 0)
