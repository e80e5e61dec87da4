"""The demo scenario: every strategy's contracts and data are present and consistent."""
import json
import math
from pathlib import Path

import pytest

from devnet import scenarios
from devnet.chain import Chain
from devnet.contracts import Contract


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    chain = Chain()
    data = tmp_path_factory.mktemp("monitoring")
    abi = tmp_path_factory.mktemp("abi")
    m = scenarios.load("demo")(chain, data_dir=str(data), abi_dir=str(abi))
    return chain, m


def test_manifest_is_json_with_addresses_keys_and_abis(demo):
    chain, m = demo
    again = json.loads(json.dumps(m))
    assert again == m
    for name in ("Pool", "PriceOracle", "FlashLoanOrchestrator", "PredictionMarket", "DriftReceiptRegistry",
                 "CredentialToken", "PriceFeedSink", "OracleSwap", "EmissionToken"):
        assert chain.get_code(m["contracts"][name]), name
    assert m["accounts"]["keeper"]["address"] == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    abi_files = {p.stem for p in Path(m["abiDir"]).glob("*.json")}
    assert {"Pool", "FlashLoanOrchestrator", "MockUniswapV3Pool", "ERC20"} <= abi_files
    assert json.loads((Path(m["abiDir"]) / "Pool.json").read_text())[0]["type"] in ("function", "event", "constructor")
    assert m["subgraphs"]["aave"] == "/subgraphs/aave"


def test_aave_positions_below_trigger_are_authorized(demo):
    chain, m = demo
    pool = Contract(chain, "Pool", m["contracts"]["Pool"])
    below = m["aave"]["belowTrigger"]
    assert len(below) >= 1 == (m["aave"]["belowTriggerCount"] >= 1)
    for u in below:
        assert pool.call("getUserAccountData", u)[5] < int(m["aave"]["triggerHealthFactor"])
        assert pool.call("isAuthorizedManager", u, m["contracts"]["FlashLoanOrchestrator"]) is True


def test_markets_and_receipts_tell_the_expected_outcomes(demo):
    chain, m = demo
    mk = Contract(chain, "PredictionMarket", m["contracts"]["PredictionMarket"])
    now = chain.timestamp
    grace = m["markets"]["graceSeconds"]
    for market in m["markets"]["list"]:
        mid = market["marketId"]
        on_chain = mk.call("markets", mid)
        assert on_chain[3] == market["endTime"]
        due = market["endTime"] + grace <= now
        in_window = [r for r in m["receipts"] if r["modelId"] == market["modelId"]
                     and market["startTime"] <= r["periodEnd"] <= market["endTime"]]
        exp = market["expected"]
        if exp == "already-resolved":
            assert mk.call("resolved", mid) is True
            continue
        assert mk.call("resolved", mid) is False
        if exp == "not-ended":
            assert market["endTime"] > now
        elif exp == "in-grace":
            assert market["endTime"] <= now and not due
        elif exp == "missing-data":
            assert due and not in_window
        else:
            assert due and in_window
            hit = any(r["driftBps"] >= market["driftThresholdBps"] for r in in_window)
            assert exp == ("resolve-yes" if hit else "resolve-no")
    assert {x["expected"] for x in m["markets"]["list"]} >= {"resolve-yes", "resolve-no", "missing-data"}


def test_monitoring_files_recompute_to_the_manifest_psi(demo):
    chain, m = demo
    reg = Contract(chain, "DriftReceiptRegistry", m["contracts"]["DriftReceiptRegistry"])
    for model in m["models"]["list"]:
        snap = json.loads(Path(model["file"]).read_text())
        assert snap["periodEnd"] == model["periodEnd"] <= chain.timestamp
        for feat, h in snap["features"].items():
            assert abs(sum(h["baseline"]) - 1) < 1e-9 and abs(sum(h["current"]) - 1) < 1e-9 and 0.0 in h["current"]
            e = [max(x, 1e-4) for x in h["baseline"]]
            a = [max(x, 1e-4) for x in h["current"]]
            assert math.isclose(sum((ai - ei) * math.log(ai / ei) for ai, ei in zip(a, e)), model["psi"][feat], rel_tol=1e-12)
        assert model["driftBpsFloor"] == math.floor(max(model["psi"].values()) * 10_000)
        # the period of the snapshot has no receipt yet: the keeper submits it
        assert reg.call("hasReceipt", bytes.fromhex(model["modelId"][2:]), model["periodEnd"]) is False


def test_credentials_accrue(demo):
    chain, m = demo
    c = Contract(chain, "CredentialToken", m["contracts"]["CredentialToken"])
    for cred in m["credentials"]["list"]:
        rate = int(cred["ratePerSecond"])
        assert c.call("ratePerSecond", cred["credentialId"]) == rate
        for h in cred["holders"]:
            assert c.call("accruedUntil", cred["credentialId"], h["address"]) == h["accruedUntil"]
            assert c.call("accruedOf", cred["credentialId"], h["address"]) == rate * (chain.timestamp - h["accruedUntil"]) > 0


def test_uniswap_pools_have_the_known_history(demo):
    chain, m = demo
    pools = m["twap"]["pools"]
    for key, p in pools.items():
        pool = Contract(chain, "MockUniswapV3Pool", p["address"])
        assert pool.call("slot0")[1] == p["ticks"][-1]
        oldest = chain.timestamp - p["startTime"]
        tc = pool.call("observe", [oldest, 0])[0]
        exact = sum(t * p["interval"] for t in p["ticks"][:-1]) + p["ticks"][-1] * (chain.timestamp - p["startTime"] - p["interval"] * (len(p["ticks"]) - 1))
        assert tc[1] - tc[0] == exact
    young = pools["WETH/USDC-10000"]
    assert chain.timestamp - young["startTime"] < 1800 < chain.timestamp - pools["WETH/USDC-500"]["startTime"]
    sink = Contract(chain, "PriceFeedSink", m["contracts"]["PriceFeedSink"])
    feed = m["twap"]["feeds"]["WETH/USDC"]
    rid, price, observed, _ = sink.call("latestRoundData", bytes.fromhex(feed["feedId"][2:]))
    assert (rid, str(price), observed) == (1, feed["lastPush"]["price"], feed["lastPush"]["observedAt"])
