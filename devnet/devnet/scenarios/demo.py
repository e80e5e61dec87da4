"""The demo scenario: every strategy's contracts and data.

- Aave: 24 borrowers made by transactions, all with the orchestrator as authorized manager; a
  WETH price drop leaves some below the 1.10 trigger.
- Markets on model drift (past their end, in grace, open, already resolved) and drift receipts.
- Models with monitoring snapshots (histograms per feature, accuracies) written to `data_dir`.
- Credentials with holders and emission rates, one holder with an earlier mint.
- Uniswap V3-like WETH/USDC pools with a known tick history (one too young for a 30 min window)
  and a TWAP feed with an earlier push.
"""
from __future__ import annotations

import json
import math
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

from eth_utils import to_checksum_address

from ..contracts import DEVNET_DIR, deploy, keccak
from . import aave
from .common import (DEPLOYER, DEV_ADDRESSES, KEEPER, RESERVES, abi_dir, base_manifest, to_bytes32,
                     user_address)

DAY = 86400
GRACE_SECONDS = 3600
MODELS = ["fraud-v1", "credit-v2", "churn-v3"]
FEED = "WETH/USDC"
PSI_FLOOR = 1e-4


def psi(baseline: list[float], current: list[float]) -> float:
    """Population Stability Index, sum((a - e) * ln(a / e)), empty bins floored at 1e-4."""
    total = 0.0
    for e, a in zip(baseline, current):
        e, a = max(e, PSI_FLOOR), max(a, PSI_FLOOR)
        total += (a - e) * math.log(a / e)
    return total


def _hist(seed: int, n: int, shift: float) -> tuple[list[float], list[float]]:
    """A baseline histogram (proportions) and a current one moved by `shift` (deterministic)."""
    base = [math.exp(-((i - n / 2) ** 2) / (2 * (n / 5) ** 2)) * (1 + 0.1 * ((seed * 7 + i * 3) % 5)) for i in range(n)]
    cur = [math.exp(-((i - n / 2 - shift) ** 2) / (2 * (n / 5) ** 2)) * (1 + 0.1 * ((seed * 5 + i * 2) % 5)) for i in range(n)]
    cur[0] = 0.0  # one empty bin, so the 1e-4 floor matters
    return _proportions(base), _proportions(cur)


def _proportions(xs: list[float]) -> list[float]:
    """Proportions rounded to 6 decimals that sum to 1 (the residual goes to the largest bin)."""
    total = sum(xs)
    out = [round(x / total, 6) for x in xs]
    i = out.index(max(out))
    out[i] = round(out[i] + (1.0 - sum(out)), 6)
    return out


def sqrt_price_x96(tick: int) -> int:
    """floor(sqrt(1.0001^tick) * 2^96) with 80-digit decimals (close to, not bit-exact with, TickMath)."""
    with localcontext() as ctx:
        ctx.prec = 80
        return int(Decimal("1.0001") ** (Decimal(tick) / 2) * (Decimal(2) ** 96))


def run(chain: Any, data_dir: str | None = None, abi_dir: str | None = None, positions: int = 24,
        seed: int = 7, **_: Any) -> dict:
    from .common import abi_dir as _abi_dir
    d = aave.setup(chain)
    pos = aave.generate_positions(positions, seed, tag="demo-user")
    aave.create_positions_calls(d, pos)
    move = aave.finish(d)
    m = aave.aave_manifest("demo", d, pos, move, "calls", _abi_dir(abi_dir))
    now = chain.timestamp
    today = now - now % DAY
    D = lambda k: today - k * DAY  # noqa: E731

    # ---------------------------------------------------------------- receipts
    receipts = []

    def submit(model: str, period_end: int, drift_bps: int) -> None:
        h = keccak(json.dumps({"model": model, "periodEnd": period_end, "driftBps": drift_bps}, sort_keys=True, separators=(",", ":")).encode())
        d.receipts.transact(KEEPER, "submitReceipt", to_bytes32(model), period_end, drift_bps, h)
        receipts.append({"model": model, "modelId": "0x" + to_bytes32(model).hex(), "periodEnd": period_end, "driftBps": drift_bps, "receiptHash": "0x" + h.hex()})

    submit("fraud-v1", D(8), 400)
    submit("fraud-v1", D(5), 1450)
    submit("credit-v2", D(6), 800)
    submit("churn-v3", D(1), 3000)
    submit("fraud-v1", D(15), 900)

    # ---------------------------------------------------------------- markets
    markets = []

    def market(model: str, threshold: int, start: int, end: int, expect: str) -> int:
        mid = len(markets)
        d.markets.transact(DEPLOYER, "createMarket", to_bytes32(model), threshold, start, end)
        markets.append({"marketId": mid, "model": model, "modelId": "0x" + to_bytes32(model).hex(), "driftThresholdBps": threshold, "startTime": start, "endTime": end, "expected": expect})
        return mid

    m0 = market("fraud-v1", 1000, D(10), D(3), "resolve-yes")
    m1 = market("credit-v2", 2000, D(10), D(3), "resolve-no")
    market("churn-v3", 1500, D(10), D(3), "missing-data")
    m3 = market("fraud-v1", 500, D(20), D(12), "already-resolved")
    market("fraud-v1", 1000, D(2), now + 5 * DAY, "not-ended")
    market("credit-v2", 1000, D(3), now - 600, "in-grace")
    d.markets.transact(KEEPER, "resolve", m3, True)
    # bets on the open market (the closed ones were created after their end, so they have none)
    d.markets.transact(DEV_ADDRESSES[5], "bet", 4, True, value=3 * 10**18)
    d.markets.transact(DEV_ADDRESSES[6], "bet", 4, False, value=1 * 10**18)

    # ---------------------------------------------------------------- monitoring data
    ddir = Path(data_dir) if data_dir else DEVNET_DIR / "build" / "demo-monitoring"
    models = []
    for i, model in enumerate(MODELS):
        feats = {}
        expected_psi = {}
        for j, feat in enumerate(["amount", "age", "velocity"]):
            b, c = _hist(i * 3 + j, 10, shift=[0.4, 1.5, 0.1][i] * (1 + j / 3))
            feats[feat] = {"bins": [round(k / 10, 1) for k in range(11)], "baseline": b, "current": c}
            expected_psi[feat] = psi(b, c)
        snap = {"model": model, "modelId": "0x" + to_bytes32(model).hex(), "periodStart": D(1), "periodEnd": D(0),
                "features": feats, "baselineAccuracy": [0.912, 0.884, 0.801][i], "currentAccuracy": [0.897, 0.821, 0.799][i]}
        f = ddir / model / f"{D(0)}.json"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(snap, indent=1, sort_keys=True) + "\n")
        mx = max(expected_psi.values())
        models.append({"model": model, "modelId": snap["modelId"], "file": str(f), "periodEnd": D(0),
                       "psi": expected_psi, "maxPsi": mx, "driftBpsFloor": math.floor(mx * 10_000)})

    # ---------------------------------------------------------------- credentials
    cred = d.credentials
    creds = []
    rate0, rate1 = 10**15, 25 * 10**13
    cred.transact(DEPLOYER, "createCredential", "auditor", rate0)
    cred.transact(DEPLOYER, "createCredential", "validator", rate1)
    h0 = [DEV_ADDRESSES[5], DEV_ADDRESSES[6], DEV_ADDRESSES[7], DEV_ADDRESSES[8]]
    for h in h0[:3]:
        cred.transact(DEPLOYER, "addHolder", 0, h, now - 3 * DAY)
    cred.transact(DEPLOYER, "addHolder", 0, h0[3], now - 2 * DAY)
    cred.transact(KEEPER, "mintEmissions", 0, [h0[3]], [rate0 * DAY], now - DAY)
    h1 = [user_address("demo-holder", k) for k in range(20)]
    for h in h1:
        cred.transact(DEPLOYER, "addHolder", 1, h, now - DAY)
    creds.append({"credentialId": 0, "name": "auditor", "ratePerSecond": str(rate0),
                  "holders": [{"address": h, "accruedUntil": cred.call("accruedUntil", 0, h)} for h in h0]})
    creds.append({"credentialId": 1, "name": "validator", "ratePerSecond": str(rate1),
                  "holders": [{"address": h, "accruedUntil": cred.call("accruedUntil", 1, h)} for h in h1]})

    # ---------------------------------------------------------------- Uniswap V3-like pools, TWAP feed
    weth, usdc = d.tokens["WETH"], d.tokens["USDC"]
    t0, t1 = sorted([weth, usdc], key=lambda c: int(c.address, 16))
    px = Decimal(RESERVES["WETH"][1]) / Decimal(RESERVES["USDC"][1])   # USDC per WETH
    raw = px * Decimal(10) ** (RESERVES["USDC"][0] - RESERVES["WETH"][0])  # raw USDC units per raw WETH unit
    if t0 is usdc:
        raw = 1 / raw
    base_tick = math.floor(math.log(float(raw)) / math.log(1.0001))
    pools = {}
    spec = [("WETH/USDC-500", 500, 48, 300, 0, 40), ("WETH/USDC-3000", 3000, 48, 300, 12, 25), ("WETH/USDC-10000", 10000, 3, 60, -8, 5)]
    for key, fee, n, interval, off, amp in spec:
        p = deploy(chain, DEPLOYER, "MockUniswapV3Pool", t0.address, t1.address, fee, 10**22)
        ticks = [base_tick + off + round(amp * math.sin(k / 5)) for k in range(n)]
        start = chain.timestamp - (n - 1) * interval - 120
        p.transact(DEPLOYER, "writeHistory", start, interval, ticks, sqrt_price_x96(ticks[-1]))
        d.univ3[key] = p
        pools[key] = {"address": to_checksum_address(p.address), "fee": fee, "token0": to_checksum_address(t0.address),
                      "token1": to_checksum_address(t1.address), "startTime": start, "interval": interval, "ticks": ticks,
                      "oldestObservation": start}
    feed_id = to_bytes32(FEED)
    first_price = int(px * 10**18)
    first_at = chain.timestamp - 2 * 3600
    d.feed_sink.transact(KEEPER, "pushPrice", feed_id, first_price, first_at)

    m["scenario"] = "demo"
    m["contracts"] = d.contracts_manifest()
    m["receipts"] = receipts
    m["markets"] = {"graceSeconds": GRACE_SECONDS, "list": markets}
    m["models"] = {"dataDir": str(ddir), "list": models, "psiFloor": PSI_FLOOR}
    m["credentials"] = {"emissionToken": to_checksum_address(d.emission_token.address), "list": creds}
    m["twap"] = {"feeds": {FEED: {"feedId": "0x" + feed_id.hex(), "priceDecimals": 18, "pools": list(pools),
                                  "lastPush": {"price": str(first_price), "observedAt": first_at, "roundId": 1}}},
                 "pools": pools, "baseTick": base_tick}
    m["createdAt"] = chain.timestamp
    m["createdAtBlock"] = chain.block_number
    return m
