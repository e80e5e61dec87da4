"""/subgraphs/aave: paging like The Graph, chain-state resolution, indexing lag."""
import pytest

from devnet import scenarios, subgraph
from devnet.chain import Chain
from devnet.contracts import Contract
from devnet.scenarios.common import DEPLOYER, LP

PAGE = """query($last: String!, $first: Int!) {
  users(first: $first, where: {id_gt: $last, borrowedReservesCount_gt: 0}, orderBy: id, orderDirection: asc) {
    id borrowedReservesCount
    reserves { reserve { underlyingAsset decimals liquidityIndex variableBorrowIndex } scaledATokenBalance scaledVariableDebt usageAsCollateralEnabledOnUser }
  }
  _meta { block { number } }
}"""


@pytest.fixture(scope="module")
def world():
    chain = Chain()
    m = scenarios.load("aave-1000")(chain)
    sg = subgraph.Subgraphs(chain, m)
    return chain, m, sg


@pytest.fixture()
def env(world):
    chain, m, sg = world
    snap = chain.snapshot()
    yield world
    sg.lag = 0
    chain.revert(snap)


def q(sg, query, **variables):
    return sg.aave.execute({"query": query, "variables": variables})


def test_pagination_returns_every_user_with_debt_exactly_once(env):
    chain, m, sg = env
    pool = Contract(chain, "Pool", m["contracts"]["Pool"])
    seen, last, pages = [], "", 0
    while True:
        r = q(sg, PAGE, last=last, first=300)
        assert "errors" not in r, r
        users = r["data"]["users"]
        pages += 1
        seen += [u["id"] for u in users]
        if len(users) < 300:
            break
        last = users[-1]["id"]
    expected = {u.lower() for u in m["aave"]["users"]} | {LP.lower()}
    assert len(seen) == len(set(seen)) == len(expected) == 1001
    assert set(seen) == expected and seen == sorted(seen) and pages == 4
    # each user's reserves are the chain's scaled balances
    u = seen[123]
    rows = {r[0].lower(): r for r in pool.call("getUserReserves", u)}
    got = q(sg, '{ user(id: "%s") { reserves { reserve { underlyingAsset } scaledATokenBalance scaledVariableDebt usageAsCollateralEnabledOnUser } } }' % u)
    for ur in got["data"]["user"]["reserves"]:
        a, s, d, c = rows[ur["reserve"]["underlyingAsset"]]
        assert (int(ur["scaledATokenBalance"]), int(ur["scaledVariableDebt"]), ur["usageAsCollateralEnabledOnUser"]) == (s, d, c)
    assert len(got["data"]["user"]["reserves"]) == len(rows)


def test_first_and_skip_limits_are_the_graphs(env):
    chain, m, sg = env
    r = q(sg, "{ users(first: 1001) { id } }")
    assert r["errors"][0]["message"] == "The `first` argument must be between 0 and 1000, but is 1001"
    assert "data" not in r or r["data"] is None
    r = q(sg, "{ users(first: 10, skip: 5001) { id } }")
    assert "skip" in r["errors"][0]["message"]
    r = q(sg, "{ users(first: 5, skip: 3, orderBy: id) { id } }")
    all_ = q(sg, "{ users(first: 8, orderBy: id) { id } }")
    assert [u["id"] for u in r["data"]["users"]] == [u["id"] for u in all_["data"]["users"]][3:8]
    assert len(q(sg, "{ users { id } }")["data"]["users"]) == 100  # default first


def test_reserves_and_big_ints(env):
    chain, m, sg = env
    r = q(sg, "{ reserves(orderBy: symbol) { symbol decimals baseLTVasCollateral reserveLiquidationThreshold liquidityIndex variableBorrowIndex lastUpdateTimestamp price { priceInEth } aToken { id } } }")
    res = {x["symbol"]: x for x in r["data"]["reserves"]}
    assert set(res) == {"WETH", "WBTC", "USDC", "DAI"}
    w = res["WETH"]
    assert w["decimals"] == 18 and w["baseLTVasCollateral"] == "8000" and w["reserveLiquidationThreshold"] == "8250"
    assert isinstance(w["liquidityIndex"], str) and int(w["liquidityIndex"]) > 10**27
    assert int(w["price"]["priceInEth"]) == m["aave"]["priceMove"]["to"]
    assert w["aToken"]["id"] == m["contracts"]["aTokens"]["WETH"].lower()


def test_indexing_lag_serves_old_state(env):
    chain, m, sg = env
    pool = Contract(chain, "Pool", m["contracts"]["Pool"])
    user = m["aave"]["users"][0].lower()
    sg.lag = 3
    before = q(sg, '{ user(id: "%s") { borrowedReservesCount } _meta { block { number } } }' % user)
    assert before["data"]["_meta"]["block"]["number"] == chain.block_number - 3
    n0 = before["data"]["user"]["borrowedReservesCount"]
    # the user borrows one more reserve (DAI or USDC, whichever they do not owe yet)
    owed = {r[0].lower() for r in pool.call("getUserReserves", user) if r[2]}
    sym = next(s for s in ("DAI", "USDC", "WBTC") if m["contracts"]["tokens"][s].lower() not in owed)
    pool.transact(user, "borrow", m["contracts"]["tokens"][sym], 10**6 if sym != "DAI" else 10**18, 2, 0, user)
    assert pool.call("borrowedReservesCount", user) == n0 + 1
    for i in range(3):
        r = q(sg, '{ user(id: "%s") { borrowedReservesCount } }' % user)
        assert r["data"]["user"]["borrowedReservesCount"] == n0, i
        chain.mine()
    r = q(sg, '{ user(id: "%s") { borrowedReservesCount } _meta { block { number } } }' % user)
    assert r["data"]["user"]["borrowedReservesCount"] == n0 + 1
    # time travel beyond what is indexed is refused, as graph-node does
    r = q(sg, "{ users(first: 1, block: {number: %d}) { id } }" % chain.block_number)
    assert "has only indexed up to block number" in r["errors"][0]["message"]
    r = q(sg, "{ _meta(block: {number: 5}) { block { number } } }")
    assert r["data"]["_meta"]["block"]["number"] == 5
    assert sg.control({"indexingLag": 0})["indexedBlock"] == chain.block_number


def test_current_balances_lag_like_the_real_subgraph(env):
    """currentVariableDebt uses the stored index; the chain's is larger once time has passed."""
    chain, m, sg = env
    chain.increase_time(86400)
    chain.mine()
    pool = Contract(chain, "Pool", m["contracts"]["Pool"])
    u = m["aave"]["users"][1].lower()
    r = q(sg, '{ userReserves(where: {user: "%s", scaledVariableDebt_gt: "0"}) { reserve { underlyingAsset } currentVariableDebt scaledVariableDebt } }' % u)
    rows = r["data"]["userReserves"]
    assert rows
    for row in rows:
        assert int(row["currentVariableDebt"]) < pool.call("variableDebtOf", row["reserve"]["underlyingAsset"], u)
