"""Scenario and contract figures: python devnet/bench/scenario_bench.py [--positions N]

Prints: time to set up aave-N (seeded) and aave-1000 by transactions; a Multicall3 aggregate3 of
1,000 getUserAccountData (wall and CPU, best and median of 20, gas); paging every user with debt
through /subgraphs/aave (first: 1000); the demo scenario.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import eth_abi  # noqa: E402

from devnet import scenarios, subgraph  # noqa: E402
from devnet.chain import Chain  # noqa: E402
from devnet.contracts import Contract, keccak  # noqa: E402

MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--positions", type=int, default=10_000)
    a = p.parse_args()

    chain = Chain()
    t = time.perf_counter()
    m = scenarios.load(f"aave-{a.positions}")(chain)
    setup = time.perf_counter() - t
    print(f"aave-{a.positions} (seeded) set up: {setup:.2f} s  ({m['aave']['belowTriggerCount']} below trigger, "
          f"{m['aave']['liquidatableCount']} below 1.0, head block {chain.block_number})")

    c2 = Chain()
    t = time.perf_counter()
    scenarios.load("aave-1000")(c2, mode="calls")
    print(f"aave-1000 by transactions: {time.perf_counter() - t:.2f} s  ({c2.block_number} blocks)")

    pool = Contract(chain, "Pool", m["contracts"]["Pool"])
    f = pool.art.fn("getUserAccountData")
    data = keccak(b"aggregate3((address,bool,bytes)[])")[:4] + eth_abi.encode(
        ["(address,bool,bytes)[]"], [[(pool.address, False, f.encode(u)) for u in m["aave"]["users"][:1000]]])
    gas = chain.simulate(MULTICALL3, data).gas_used
    wall, cpu = [], []
    for _ in range(20):
        t, c = time.perf_counter(), time.process_time()
        chain.call(MULTICALL3, data)
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    print(f"aggregate3 of 1,000 getUserAccountData: best {min(wall) * 1e3:.1f} ms, median {statistics.median(wall) * 1e3:.1f} ms wall "
          f"(CPU best {min(cpu) * 1e3:.1f} ms); {gas:,} gas")

    sg = subgraph.Subgraphs(chain, m)
    q = "query($l: String!) { users(first: 1000, where: {id_gt: $l, borrowedReservesCount_gt: 0}, orderBy: id) { id borrowedReservesCount reserves { scaledATokenBalance scaledVariableDebt reserve { underlyingAsset } } } }"
    for label in ("cold", "warm", "next block, no Pool event"):
        if label.startswith("next"):
            chain.mine()
        t = time.perf_counter()
        n, last, pages = 0, "", 0
        while True:
            us = sg.aave.execute({"query": q, "variables": {"l": last}})["data"]["users"]
            n += len(us)
            pages += 1
            if len(us) < 1000:
                break
            last = us[-1]["id"]
        print(f"subgraph: {n} users with debt in {pages} pages of 1,000, {label}: {time.perf_counter() - t:.2f} s")

    c3 = Chain()
    t = time.perf_counter()
    scenarios.load("demo")(c3, data_dir=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "demo-monitoring"))
    print(f"demo set up: {time.perf_counter() - t:.2f} s ({c3.block_number} blocks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
