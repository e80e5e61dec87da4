"""FlashLoanOrchestrator.protect on the aave-10 scenario's position below the trigger."""
import pytest

from devnet import scenarios
from devnet.chain import Chain, Revert
from devnet.contracts import Contract
from devnet.scenarios import aavemath as M
from devnet.scenarios.common import DEPLOYER, KEEPER, LP, RESERVES

TARGET = 13 * 10**17


@pytest.fixture(scope="module")
def world():
    chain = Chain()
    m = scenarios.load("aave-10")(chain)
    c = m["contracts"]
    pool = Contract(chain, "Pool", c["Pool"])
    orch = Contract(chain, "FlashLoanOrchestrator", c["FlashLoanOrchestrator"])
    oracle = Contract(chain, "PriceOracle", c["PriceOracle"])
    user = min(m["aave"]["users"], key=lambda u: pool.call("getUserAccountData", u)[5])
    return chain, m, pool, orch, oracle, user


@pytest.fixture()
def env(world):
    chain = world[0]
    snap = chain.snapshot()
    yield world
    chain.revert(snap)


def plan(pool, oracle, m, user):
    """Collateral and debt asset with the largest balances, and a repay amount that reaches TARGET
    with margin (D = (T*debt - sum(coll*LT)) / (T - LT_c*(1+f)), f = premium + slippage + 1%)."""
    tokens = m["contracts"]["tokens"]
    sym = {v.lower(): k for k, v in tokens.items()}
    rows = pool.call("getUserReserves", user)
    coll = max((r for r in rows if r[3]), key=lambda r: pool.call("aTokenBalanceOf", r[0], user) * oracle.call("getAssetPrice", r[0]) // 10 ** RESERVES[sym[r[0].lower()]][0])
    debt = max((r for r in rows if r[2]), key=lambda r: pool.call("variableDebtOf", r[0], user) * oracle.call("getAssetPrice", r[0]) // 10 ** RESERVES[sym[r[0].lower()]][0])
    c_base, d_base, _, lt_avg, _, hf = pool.call("getUserAccountData", user)
    lt_c = RESERVES[sym[coll[0].lower()]][3]
    f = 0.0005 + 0.003 + 0.01
    D = (TARGET / 1e18 * d_base - c_base * lt_avg / 1e4) / (TARGET / 1e18 - lt_c / 1e4 * (1 + f))
    dsym = sym[debt[0].lower()]
    amount = int(D * 1.02) * 10 ** RESERVES[dsym][0] // oracle.call("getAssetPrice", debt[0])
    amount = min(amount, pool.call("variableDebtOf", debt[0], user))
    return coll[0], debt[0], amount, hf


def test_protect_brings_the_position_to_target(env):
    chain, m, pool, orch, oracle, user = env
    assert pool.call("getUserAccountData", user)[5] < int(m["aave"]["triggerHealthFactor"])
    coll, debt, amount, hf_before = plan(pool, oracle, m, user)
    debt_before = pool.call("variableDebtOf", debt, user)
    coll_before = pool.call("aTokenBalanceOf", coll, user)
    rc = orch.transact(KEEPER, "protect", user, coll, debt, amount, 2**255, TARGET)
    hf_after = pool.call("getUserAccountData", user)[5]
    assert hf_after >= TARGET > hf_before
    ev = orch.art.event("Protected")
    logs = [ev.decode([bytes.fromhex(t[2:]) if isinstance(t, str) else t for t in lg["topics"]], lg["data"])
            for lg in rc["logs"] if lg["address"].lower() == orch.address.lower()]
    assert len(logs) == 1
    e = logs[0]
    assert e["repaid"] == amount and e["premium"] == M.percent_mul(amount, 5)
    assert e["healthFactorAfter"] == hf_after and e["keeper"].lower() == KEEPER.lower()
    assert pool.call("variableDebtOf", debt, user) < debt_before - amount + debt_before // 10**6 + 2
    assert pool.call("aTokenBalanceOf", coll, user) <= coll_before - e["collateralWithdrawn"] + coll_before // 10**6 + 2
    assert Contract(chain, "ERC20", debt).call("balanceOf", orch.address) == 0


def test_protect_refuses_an_outcome_below_min_health_factor(env):
    chain, m, pool, orch, oracle, user = env
    coll, debt, amount, hf = plan(pool, oracle, m, user)
    before = pool.call("getUserReserves", user)
    with pytest.raises(Revert) as e:
        orch.transact(KEEPER, "protect", user, coll, debt, amount // 10, 2**255, TARGET)
    assert e.value.reason == "ORCH: health factor after below minimum"
    assert pool.call("getUserReserves", user) == before  # nothing changed


def test_protect_only_for_keepers_and_within_max_collateral(env):
    chain, m, pool, orch, oracle, user = env
    coll, debt, amount, hf = plan(pool, oracle, m, user)
    with pytest.raises(Revert) as e:
        orch.transact(LP, "protect", user, coll, debt, amount, 2**255, TARGET)
    assert e.value.reason == "ORCH: caller is not an allowed keeper"
    with pytest.raises(Revert) as e:
        orch.transact(KEEPER, "protect", user, coll, debt, amount, 1, TARGET)
    assert e.value.reason == "ORCH: collateral needed exceeds maxCollateralIn"
    orch.transact(DEPLOYER, "setKeeper", KEEPER, False)
    with pytest.raises(Revert):
        orch.transact(KEEPER, "protect", user, coll, debt, amount, 2**255, TARGET)


def test_protect_needs_the_users_authorization(env):
    chain, m, pool, orch, oracle, user = env
    coll, debt, amount, hf = plan(pool, oracle, m, user)
    pool.transact(user, "setAuthorizedManager", orch.address, False)
    with pytest.raises(Revert) as e:
        orch.transact(KEEPER, "protect", user, coll, debt, amount, 2**255, TARGET)
    assert e.value.reason == "POOL: caller is not an authorized manager"
