"""/subgraphs/markets and /subgraphs/credentials from the demo scenario, and the HTTP routes."""
import json
import urllib.request

import pytest

from devnet import scenarios, subgraph
from devnet.chain import Chain
from devnet.rpc import Server
from devnet.scenarios.common import KEEPER


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    chain = Chain()
    m = scenarios.load("demo")(chain, data_dir=str(tmp_path_factory.mktemp("mon")))
    return chain, m, subgraph.Subgraphs(chain, m)


def test_markets_and_receipts(world):
    chain, m, sg = world
    r = sg.markets.execute({"query": "query($now: BigInt!) { markets(where: {resolved: false, endTime_lt: $now}, orderBy: marketId) { id modelId driftThresholdBps startTime endTime resolved outcome } }",
                            "variables": {"now": str(chain.timestamp)}})
    assert "errors" not in r, r
    got = {x["id"]: x for x in r["data"]["markets"]}
    want = {str(x["marketId"]) for x in m["markets"]["list"] if x["expected"] in ("resolve-yes", "resolve-no", "missing-data", "in-grace")}
    assert set(got) == want
    x = got["0"]
    assert x["modelId"] == m["markets"]["list"][0]["modelId"] and x["driftThresholdBps"] == "1000" and x["outcome"] is None
    r = sg.markets.execute({"query": '{ driftReceipts(first: 1000, where: {modelId: "%s"}, orderBy: periodEnd) { periodEnd driftBps receiptHash submitter } }' % m["markets"]["list"][0]["modelId"]})
    rows = r["data"]["driftReceipts"]
    mine = sorted((x for x in m["receipts"] if x["modelId"] == m["markets"]["list"][0]["modelId"]), key=lambda x: x["periodEnd"])
    assert [(int(a["periodEnd"]), int(a["driftBps"]), a["receiptHash"]) for a in rows] == [(b["periodEnd"], b["driftBps"], b["receiptHash"]) for b in mine]
    assert all(a["submitter"] == KEEPER.lower() for a in rows)
    resolved = sg.markets.execute({"query": "{ markets(where: {resolved: true}) { id outcome } }"})["data"]["markets"]
    assert resolved == [{"id": "3", "outcome": True}]


def test_credentials_and_holders(world):
    chain, m, sg = world
    r = sg.credentials.execute({"query": "{ credentials { id name ratePerSecond holderCount holders(first: 1000) { holder accruedUntil totalMinted } } }"})
    assert "errors" not in r, r
    creds = {c["name"]: c for c in r["data"]["credentials"]}
    for c in m["credentials"]["list"]:
        g = creds[c["name"]]
        assert g["ratePerSecond"] == c["ratePerSecond"] and g["holderCount"] == len(c["holders"])
        assert {(h["holder"], int(h["accruedUntil"])) for h in g["holders"]} == {(h["address"].lower(), h["accruedUntil"]) for h in c["holders"]}
    minted = [h for h in creds["auditor"]["holders"] if h["totalMinted"] != "0"]
    assert len(minted) == 1
    page = sg.credentials.execute({"query": '{ credentialHolders(first: 5, where: {credential: "1"}, orderBy: id) { id } }'})["data"]["credentialHolders"]
    assert len(page) == 5 and all(p["id"].startswith("1-") for p in page)
    assert "errors" in sg.credentials.execute({"query": "{ credentialHolders(first: 2000) { id } }"})


def test_http_routes_on_the_devnet_server(world):
    chain, m, sg = world
    server = Server(chain, "127.0.0.1", 0)
    s = subgraph.attach(server, chain, m)
    server.start()
    try:
        def post(path, body):
            req = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        st, out = post("/subgraphs/aave", {"query": "{ _meta { block { number } } users(first: 2) { id } }"})
        assert st == 200 and out["data"]["_meta"]["block"]["number"] == chain.block_number
        assert len(out["data"]["users"]) == 2
        st, out = post("/subgraphs/_control", {"indexingLag": 2})
        assert out["indexingLag"] == 2 and s.lag == 2
        st, out = post("/subgraphs/markets", {"query": "{ _meta { block { number } } }"})
        assert out["data"]["_meta"]["block"]["number"] == chain.block_number - 2
        st, out = post("/subgraphs/credentials", {"query": "{ credentials(first: 1001) { id } }"})
        assert st == 200 and "between 0 and 1000" in out["errors"][0]["message"]
        st, out = post("/subgraphs/aave", {"nope": 1})
        assert "errors" in out
    finally:
        server.stop()
        s.lag = 0
