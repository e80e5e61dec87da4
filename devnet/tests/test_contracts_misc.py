"""PredictionMarket, DriftReceiptRegistry, CredentialToken, PriceFeedSink, MockUniswapV3Pool."""
import pytest

from devnet.chain import Chain, Revert
from devnet.contracts import deploy
from devnet.scenarios.common import DEPLOYER, DEV_ADDRESSES, KEEPER, deploy_all, to_bytes32

OTHER = DEV_ADDRESSES[3]
BETTOR_A, BETTOR_B = DEV_ADDRESSES[5], DEV_ADDRESSES[6]
MODEL = to_bytes32("fraud-v1")


@pytest.fixture(scope="module")
def world():
    chain = Chain()
    return chain, deploy_all(chain)


@pytest.fixture()
def env(world):
    chain, d = world
    snap = chain.snapshot()
    yield chain, d
    chain.revert(snap)


def reason(fn, *a, **kw):
    with pytest.raises(Revert) as e:
        fn(*a, **kw)
    return e.value.reason


def test_market_lifecycle(env):
    chain, d = env
    mk = d.markets
    now = chain.timestamp
    mk.transact(DEPLOYER, "createMarket", MODEL, 1000, now - 100, now + 1000)
    assert mk.call("marketCount") == 1
    mk.transact(BETTOR_A, "bet", 0, True, value=3 * 10**18)
    mk.transact(BETTOR_B, "bet", 0, False, value=10**18)
    assert reason(mk.transact, KEEPER, "resolve", 0, True) == "MARKET: not ended"
    chain.increase_time(2000)
    chain.mine()
    assert reason(mk.transact, BETTOR_A, "bet", 0, True, value=1) == "MARKET: betting closed"
    assert reason(mk.transact, OTHER, "resolve", 0, True) == "MARKET: caller is not a resolver"
    assert mk.call("resolved", 0) is False
    mk.transact(KEEPER, "resolve", 0, True)
    assert mk.call("resolved", 0) is True and mk.call("outcome", 0) is True
    assert reason(mk.transact, KEEPER, "resolve", 0, False) == "MARKET: already resolved"
    m = mk.call("markets", 0)
    assert m[0] == MODEL and m[1] == 1000 and m[6] == 3 * 10**18 and m[7] == 10**18
    before = chain.get_balance(BETTOR_A)
    mk.transact(BETTOR_A, "claim", 0)
    assert chain.get_balance(BETTOR_A) == before + 4 * 10**18  # unsigned txs pay no gas
    assert reason(mk.transact, BETTOR_A, "claim", 0) == "MARKET: already claimed"
    assert reason(mk.transact, BETTOR_B, "claim", 0) == "MARKET: nothing to claim"


def test_receipts_once_per_model_and_period(env):
    chain, d = env
    r = d.receipts
    end = chain.timestamp - 10
    h = b"\x11" * 32
    assert reason(r.transact, OTHER, "submitReceipt", MODEL, end, 1234, h) == "RECEIPTS: caller is not an oracle"
    r.transact(KEEPER, "submitReceipt", MODEL, end, 1234, h)
    assert reason(r.transact, KEEPER, "submitReceipt", MODEL, end, 99, b"\x22" * 32) == "RECEIPTS: receipt already submitted for this period"
    assert reason(r.transact, KEEPER, "submitReceipt", MODEL, chain.timestamp + 3600, 1, h) == "RECEIPTS: period not ended"
    rec = r.call("getReceipt", MODEL, end)
    assert rec[0] == 1234 and rec[1] == h and rec[3].lower() == KEEPER.lower() and rec[4] is True
    assert r.call("hasReceipt", MODEL, end) is True and r.call("hasReceipt", MODEL, end - 1) is False
    r.transact(KEEPER, "submitReceipt", MODEL, end - 86400, 50, h)
    assert r.call("receiptCount", MODEL) == 2 and r.call("latestPeriodEnd", MODEL) == end
    assert r.call("totalReceipts") == 2 and r.call("receiptPeriodAt", 1) == end - 86400


def test_emissions_are_capped_by_rate_and_time(env):
    chain, d = env
    c, tok = d.credentials, d.emission_token
    rate = 10**15
    c.transact(DEPLOYER, "createCredential", "auditor", rate)
    since = chain.timestamp - 1000
    c.transact(DEPLOYER, "addHolder", 0, BETTOR_A, since)
    c.transact(DEPLOYER, "addHolder", 0, BETTOR_B, since)
    assert c.call("accruedUntil", 0, BETTOR_A) == since
    until = since + 600
    assert reason(c.transact, OTHER, "mintEmissions", 0, [BETTOR_A], [1], until) == "CRED: caller is not a minter"
    assert reason(c.transact, KEEPER, "mintEmissions", 0, [BETTOR_A], [rate * 600 + 1], until) == "CRED: amount exceeds accrued emissions"
    assert reason(c.transact, KEEPER, "mintEmissions", 0, [BETTOR_A], [1], chain.timestamp + 100) == "CRED: accruedUntil in the future"
    c.transact(KEEPER, "mintEmissions", 0, [BETTOR_A, BETTOR_B], [rate * 600, rate * 300], until)
    assert tok.call("balanceOf", BETTOR_A) == rate * 600 and tok.call("balanceOf", BETTOR_B) == rate * 300
    assert c.call("accruedUntil", 0, BETTOR_A) == until and c.call("totalMinted", 0, BETTOR_B) == rate * 300
    assert reason(c.transact, KEEPER, "mintEmissions", 0, [BETTOR_A], [1], until) == "CRED: accruedUntil overlaps the last mint"
    assert reason(c.transact, KEEPER, "mintEmissions", 0, [OTHER], [1], until + 1) == "CRED: not a holder"
    assert [h.lower() for h in c.call("getHolders", 0, 0, 10)] == [BETTOR_A.lower(), BETTOR_B.lower()]
    c.transact(DEPLOYER, "removeHolder", 0, BETTOR_A)
    assert c.call("isHolder", 0, BETTOR_A) is False and c.call("credentials", 0)[2] == 1
    assert [h.lower() for h in c.call("getHolders", 0, 0, 10)] == [BETTOR_B.lower()]


def test_feed_sink_push_rules(env):
    chain, d = env
    s = d.feed_sink
    feed = to_bytes32("WETH/USDC")
    assert s.call("latestRoundData", feed) == (0, 0, 0, 0)
    t = chain.timestamp - 30
    assert reason(s.transact, OTHER, "pushPrice", feed, 5, t) == "FEED: caller is not a pusher"
    s.transact(KEEPER, "pushPrice", feed, 2000 * 10**18, t)
    rid, price, observed, updated = s.call("latestRoundData", feed)
    assert (rid, price, observed) == (1, 2000 * 10**18, t) and updated == chain.timestamp
    assert reason(s.transact, KEEPER, "pushPrice", feed, 1, t) == "FEED: stale observation"
    assert reason(s.transact, KEEPER, "pushPrice", feed, 1, chain.timestamp + 60) == "FEED: observation in the future"
    s.transact(KEEPER, "pushPrice", feed, 2001 * 10**18, t + 1)
    assert s.call("latestPrice", feed) == 2001 * 10**18 and s.call("getRound", feed, 1)[0] == 2000 * 10**18


def _cumulative(start, interval, ticks, t):
    """Exact tick cumulative at time t of the known history (tick ticks[k] from start + k*interval)."""
    total = 0
    for k, tick in enumerate(ticks):
        lo = start + k * interval
        hi = start + (k + 1) * interval if k < len(ticks) - 1 else t
        if t <= lo:
            break
        total += tick * (min(hi, t) - lo)
    return total


def test_uniswap_pool_observe_matches_its_tick_history(env):
    chain, d = env
    a, b = sorted([d.tokens["WETH"].address, d.tokens["USDC"].address], key=lambda x: int(x, 16))
    p = deploy(chain, DEPLOYER, "MockUniswapV3Pool", a, b, 500, 10**20)
    ticks = [-200_000 + (k * 37) % 101 - 50 for k in range(40)]
    start = chain.timestamp - 39 * 60 - 45
    p.transact(DEPLOYER, "writeHistory", start, 60, ticks, 2**96)
    now = chain.timestamp
    slot0 = p.call("slot0")
    assert slot0[1] == ticks[-1] and slot0[2] == 39 and slot0[3] == 40
    ago = [0, 1, 30, 45, 46, 90, 600, 1799, 1800, now - start]
    tcs, spls = p.call("observe", ago)
    assert list(tcs) == [_cumulative(start, 60, ticks, now - s) for s in ago]
    assert spls[0] > spls[-1] == 0
    assert reason(p.call, "observe", [now - start + 1]) == "OLD"
    # a tick set now (as a swap) keeps history and moves the cumulative from here on
    p.transact(DEPLOYER, "setTick", -199_000, 2**96)
    chain.increase_time(100)
    chain.mine()
    t2 = chain.timestamp
    tc_now = p.call("observe", [0])[0][0]
    set_at = t2 - 100
    assert tc_now == _cumulative(start, 60, ticks, set_at) + (-199_000) * (t2 - set_at)
    # mean tick over the last 30 minutes, rounded toward negative infinity (OracleLibrary)
    c0, c1 = p.call("observe", [1800, 0])[0]
    delta = c1 - c0
    mean = delta // 1800
    assert mean == (_cumulative(start, 60, ticks, set_at) + (-199_000) * (t2 - set_at) - _cumulative(start, 60, ticks, t2 - 1800)) // 1800
