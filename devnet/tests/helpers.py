"""Small contracts used by the node tests (one Vyper contract, compiled once; raw bytecode)."""
import functools

COUNTER_SRC = """
# pragma version 0.4.3
counter: public(uint256)
owner: public(address)

event Bumped:
    who: indexed(address)
    tag: indexed(uint256)
    value: uint256

@deploy
def __init__():
    self.owner = msg.sender

@external
def bump(x: uint256):
    assert x != 13, "unlucky"
    self.counter += x
    log Bumped(who=msg.sender, tag=x, value=self.counter)

@external
@payable
def deposit():
    pass

@external
def pay(to: address, amount: uint256):
    send(to, amount)
"""


@functools.lru_cache(maxsize=None)
def counter():
    """-> (initcode bytes, abi list) of the Vyper Counter."""
    import vyper
    out = vyper.compile_code(COUNTER_SRC, output_formats=["bytecode", "abi"])
    return bytes.fromhex(out["bytecode"][2:]), out["abi"]


def selector(sig: str) -> bytes:
    from eth_utils import keccak
    return keccak(text=sig)[:4]


def call_data(sig: str, types, args) -> bytes:
    from eth_abi import encode
    return selector(sig) + encode(types, args)


def initcode_for(runtime: bytes) -> bytes:
    """Initcode that returns `runtime` (PUSH2 len, DUP1, PUSH1 off, PUSH1 0, CODECOPY, PUSH1 0, RETURN)."""
    n = len(runtime)
    pre = bytes([0x61, n >> 8, n & 0xFF, 0x80, 0x60, 12, 0x60, 0x00, 0x39, 0x60, 0x00, 0xF3])
    return pre + runtime


# runtime: revert with 32 bytes 0xaa..: PUSH1 aa PUSH1 0 MSTORE PUSH1 32 PUSH1 0 REVERT
RAW_REVERTER = bytes.fromhex("60aa60005260206000fd")
# runtime: SLOAD(0) POP, BALANCE(0xdd..) POP, STOP  (cold accesses each tx)
COLD_READER = bytes.fromhex("60005450") + bytes.fromhex("73" + "dd" * 20) + bytes.fromhex("315000")
# runtime: infinite loop (burns all gas)
BURNER = bytes.fromhex("5b600056")
# runtime: CREATE(initcode = calldata), return the new address
FACTORY = bytes.fromhex("366000600037" "3660006000f0" "600052" "60206000f3")
