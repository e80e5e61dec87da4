"""Aave scenarios: N borrowers with random multi-asset positions, a share pushed below the
protection trigger by a WETH price drop.

Phases (the same whether positions are made by transactions or seeded into storage):
 1. deploy everything; the liquidity provider supplies every reserve; rates are set;
 2. 30 days pass and the indexes are synced (so they are not RAY);
 3. rates are set to zero (indexes frozen) and the positions are created, by transactions
    (``mode="calls"``) or by writing the storage those transactions write (``mode="seed"``);
 4. rates are restored and `accrue_days` (default 7) pass, so balances grow by index;
 5. the WETH price drops by `price_drop_bps` (default 1,000 = 10%).
Seeded positions emit no events (the subgraph reads chain state, not logs).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from eth_utils import to_checksum_address

from ..contracts import artifact, hashmap_slot
from . import aavemath as M
from .common import (DEPLOYER, LP, RESERVES, Deployment, base_manifest, abi_dir, deploy_all, multicall_decode,
                     provide_liquidity, set_next_timestamp, set_rates, user_address, write_storage)

TRIGGER_HF = 11 * 10**17   # 1.10
TARGET_HF = 13 * 10**17    # 1.30
SYMBOLS = list(RESERVES)


@dataclass
class Position:
    user: str
    supplies: list[tuple[str, int]] = field(default_factory=list)   # (symbol, amount) in order
    borrows: list[tuple[str, int]] = field(default_factory=list)


def _amount_for_usd(sym: str, usd_base: int) -> int:
    dec, price = RESERVES[sym][0], RESERVES[sym][1]
    return usd_base * 10**dec // price


def generate_positions(n: int, seed: int = 1, tag: str = "aave-user") -> list[Position]:
    """Random positions that pass the Pool's borrow checks at the scenario's initial prices
    (indexes are equal for every user, so sizing in base currency at index 1 is conservative
    enough: usage is capped at 95% of the LTV)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kind = rng.random()
        if kind < 0.55:
            coll, debt = ["WETH"], [rng.choice(["USDC", "DAI"])]
        elif kind < 0.70:
            coll, debt = ["WBTC"], ["USDC"]
        elif kind < 0.90:
            coll, debt = ["WETH", "WBTC"], ["USDC", "DAI"]
        else:
            coll, debt = ["WBTC"], ["WETH"]
        p = Position(user_address(tag, i))
        coll_base = 0
        ltv_w = 0
        for s in coll:
            usd = rng.randint(1_000, 400_000) * 10**8 + rng.randint(0, 10**8 - 1)
            amt = _amount_for_usd(s, usd) + rng.randint(0, 10**max(RESERVES[s][0] - 6, 0))
            p.supplies.append((s, amt))
            b = amt * RESERVES[s][1] // 10**RESERVES[s][0]
            coll_base += b
            ltv_w += b * RESERVES[s][2]
        usage = rng.uniform(0.55, 0.95)
        borrow_base = int(ltv_w // 10**4 * usage)
        split = [1.0] if len(debt) == 1 else [rng.uniform(0.3, 0.7)]
        if len(debt) == 2:
            split.append(1.0 - split[0])
        for s, share in zip(debt, split):
            amt = _amount_for_usd(s, int(borrow_base * share))
            if amt > 0:
                p.borrows.append((s, amt))
        out.append(p)
    return out


# ------------------------------------------------------------------ phases
def setup(chain: Any) -> Deployment:
    """Phases 1-2 and the freeze of phase 3, with pinned time deltas so indexes are reproducible."""
    d = deploy_all(chain)
    provide_liquidity(d)
    # the liquidity provider also borrows a little of every reserve, so that the variable borrow
    # indexes grow too (Aave moves them only while there is debt)
    for s in SYMBOLS:
        dec, price = RESERVES[s][0], RESERVES[s][1]
        d.pool.transact(LP, "borrow", d.tokens[s].address, 10**6 * 10**8 * 10**dec // price, 2, 0, LP)
    t0 = chain.timestamp + 1
    set_next_timestamp(chain, t0)
    d.pool.transact(DEPLOYER, "syncReserves")
    set_rates(d)
    t1 = chain.timestamp + 30 * 86400
    set_next_timestamp(chain, t1)
    d.pool.transact(DEPLOYER, "syncReserves")
    # freeze: the first setReserveRates accrues one more second at the old rates
    set_next_timestamp(chain, t1 + 1)
    d.pool.transact(DEPLOYER, "setReserveRates", d.tokens[SYMBOLS[0]].address, 0, 0)
    for s in SYMBOLS[1:]:
        set_next_timestamp(chain, t1 + 1 + SYMBOLS.index(s))
        d.pool.transact(DEPLOYER, "setReserveRates", d.tokens[s].address, 0, 0)
    return d


def create_positions_calls(d: Deployment, positions: list[Position], authorize: bool = True) -> None:
    pool = d.pool
    for p in positions:
        for s, amt in p.supplies:
            t = d.tokens[s]
            t.transact(DEPLOYER, "mint", p.user, amt)
            t.transact(p.user, "approve", pool.address, amt)
            pool.transact(p.user, "supply", t.address, amt, p.user, 0)
        if authorize:
            pool.transact(p.user, "setAuthorizedManager", d.orchestrator.address, True)
        for s, amt in p.borrows:
            pool.transact(p.user, "borrow", d.tokens[s].address, amt, 2, 0, p.user)


class _Seeder:
    """Writes the storage that create_positions_calls' transactions would write (rates are zero, so
    no index moves; lastUpdateTimestamp is rewritten by the next setReserveRates in both paths)."""

    def __init__(self, d: Deployment) -> None:
        self.d = d
        self.chain = d.chain
        self.pool = d.pool.address
        lay = artifact("Pool")
        self.s_reserves = lay.slot("reserves")
        self.s_supply = lay.slot("scaledSupply")
        self.s_debt = lay.slot("scaledDebt")
        self.s_cfg = lay.slot("userConfig")
        self.s_count = lay.slot("userCount")
        self.s_at = lay.slot("userAt")
        self.s_reg = lay.slot("userRegistered")
        self.s_mgr = lay.slot("authorizedManagers")
        erc = artifact("ERC20")
        self.s_bal = erc.slot("balanceOf")
        self.s_total = erc.slot("totalSupply")
        self.values: dict[tuple[str, int], int] = {}
        self.reserve = {}
        for s, t in d.tokens.items():
            rd = d.pool.call("getReserveData", t.address)
            base = hashmap_slot(self.s_reserves, t.address)
            self.reserve[s] = {"id": rd[7], "ltv": rd[0][0] & 0xFFFF, "li": rd[1], "vbi": rd[3], "base": base, "addr": t.address.lower()}

    def _get(self, addr: str, slot: int) -> int:
        k = (addr, slot)
        if k not in self.values:
            self.values[k] = self.chain.get_storage(addr, slot)
        return self.values[k]

    def _add(self, addr: str, slot: int, delta: int) -> None:
        self.values[(addr, slot)] = self._get(addr, slot) + delta

    def _set(self, addr: str, slot: int, v: int) -> None:
        self.values[(addr, slot)] = v

    def add(self, p: Position, authorize: bool = True) -> None:
        pool, user = self.pool.lower(), p.user.lower()
        cfg_slot = hashmap_slot(self.s_cfg, user)
        for s, amt in p.supplies:
            r = self.reserve[s]
            tok = r["addr"]
            self._add(tok, self.s_total, amt)
            self._add(tok, hashmap_slot(self.s_bal, pool), amt)
            scaled = M.ray_div(amt, r["li"])
            assert scaled != 0
            sl = hashmap_slot(self.s_supply, tok, user)
            first = self._get(pool, sl) == 0
            self._add(pool, sl, scaled)
            self._add(pool, r["base"] + 9, scaled)  # Reserve.totalScaledSupply
            self._register(user)
            if first and r["ltv"] != 0:
                self._set(pool, cfg_slot, self._get(pool, cfg_slot) | (1 << (2 * r["id"] + 1)))
        if authorize:
            self._set(pool, hashmap_slot(self.s_mgr, user, self.d.orchestrator.address.lower()), 1)
        for s, amt in p.borrows:
            r = self.reserve[s]
            tok = r["addr"]
            scaled = M.ray_div(amt, r["vbi"])
            assert scaled != 0
            self._add(pool, hashmap_slot(self.s_debt, tok, user), scaled)
            self._add(pool, r["base"] + 10, scaled)  # Reserve.totalScaledVariableDebt
            self._register(user)
            self._set(pool, cfg_slot, self._get(pool, cfg_slot) | (1 << (2 * r["id"])))
            self._add(tok, hashmap_slot(self.s_bal, pool), -amt)
            self._add(tok, hashmap_slot(self.s_bal, user), amt)

    def _register(self, user: str) -> None:
        pool = self.pool.lower()
        reg = hashmap_slot(self.s_reg, user)
        if self._get(pool, reg):
            return
        self._set(pool, reg, 1)
        n = self._get(pool, self.s_count)
        self._set(pool, hashmap_slot(self.s_at, n), int(user, 16))
        self._set(pool, self.s_count, n + 1)

    def flush(self) -> None:
        write_storage(self.chain, [(a, s, v) for (a, s), v in self.values.items()])
        self.values.clear()


def create_positions_seed(d: Deployment, positions: list[Position], authorize: bool = True) -> None:
    sd = _Seeder(d)
    for p in positions:
        sd.add(p, authorize)
    sd.flush()


def finish(d: Deployment, accrue_days: float = 7, price_drop_bps: int = 1000) -> dict:
    chain = d.chain
    set_rates(d)
    t = chain.timestamp + int(accrue_days * 86400)
    set_next_timestamp(chain, t)
    chain.mine()
    old = RESERVES["WETH"][1]
    new = old * (10_000 - price_drop_bps) // 10_000
    d.oracle.transact(DEPLOYER, "setAssetPrice", d.tokens["WETH"].address, new)
    return {"asset": "WETH", "address": to_checksum_address(d.tokens["WETH"].address), "from": old, "to": new}


def health_factors(d: Deployment, users: list[str], block: Any = "latest") -> dict[str, tuple]:
    res = multicall_decode(d.chain, d.pool, "getUserAccountData", [(u,) for u in users], block=block)
    return {u: r for u, r in zip(users, res)}


def run(chain: Any, n: int, mode: str | None = None, seed: int = 1, accrue_days: float = 7,
        price_drop_bps: int = 1000, abi_dir_path: str | None = None, name: str | None = None,
        list_users: bool | None = None, **_: Any) -> dict:
    mode = mode or ("calls" if n <= 100 else "seed")
    if mode not in ("calls", "seed"):
        raise ValueError(f"mode must be 'calls' or 'seed', not {mode!r}")
    d = setup(chain)
    positions = generate_positions(n, seed)
    (create_positions_calls if mode == "calls" else create_positions_seed)(d, positions)
    move = finish(d, accrue_days, price_drop_bps)
    return aave_manifest(name or f"aave-{n}", d, positions, move, mode, abi_dir(abi_dir_path),
                         list_users if list_users is not None else True)


def aave_manifest(name: str, d: Deployment, positions: list[Position], move: dict, mode: str,
                  abi_directory: str, list_users: bool = True) -> dict:
    users = [p.user for p in positions]
    hfs = health_factors(d, users)
    below = sorted(u for u in users if hfs[u][5] < TRIGGER_HF)
    liquidatable = sorted(u for u in users if hfs[u][5] < 10**18)
    m = base_manifest(name, d, abi_directory)
    m["aave"] = {
        "mode": mode,
        "positions": len(positions),
        "usersWithDebt": sum(1 for p in positions if p.borrows),
        "reserves": d.reserves_manifest(),
        "flashLoanPremiumBps": 5,
        "swapSlippageBps": 30,
        "triggerHealthFactor": str(TRIGGER_HF),
        "targetHealthFactor": str(TARGET_HF),
        "priceMove": move,
        "belowTriggerCount": len(below),
        "liquidatableCount": len(liquidatable),
        "belowTrigger": below if list_users else below[:50],
        "authorizedManager": to_checksum_address(d.orchestrator.address),
        "block": d.chain.block_number,
        "timestamp": d.chain.timestamp,
    }
    if list_users:
        m["aave"]["users"] = users
    return m
