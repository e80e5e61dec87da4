"""Scenarios: ``load(name)(chain, **opts) -> manifest dict`` (JSON-serialisable).

    aave-10, aave-1000, aave-10000   N borrowers, a share below the trigger after a WETH price drop
                                     (opts: mode=calls|seed, seed, accrue_days, price_drop_bps)
    demo                             every strategy's contracts and data (opts: data_dir)
    contracts                        everything deployed, no positions

Common opts: abi_dir (where the ABIs are written; default devnet/build/abi), indexing_lag (the
subgraph endpoints' initial lag in blocks; default 0).
"""
from __future__ import annotations

from typing import Any, Callable


def _aave(n: int) -> Callable[..., dict]:
    def run(chain: Any, **opts: Any) -> dict:
        from . import aave
        return aave.run(chain, n, abi_dir_path=opts.pop("abi_dir", None), name=f"aave-{n}", **opts)
    return run


def _demo(chain: Any, **opts: Any) -> dict:
    from . import demo
    return demo.run(chain, **opts)


def _contracts(chain: Any, **opts: Any) -> dict:
    from .common import abi_dir, base_manifest, deploy_all, provide_liquidity
    d = deploy_all(chain)
    provide_liquidity(d)
    return base_manifest("contracts", d, abi_dir(opts.get("abi_dir")))


SCENARIOS: dict[str, Callable[..., dict]] = {
    "aave-10": _aave(10),
    "aave-1000": _aave(1000),
    "aave-10000": _aave(10000),
    "demo": _demo,
    "contracts": _contracts,
}


def names() -> list[str]:
    return sorted(SCENARIOS)


_MANIFESTS: dict[int, dict] = {}


def manifest_for(chain: Any) -> dict | None:
    """The manifest of the last scenario set up on `chain` (the subgraph endpoints use it)."""
    return _MANIFESTS.get(id(chain))


def load(name: str) -> Callable[..., dict]:
    """The scenario `name` as a callable(chain, **opts) -> manifest dict."""
    if name.startswith("aave-") and name not in SCENARIOS and name[5:].isdigit():
        fn = _aave(int(name[5:]))
    else:
        try:
            fn = SCENARIOS[name]
        except KeyError:
            raise KeyError(f"unknown scenario {name!r}; known: {', '.join(names())}") from None

    def run(chain: Any, **opts: Any) -> dict:
        lag = int(opts.pop("indexing_lag", 0) or 0)
        m = fn(chain, **opts)
        m.setdefault("subgraphs", {})["indexingLag"] = lag
        _MANIFESTS[id(chain)] = m
        return m
    return run
