"""Deployment of every devnet contract, dev accounts, Multicall3 reads, storage seeding."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import eth_abi
from eth_utils import to_checksum_address

from .. import contracts as C
from ..contracts import Contract, artifact, deploy, hashmap_slot, keccak
from . import aavemath as M

MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"
SUBGRAPHS = {"aave": "/subgraphs/aave", "markets": "/subgraphs/markets", "credentials": "/subgraphs/credentials"}

#: The standard anvil/hardhat dev keys ("test test ... junk"): public test keys, never for real funds.
DEV_KEYS = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
]
DEV_ADDRESSES = [
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
    "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
    "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
    "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
    "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
    "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
]
DEPLOYER, KEEPER, LP = DEV_ADDRESSES[0], DEV_ADDRESSES[1], DEV_ADDRESSES[2]
ROLES = {"deployer": 0, "keeper": 1, "liquidityProvider": 2}

# symbol -> (decimals, price in USD with 8 decimals, ltv bps, liquidation threshold bps, bonus bps,
#            liquidity rate, variable borrow rate (RAY per year))
RESERVES = {
    "WETH": (18, 2000_12345678, 8000, 8250, 10500, 21 * M.RAY // 1000, 37 * M.RAY // 1000),
    "WBTC": (8, 60321_50000000, 7000, 7500, 10650, 8 * M.RAY // 1000, 24 * M.RAY // 1000),
    "USDC": (6, 99990000, 7700, 8000, 10450, 43 * M.RAY // 1000, 61 * M.RAY // 1000),
    "DAI": (18, 1_00020000, 7500, 8000, 10500, 39 * M.RAY // 1000, 58 * M.RAY // 1000),
}
FLASHLOAN_PREMIUM_BPS = 5
SWAP_SLIPPAGE_BPS = 30


def to_bytes32(name: str) -> bytes:
    """A short ASCII name as bytes32, left-aligned and zero-padded (ethers' formatBytes32String)."""
    b = name.encode()
    if len(b) > 31:
        raise ValueError(f"{name!r} is longer than 31 bytes")
    return b.ljust(32, b"\0")


def user_address(tag: str, i: int) -> str:
    return to_checksum_address(keccak(f"devnet:{tag}:{i}".encode())[12:])


def accounts_manifest() -> dict:
    out = {role: {"address": DEV_ADDRESSES[i], "privateKey": DEV_KEYS[i]} for role, i in ROLES.items()}
    out["dev"] = [{"address": a, "privateKey": k} for a, k in zip(DEV_ADDRESSES, DEV_KEYS)]
    return out


def set_next_timestamp(chain: Any, ts: int) -> None:
    chain.set_next_block_timestamp(ts)


def write_storage(chain: Any, writes: list[tuple[str, int, int]]) -> None:
    if hasattr(chain, "set_storage_many"):
        chain.set_storage_many(writes)
    else:  # pragma: no cover
        for a, s, v in writes:
            chain.set_storage(a, s, v)


# ------------------------------------------------------------------ Multicall3
_AGG3 = keccak(b"aggregate3((address,bool,bytes)[])")[:4]


def multicall(chain: Any, calls: list[tuple[str, bytes]], block: Any = "latest", allow_failure: bool = False) -> list[tuple[bool, bytes]]:
    data = _AGG3 + eth_abi.encode(["(address,bool,bytes)[]"], [[(to, allow_failure, d) for to, d in calls]])
    out = chain.call(MULTICALL3, data, block=block)
    return [(ok, bytes(r)) for ok, r in eth_abi.decode(["(bool,bytes)[]"], out)[0]]


def multicall_decode(chain: Any, contract: Contract, fn: str, arg_lists: list[tuple], block: Any = "latest", chunk: int = 1000) -> list:
    f = contract.art.fn(fn)
    out = []
    for i in range(0, len(arg_lists), chunk):
        res = multicall(chain, [(contract.address, f.encode(*a)) for a in arg_lists[i:i + chunk]], block=block)
        out.extend(f.decode(r) for _, r in res)
    return out


# ------------------------------------------------------------------ deployment
@dataclass
class Deployment:
    chain: Any
    tokens: dict[str, Contract] = field(default_factory=dict)
    a_tokens: dict[str, Contract] = field(default_factory=dict)
    debt_tokens: dict[str, Contract] = field(default_factory=dict)
    oracle: Contract | None = None
    pool: Contract | None = None
    swap: Contract | None = None
    orchestrator: Contract | None = None
    markets: Contract | None = None
    receipts: Contract | None = None
    emission_token: Contract | None = None
    credentials: Contract | None = None
    feed_sink: Contract | None = None
    univ3: dict[str, Contract] = field(default_factory=dict)

    def symbol_of(self, addr: str) -> str:
        for s, t in self.tokens.items():
            if t.address.lower() == addr.lower():
                return s
        raise KeyError(addr)

    def contracts_manifest(self) -> dict:
        cs = lambda c: to_checksum_address(c.address)  # noqa: E731
        out: dict[str, Any] = {
            "Multicall3": MULTICALL3,
            "PriceOracle": cs(self.oracle),
            "Pool": cs(self.pool),
            "OracleSwap": cs(self.swap),
            "FlashLoanOrchestrator": cs(self.orchestrator),
            "PredictionMarket": cs(self.markets),
            "DriftReceiptRegistry": cs(self.receipts),
            "EmissionToken": cs(self.emission_token),
            "CredentialToken": cs(self.credentials),
            "PriceFeedSink": cs(self.feed_sink),
        }
        out["tokens"] = {s: cs(t) for s, t in self.tokens.items()}
        out["aTokens"] = {s: cs(t) for s, t in self.a_tokens.items()}
        out["variableDebtTokens"] = {s: cs(t) for s, t in self.debt_tokens.items()}
        out["uniswapV3Pools"] = {k: cs(p) for k, p in self.univ3.items()}
        return out

    def reserves_manifest(self) -> dict:
        out = {}
        for s, (dec, price, ltv, lt, bonus, lr, br) in RESERVES.items():
            out[s] = {"address": to_checksum_address(self.tokens[s].address), "decimals": dec, "ltv": ltv,
                      "liquidationThreshold": lt, "liquidationBonus": bonus,
                      "aToken": to_checksum_address(self.a_tokens[s].address),
                      "variableDebtToken": to_checksum_address(self.debt_tokens[s].address)}
        return out


def deploy_all(chain: Any) -> Deployment:
    """Deploy every contract and wire the roles: the keeper account (dev #1) is the orchestrator's
    keeper, the markets' resolver, the receipts' oracle, the emission minter and the feed pusher."""
    d = Deployment(chain)
    d.oracle = deploy(chain, DEPLOYER, "PriceOracle")
    d.pool = deploy(chain, DEPLOYER, "Pool", d.oracle.address, FLASHLOAN_PREMIUM_BPS)
    for sym, (dec, price, ltv, lt, bonus, lr, br) in RESERVES.items():
        name = {"WETH": "Wrapped Ether", "WBTC": "Wrapped BTC", "USDC": "USD Coin", "DAI": "Dai Stablecoin"}[sym]
        tok = d.tokens[sym] = deploy(chain, DEPLOYER, "ERC20", name, sym, dec)
        d.a_tokens[sym] = deploy(chain, DEPLOYER, "ScaledBalanceToken", d.pool.address, tok.address, False, f"Aave devnet {sym}", f"a{sym}", dec)
        d.debt_tokens[sym] = deploy(chain, DEPLOYER, "ScaledBalanceToken", d.pool.address, tok.address, True, f"Aave devnet variable debt {sym}", f"variableDebt{sym}", dec)
        d.pool.transact(DEPLOYER, "initReserve", tok.address, d.a_tokens[sym].address, d.debt_tokens[sym].address, ltv, lt, bonus, dec)
    d.oracle.transact(DEPLOYER, "setAssetPrices", [d.tokens[s].address for s in RESERVES], [RESERVES[s][1] for s in RESERVES])
    d.swap = deploy(chain, DEPLOYER, "OracleSwap", d.oracle.address, SWAP_SLIPPAGE_BPS)
    d.orchestrator = deploy(chain, DEPLOYER, "FlashLoanOrchestrator", d.pool.address, d.swap.address)
    d.orchestrator.transact(DEPLOYER, "setKeeper", KEEPER, True)
    d.markets = deploy(chain, DEPLOYER, "PredictionMarket")
    d.markets.transact(DEPLOYER, "setResolver", KEEPER, True)
    d.receipts = deploy(chain, DEPLOYER, "DriftReceiptRegistry")
    d.receipts.transact(DEPLOYER, "setOracle", KEEPER, True)
    d.emission_token = deploy(chain, DEPLOYER, "ERC20", "Devnet Emission", "EMIT", 18)
    d.credentials = deploy(chain, DEPLOYER, "CredentialToken", d.emission_token.address)
    d.emission_token.transact(DEPLOYER, "setMinter", d.credentials.address, True)
    d.credentials.transact(DEPLOYER, "setMinter", KEEPER, True)
    d.feed_sink = deploy(chain, DEPLOYER, "PriceFeedSink")
    d.feed_sink.transact(DEPLOYER, "setPusher", KEEPER, True)
    # swap venue inventory
    for sym, t in d.tokens.items():
        dec = RESERVES[sym][0]
        t.transact(DEPLOYER, "mint", d.swap.address, 10**9 * 10**dec * 10**8 // RESERVES[sym][1])
    return d


def provide_liquidity(d: Deployment, usd_per_reserve: int = 2 * 10**9) -> None:
    """The liquidity provider (dev #2) supplies `usd_per_reserve` dollars of every reserve."""
    for sym, t in d.tokens.items():
        dec, price = RESERVES[sym][0], RESERVES[sym][1]
        amount = usd_per_reserve * 10**dec * 10**8 // price
        t.transact(DEPLOYER, "mint", LP, amount)
        t.transact(LP, "approve", d.pool.address, amount)
        d.pool.transact(LP, "supply", t.address, amount, LP, 0)


def set_rates(d: Deployment, zero: bool = False) -> None:
    for sym, t in d.tokens.items():
        lr, br = (0, 0) if zero else RESERVES[sym][5:7]
        d.pool.transact(DEPLOYER, "setReserveRates", t.address, lr, br)


def abi_dir(opts_dir: str | None) -> str:
    return str(C.write_abis(opts_dir or C.DEFAULT_ABI_DIR))


def base_manifest(name: str, d: Deployment, abi_directory: str) -> dict:
    chain = d.chain
    return {
        "scenario": name,
        "chainId": getattr(chain, "chain_id", 31337),
        "abiDir": abi_directory,
        "accounts": accounts_manifest(),
        "contracts": d.contracts_manifest(),
        "subgraphs": dict(SUBGRAPHS),
    }
