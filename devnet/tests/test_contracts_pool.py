"""The Aave V3-like Pool: flows, validations, interest indexes, views."""
import pytest

from devnet.chain import Chain, Revert
from devnet.contracts import Contract
from devnet.scenarios import aavemath as M
from devnet.scenarios.common import DEPLOYER, KEEPER, RESERVES, deploy_all, provide_liquidity, set_rates, user_address

ALICE = user_address("pool-test", 1)
BOB = user_address("pool-test", 2)


@pytest.fixture(scope="module")
def world():
    chain = Chain()
    d = deploy_all(chain)
    provide_liquidity(d)
    set_rates(d)
    return chain, d


@pytest.fixture()
def env(world):
    chain, d = world
    snap = chain.snapshot()
    yield chain, d
    chain.revert(snap)


def supply(d, user, sym, amount):
    t = d.tokens[sym]
    t.transact(DEPLOYER, "mint", user, amount)
    t.transact(user, "approve", d.pool.address, amount)
    d.pool.transact(user, "supply", t.address, amount, user, 0)


def reserve(d, sym):
    return d.pool.call("getReserveData", d.tokens[sym].address)


def test_supply_borrow_repay_withdraw_roundtrip(env):
    chain, d = env
    pool, weth, usdc = d.pool, d.tokens["WETH"], d.tokens["USDC"]
    supply(d, ALICE, "WETH", 10 * 10**18)
    li = reserve(d, "WETH")[1]
    assert pool.call("scaledATokenBalanceOf", weth.address, ALICE) == M.ray_div(10 * 10**18, li)
    assert weth.call("balanceOf", ALICE) == 0
    cfg = pool.call("getUserConfiguration", ALICE)[0]
    wid = reserve(d, "WETH")[7]
    assert cfg == 1 << (2 * wid + 1)  # collateral on, not borrowing

    pool.transact(ALICE, "borrow", usdc.address, 5_000 * 10**6, 2, 0, ALICE)
    assert usdc.call("balanceOf", ALICE) == 5_000 * 10**6
    uid = reserve(d, "USDC")[7]
    assert pool.call("getUserConfiguration", ALICE)[0] == (1 << (2 * wid + 1)) | (1 << (2 * uid))
    assert pool.call("borrowedReservesCount", ALICE) == 1
    hf = pool.call("getUserAccountData", ALICE)[5]
    assert 10**18 < hf < 2**255

    chain.increase_time(30 * 86400)
    chain.mine()
    debt = pool.call("variableDebtOf", usdc.address, ALICE)
    assert debt > 5_000 * 10**6  # interest accrued
    usdc.transact(DEPLOYER, "mint", ALICE, debt)
    usdc.transact(ALICE, "approve", pool.address, 2**256 - 1)
    rc = pool.transact(ALICE, "repay", usdc.address, 2**256 - 1, 2, ALICE)
    assert rc["status"] == 1
    assert pool.call("scaledVariableDebtOf", usdc.address, ALICE) == 0
    assert pool.call("borrowedReservesCount", ALICE) == 0
    assert pool.call("getUserAccountData", ALICE)[5] == 2**256 - 1

    bal = pool.call("aTokenBalanceOf", weth.address, ALICE)
    assert bal > 10 * 10**18  # supply interest
    scaled = pool.call("scaledATokenBalanceOf", weth.address, ALICE)
    pool.transact(ALICE, "withdraw", weth.address, 2**256 - 1, ALICE)
    # the withdrawal's block is later than the view's: the index it used is the one stored now
    assert weth.call("balanceOf", ALICE) == M.ray_mul(scaled, reserve(d, "WETH")[1]) >= bal
    assert pool.call("scaledATokenBalanceOf", weth.address, ALICE) == 0
    assert pool.call("getUserConfiguration", ALICE)[0] == 0


def test_borrow_beyond_ltv_is_refused(env):
    chain, d = env
    supply(d, ALICE, "WETH", 10**18)
    price = RESERVES["WETH"][1]
    max_usd = price * 8000 // 10_000  # 80% LTV, base units (8 decimals)
    too_much = (max_usd // 10**2) + 10 * 10**6  # USDC (6 decimals), $10 over
    with pytest.raises(Revert) as e:
        d.pool.transact(ALICE, "borrow", d.tokens["USDC"].address, too_much, 2, 0, ALICE)
    assert e.value.reason == "POOL: collateral cannot cover new borrow"
    with pytest.raises(Revert) as e:
        d.pool.transact(ALICE, "borrow", d.tokens["USDC"].address, 10**6, 1, 0, ALICE)
    assert e.value.reason == "POOL: invalid interest rate mode selected"


def test_withdraw_that_would_drop_hf_below_one_is_refused(env):
    chain, d = env
    supply(d, ALICE, "WETH", 10**18)
    d.pool.transact(ALICE, "borrow", d.tokens["USDC"].address, 1_500 * 10**6, 2, 0, ALICE)
    with pytest.raises(Revert) as e:
        d.pool.transact(ALICE, "withdraw", d.tokens["WETH"].address, 5 * 10**17, ALICE)
    assert e.value.reason == "POOL: health factor lower than liquidation threshold"
    d.pool.transact(ALICE, "withdraw", d.tokens["WETH"].address, 10**16, ALICE)  # a small one is fine
    assert d.tokens["WETH"].call("balanceOf", ALICE) == 10**16


def test_withdraw_on_behalf_needs_the_users_authorization(env):
    chain, d = env
    supply(d, ALICE, "WETH", 10**18)
    weth = d.tokens["WETH"].address
    with pytest.raises(Revert) as e:
        d.pool.transact(BOB, "withdrawOnBehalf", weth, 10**17, ALICE, BOB)
    assert e.value.reason == "POOL: caller is not an authorized manager"
    d.pool.transact(ALICE, "setAuthorizedManager", BOB, True)
    assert d.pool.call("isAuthorizedManager", ALICE, BOB) is True
    d.pool.transact(BOB, "withdrawOnBehalf", weth, 10**17, ALICE, BOB)
    assert d.tokens["WETH"].call("balanceOf", BOB) == 10**17
    d.pool.transact(ALICE, "setAuthorizedManager", BOB, False)
    with pytest.raises(Revert):
        d.pool.transact(BOB, "withdrawOnBehalf", weth, 10**17, ALICE, BOB)


def test_indexes_follow_aave_interest_math(env):
    chain, d = env
    pool, usdc = d.pool, d.tokens["USDC"]
    d.pool.transact(DEPLOYER, "syncReserves")
    rd = reserve(d, "USDC")
    li, lr, vbi, br, last = rd[1], rd[2], rd[3], rd[4], rd[6]
    assert last == chain.timestamp and lr == RESERVES["USDC"][5] and br == RESERVES["USDC"][6]
    chain.increase_time(123 * 86400 + 17)
    chain.mine()
    now = chain.timestamp
    assert now > last
    income = pool.call("getReserveNormalizedIncome", usdc.address)
    debt = pool.call("getReserveNormalizedVariableDebt", usdc.address)
    assert income == M.ray_mul(M.linear_interest(lr, last, now), li)
    assert debt == M.ray_mul(M.compounded_interest(br, last, now), vbi)
    assert debt > income > li
    # the aToken/debt token contracts give scaled x normalized index
    lp = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
    a = d.a_tokens["USDC"]
    scaled = a.call("scaledBalanceOf", lp)
    assert scaled == pool.call("scaledATokenBalanceOf", usdc.address, lp) > 0
    assert a.call("balanceOf", lp) == M.ray_mul(scaled, income)
    assert a.call("UNDERLYING_ASSET_ADDRESS").lower() == usdc.address.lower()


def test_reserve_data_has_aaves_shape(env):
    chain, d = env
    for sym, (dec, price, ltv, lt, bonus, lr, br) in RESERVES.items():
        rd = reserve(d, sym)
        conf = rd[0][0]
        assert conf & 0xFFFF == ltv
        assert (conf >> 16) & 0xFFFF == lt
        assert (conf >> 32) & 0xFFFF == bonus
        assert (conf >> 48) & 0xFF == dec
        assert conf >> 56 & 1 == 1  # active
        assert rd[8].lower() == d.a_tokens[sym].address.lower()
        assert rd[10].lower() == d.debt_tokens[sym].address.lower()
        assert d.pool.call("getReserveConfig", d.tokens[sym].address) == (ltv, lt, bonus, dec)
    assert [a.lower() for a in d.pool.call("getReservesList")] == [d.tokens[s].address.lower() for s in RESERVES]
    assert d.pool.call("FLASHLOAN_PREMIUM_TOTAL") == 5


def test_only_owner_configures(env):
    chain, d = env
    with pytest.raises(Revert) as e:
        d.pool.transact(KEEPER, "setReserveRates", d.tokens["DAI"].address, 0, 0)
    assert e.value.reason == "POOL: not owner"
    with pytest.raises(Revert):
        d.oracle.transact(KEEPER, "setAssetPrice", d.tokens["DAI"].address, 1)
    d.oracle.transact(DEPLOYER, "setAssetPrice", d.tokens["DAI"].address, 12345)
    assert d.oracle.call("getAssetPrice", d.tokens["DAI"].address) == 12345
