"""GraphQL endpoints shaped like The Graph's subgraphs, resolved from chain state (graphql-core).

    /subgraphs/aave         users, userReserves, reserves  (a subset of aave/protocol-subgraphs v3)
    /subgraphs/markets      markets, driftReceipts
    /subgraphs/credentials  credentials, credentialHolders

Like The Graph: `first` defaults to 100 and must be <= 1000, `skip` <= 5000, `orderBy` /
`orderDirection`, `where` filters with `_gt/_gte/_lt/_lte/_in/_not` suffixes, `block: {number}`
time travel, `_meta { block { number hash timestamp } }`, BigInt and Bytes as strings.

The "indexer" serves the state of the block `head - lag` (settable: `Subgraphs.lag`, or POST
`{"indexingLag": N}` to /subgraphs/_control), so a keeper must treat it as discovery and read the
chain for truth. Like the real Aave subgraph, `currentATokenBalance` / `currentVariableDebt` are
scaled balance x the index stored at the reserve's last update, not the index of the current
second: current balances must be computed from the chain (aave/protocol-subgraphs#93).

`handlers(chain)` -> {"aave": fn(request_json) -> response_json, ...}; `attach(server, chain,
manifest)` registers them on the devnet's HTTP server.
"""
from __future__ import annotations

import contextlib
import json
from typing import Any, Callable

from eth_utils import to_checksum_address
from graphql import GraphQLError, build_schema, execute, parse, specified_rules, validate
from graphql.validation import VariablesInAllowedPositionRule
from graphql.language import ast as gast

from .contracts import Contract
from .scenarios.common import multicall

# graph-node accepts a String variable where an ID is expected (clients commonly declare
# `$lastId: String!` for `id_gt`), so that one validation rule is left out.
RULES = [r for r in specified_rules if r is not VariablesInAllowedPositionRule]
MAX_FIRST = 1000
MAX_SKIP = 5000
RAY = 10**27

SCALARS = """
scalar BigInt
scalar BigDecimal
scalar Bytes
enum OrderDirection { asc desc }
input Block_height { number: Int, hash: Bytes }
type _Block_ { number: Int!, hash: Bytes, timestamp: Int }
type _Meta_ { block: _Block_!, deployment: String!, hasIndexingErrors: Boolean! }
"""

AAVE_SDL = SCALARS + """
type PriceOracleAsset { id: ID!, priceInEth: BigInt!, priceSource: Bytes, lastUpdateTimestamp: Int! }
type Pool { id: ID!, pool: Bytes! }
type SubToken { id: ID!, underlyingAssetAddress: Bytes!, underlyingAssetDecimals: Int! }
type Reserve {
  id: ID!, underlyingAsset: Bytes!, pool: Pool!, symbol: String!, name: String!, decimals: Int!,
  usageAsCollateralEnabled: Boolean!, borrowingEnabled: Boolean!, isActive: Boolean!, isFrozen: Boolean!,
  baseLTVasCollateral: BigInt!, reserveLiquidationThreshold: BigInt!, reserveLiquidationBonus: BigInt!,
  liquidityIndex: BigInt!, variableBorrowIndex: BigInt!, liquidityRate: BigInt!, variableBorrowRate: BigInt!,
  lastUpdateTimestamp: Int!, totalScaledVariableDebt: BigInt!, totalATokenSupply: BigInt!,
  price: PriceOracleAsset!, aToken: SubToken!, vToken: SubToken!
}
type UserReserve {
  id: ID!, pool: Pool!, user: User!, reserve: Reserve!, usageAsCollateralEnabledOnUser: Boolean!,
  scaledATokenBalance: BigInt!, currentATokenBalance: BigInt!, scaledVariableDebt: BigInt!,
  currentVariableDebt: BigInt!, principalStableDebt: BigInt!, currentStableDebt: BigInt!,
  currentTotalDebt: BigInt!, stableBorrowRate: BigInt!, liquidityRate: BigInt!,
  variableBorrowIndex: BigInt!, lastUpdateTimestamp: Int!
}
input UserReserve_filter {
  id: ID, id_gt: ID, id_in: [ID!], user: String, user_in: [String!], reserve: String, reserve_in: [String!],
  usageAsCollateralEnabledOnUser: Boolean,
  scaledATokenBalance_gt: BigInt, scaledVariableDebt_gt: BigInt, currentTotalDebt_gt: BigInt
}
enum UserReserve_orderBy { id scaledATokenBalance scaledVariableDebt currentTotalDebt }
type User {
  id: ID!, borrowedReservesCount: Int!, eModeCategoryId: Int,
  reserves(first: Int = 100, skip: Int = 0, where: UserReserve_filter, orderBy: UserReserve_orderBy, orderDirection: OrderDirection): [UserReserve!]!
}
input User_filter { id: ID, id_gt: ID, id_gte: ID, id_lt: ID, id_in: [ID!], borrowedReservesCount: Int, borrowedReservesCount_gt: Int, borrowedReservesCount_gte: Int }
enum User_orderBy { id borrowedReservesCount }
input Reserve_filter { id: ID, id_gt: ID, id_in: [ID!], underlyingAsset: Bytes, underlyingAsset_in: [Bytes!], symbol: String }
enum Reserve_orderBy { id symbol underlyingAsset }
type Query {
  users(first: Int = 100, skip: Int = 0, where: User_filter, orderBy: User_orderBy, orderDirection: OrderDirection, block: Block_height): [User!]!
  user(id: ID!, block: Block_height): User
  userReserves(first: Int = 100, skip: Int = 0, where: UserReserve_filter, orderBy: UserReserve_orderBy, orderDirection: OrderDirection, block: Block_height): [UserReserve!]!
  reserves(first: Int = 100, skip: Int = 0, where: Reserve_filter, orderBy: Reserve_orderBy, orderDirection: OrderDirection, block: Block_height): [Reserve!]!
  reserve(id: ID!, block: Block_height): Reserve
  _meta(block: Block_height): _Meta_
}
"""

MARKETS_SDL = SCALARS + """
type Market {
  id: ID!, marketId: BigInt!, modelId: Bytes!, driftThresholdBps: BigInt!, startTime: BigInt!, endTime: BigInt!,
  resolved: Boolean!, outcome: Boolean, yesPool: BigInt!, noPool: BigInt!, resolvedAt: BigInt
}
input Market_filter {
  id: ID, id_in: [ID!], marketId_gt: BigInt, modelId: Bytes, resolved: Boolean,
  endTime_lt: BigInt, endTime_lte: BigInt, endTime_gt: BigInt, startTime_gte: BigInt
}
enum Market_orderBy { id marketId endTime startTime }
type DriftReceipt {
  id: ID!, modelId: Bytes!, periodEnd: BigInt!, driftBps: BigInt!, receiptHash: Bytes!, submitter: Bytes!, submittedAt: BigInt!
}
input DriftReceipt_filter { id: ID, id_gt: ID, modelId: Bytes, modelId_in: [Bytes!], periodEnd_gte: BigInt, periodEnd_lte: BigInt, periodEnd_gt: BigInt, periodEnd_lt: BigInt }
enum DriftReceipt_orderBy { id periodEnd submittedAt }
type Query {
  markets(first: Int = 100, skip: Int = 0, where: Market_filter, orderBy: Market_orderBy, orderDirection: OrderDirection, block: Block_height): [Market!]!
  market(id: ID!, block: Block_height): Market
  driftReceipts(first: Int = 100, skip: Int = 0, where: DriftReceipt_filter, orderBy: DriftReceipt_orderBy, orderDirection: OrderDirection, block: Block_height): [DriftReceipt!]!
  _meta(block: Block_height): _Meta_
}
"""

CREDENTIALS_SDL = SCALARS + """
type CredentialHolder { id: ID!, credential: Credential!, holder: Bytes!, accruedUntil: BigInt!, totalMinted: BigInt! }
input CredentialHolder_filter { id: ID, id_gt: ID, credential: String, credential_in: [String!], holder: Bytes }
enum CredentialHolder_orderBy { id holder accruedUntil }
type Credential {
  id: ID!, credentialId: BigInt!, name: String!, ratePerSecond: BigInt!, holderCount: Int!, createdAt: BigInt!,
  holders(first: Int = 100, skip: Int = 0, where: CredentialHolder_filter, orderBy: CredentialHolder_orderBy, orderDirection: OrderDirection): [CredentialHolder!]!
}
input Credential_filter { id: ID, id_gt: ID, id_in: [ID!], name: String }
enum Credential_orderBy { id credentialId name }
type Query {
  credentials(first: Int = 100, skip: Int = 0, where: Credential_filter, orderBy: Credential_orderBy, orderDirection: OrderDirection, block: Block_height): [Credential!]!
  credential(id: ID!, block: Block_height): Credential
  credentialHolders(first: Int = 100, skip: Int = 0, where: CredentialHolder_filter, orderBy: CredentialHolder_orderBy, orderDirection: OrderDirection, block: Block_height): [CredentialHolder!]!
  _meta(block: Block_height): _Meta_
}
"""


# ------------------------------------------------------------------ scalars
def _parse_bigint(v: Any) -> int:
    if isinstance(v, bool):
        raise GraphQLError("BigInt cannot represent a boolean")
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        try:
            return int(v, 0) if v.startswith(("0x", "0X")) else int(v)
        except ValueError:
            pass
    raise GraphQLError(f"Invalid BigInt value: {v!r}")


def _literal_bigint(node: Any, _vars: Any = None) -> int:
    if isinstance(node, (gast.IntValueNode, gast.StringValueNode)):
        return _parse_bigint(node.value)
    raise GraphQLError("BigInt literal must be a string or an integer")


def _parse_bytes(v: Any) -> str:
    if not isinstance(v, str) or not v.startswith("0x"):
        raise GraphQLError(f"Invalid Bytes value: {v!r}")
    try:
        bytes.fromhex(v[2:])
    except ValueError:
        raise GraphQLError(f"Invalid Bytes value: {v!r}") from None
    return v.lower()


def _literal_bytes(node: Any, _vars: Any = None) -> str:
    if isinstance(node, gast.StringValueNode):
        return _parse_bytes(node.value)
    raise GraphQLError("Bytes literal must be a string")


def _set_scalar(t: Any, out: Callable, parse: Callable | None = None, literal: Callable | None = None) -> None:
    # graphql-core 3.3 coerces with coerce_*; older versions with serialize/parse_*: set both
    t.serialize = out
    t.coerce_output_value = out
    if parse is not None:
        t.parse_value = parse
        t.coerce_input_value = parse
    if literal is not None:
        t.parse_literal = literal
        t.coerce_input_literal = literal


def _schema(sdl: str):
    s = build_schema(sdl)
    _set_scalar(s.type_map["BigInt"], lambda v: str(int(v)), _parse_bigint, _literal_bigint)
    _set_scalar(s.type_map["BigDecimal"], str)
    _set_scalar(s.type_map["Bytes"], lambda v: v if isinstance(v, str) else "0x" + bytes(v).hex(), _parse_bytes, _literal_bytes)
    return s


# ------------------------------------------------------------------ generic list semantics
def _check_paging(first: int, skip: int) -> None:
    if first is None or first < 0 or first > MAX_FIRST:
        raise GraphQLError(f"The `first` argument must be between 0 and {MAX_FIRST}, but is {first}")
    if skip is None or skip < 0 or skip > MAX_SKIP:
        raise GraphQLError(f"The `skip` argument must be between 0 and {MAX_SKIP}, but is {skip}")


def _norm(v: Any) -> Any:
    return v.lower() if isinstance(v, str) else v


def _match(row: dict, where: dict | None) -> bool:
    for key, want in (where or {}).items():
        if want is None:
            continue
        field, _, op = key.partition("_")
        # field names have no underscore except the operators' suffix
        if op not in ("", "gt", "gte", "lt", "lte", "in", "not"):
            field, op = key, ""
        have = row.get(field)
        if isinstance(have, dict):
            have = have.get("id")
        have, want = _norm(have), ([_norm(w) for w in want] if isinstance(want, list) else _norm(want))
        if op == "" and have != want:
            return False
        if op == "not" and have == want:
            return False
        if op == "in" and have not in want:
            return False
        if op == "gt" and not (have is not None and have > want):
            return False
        if op == "gte" and not (have is not None and have >= want):
            return False
        if op == "lt" and not (have is not None and have < want):
            return False
        if op == "lte" and not (have is not None and have <= want):
            return False
    return True


def _select(rows: list[dict], first: int = 100, skip: int = 0, where: dict | None = None,
            orderBy: str | None = None, orderDirection: str | None = None) -> list[dict]:
    _check_paging(first, skip)
    out = [r for r in rows if _match(r, where)]
    key = orderBy or "id"
    out.sort(key=lambda r: (r.get(key) is None, r.get(key), r["id"]), reverse=(orderDirection == "desc"))
    return out[skip:skip + first]


def _run(schema: Any, request: dict) -> Any:
    from graphql import ExecutionResult
    try:
        doc = parse(request["query"])
    except GraphQLError as e:
        return ExecutionResult(None, [e])
    errors = validate(schema, doc, RULES)
    if errors:
        return ExecutionResult(None, errors)
    return execute(schema, doc, variable_values=request.get("variables"), operation_name=request.get("operationName"))


# ------------------------------------------------------------------ fast ABI decoding of hot paths
def _multicall_raw(chain: Any, calls: list[tuple[str, bytes]], block: Any) -> list[bytes]:
    """aggregate3 (allowFailure false) -> the return data of each call (hand-decoded: eth_abi is slow)."""
    from .scenarios.common import _AGG3, MULTICALL3
    n = len(calls)
    heads, tails, pos = [], [], 32 * n
    for to, d in calls:
        pad = (-len(d)) % 32
        t = bytes(12) + bytes.fromhex(to[2:]) + bytes(32) + (96).to_bytes(32, "big") + len(d).to_bytes(32, "big") + d + bytes(pad)
        heads.append(pos.to_bytes(32, "big"))
        tails.append(t)
        pos += len(t)
    data = _AGG3 + (32).to_bytes(32, "big") + n.to_bytes(32, "big") + b"".join(heads) + b"".join(tails)
    out = chain.call(MULTICALL3, data, block=block)
    w = lambda i: int.from_bytes(out[i:i + 32], "big")  # noqa: E731
    base = w(0)
    count = w(base)
    head = base + 32
    res = []
    for k in range(count):
        t = head + w(head + 32 * k)          # the (bool, bytes) tuple
        b = t + w(t + 32)                    # its bytes
        res.append(out[b + 32:b + 32 + w(b)])
    return res


def _word(r: bytes) -> int:
    return int.from_bytes(r[:32], "big")


def _user_reserves(r: bytes) -> list[tuple]:
    """DynArray[(address, uint256, uint256, bool)] returned by Pool.getUserReserves."""
    off = int.from_bytes(r[:32], "big")
    n = int.from_bytes(r[off:off + 32], "big")
    out = []
    p = off + 32
    for _ in range(n):
        out.append(("0x" + r[p + 12:p + 32].hex(), int.from_bytes(r[p + 32:p + 64], "big"),
                    int.from_bytes(r[p + 64:p + 96], "big"), r[p + 127] == 1))
        p += 128
    return out


# ------------------------------------------------------------------ the indexer
class Subgraph:
    """One endpoint: a schema, resolvers, and a per-block cache of what it indexed."""

    def __init__(self, owner: "Subgraphs", name: str, sdl: str, query_resolvers: dict[str, Callable]):
        self.owner = owner
        self.name = name
        self.schema = _schema(sdl)
        q = self.schema.query_type
        for fname, fn in query_resolvers.items():
            q.fields[fname].resolve = fn
        q.fields["_meta"].resolve = self._meta
        self._cache: dict[Any, Any] = {}

    def _meta(self, _root: Any, info: Any, block: dict | None = None) -> dict:
        n = self.owner.served_block(block)
        b = self.owner.chain.block(n)
        return {"block": {"number": n, "hash": "0x" + b.hash.hex(), "timestamp": b.timestamp},
                "deployment": f"devnet-{self.name}", "hasIndexingErrors": False}

    def cached(self, key: Any, fn: Callable[[], Any]) -> Any:
        b = self.owner.chain.block(key[0])
        full = (b.hash,) + tuple(key)
        if full not in self._cache:
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[full] = fn()
        return self._cache[full]

    def execute(self, request: dict) -> dict:
        if not isinstance(request, dict) or not isinstance(request.get("query"), str):
            return {"errors": [{"message": "The request body must be a JSON object with a `query` string"}]}
        lock = getattr(self.owner.chain, "lock", None)
        with lock if lock is not None else contextlib.nullcontext():
            res = _run(self.schema, request)
        out: dict = {}
        if res.errors:
            out["errors"] = [{"message": e.message, **({"locations": [{"line": l.line, "column": l.column} for l in e.locations]} if e.locations else {})} for e in res.errors]
        if res.data is not None:
            out["data"] = res.data
        return out


class Subgraphs:
    """The three endpoints over one chain and one scenario manifest (for the contract addresses)."""

    def __init__(self, chain: Any, manifest: dict | None = None) -> None:
        if manifest is None:
            from .scenarios import manifest_for
            manifest = manifest_for(chain)
        if manifest is None:
            raise ValueError("the subgraphs need a scenario manifest (contract addresses)")
        self.chain = chain
        self.manifest = manifest
        self.lag = 0
        c = manifest["contracts"]
        self.pool = Contract(chain, "Pool", c["Pool"])
        self.oracle = Contract(chain, "PriceOracle", c["PriceOracle"])
        self.markets_c = Contract(chain, "PredictionMarket", c["PredictionMarket"])
        self.receipts_c = Contract(chain, "DriftReceiptRegistry", c["DriftReceiptRegistry"])
        self.creds_c = Contract(chain, "CredentialToken", c["CredentialToken"])
        self.aave = Subgraph(self, "aave", AAVE_SDL, {
            "users": self._users, "user": self._user, "userReserves": self._user_reserves,
            "reserves": self._reserves, "reserve": self._reserve})
        self.aave.schema.type_map["User"].fields["reserves"].resolve = self._user_reserves_of
        self.markets = Subgraph(self, "markets", MARKETS_SDL, {
            "markets": self._markets, "market": self._market, "driftReceipts": self._receipts})
        self.credentials = Subgraph(self, "credentials", CREDENTIALS_SDL, {
            "credentials": self._credentials, "credential": self._credential,
            "credentialHolders": self._holders})
        self.credentials.schema.type_map["Credential"].fields["holders"].resolve = self._holders_of

    # -------------------------------------------------------------- blocks
    def indexed_head(self) -> int:
        return max(0, self.chain.block_number - max(0, int(self.lag)))

    def served_block(self, block: dict | None = None) -> int:
        head = self.indexed_head()
        if block and block.get("number") is not None:
            n = int(block["number"])
            if n > head:
                raise GraphQLError(f"Failed to decode `block.number` value: `subgraph has only indexed up to block number {head} and data for block number {n} is therefore not yet available`")
            return n
        if block and block.get("hash"):
            b = self.chain.block(bytes.fromhex(block["hash"][2:]))
            if b is None or b.number > head:
                raise GraphQLError(f"Failed to decode `block.hash` value: block {block['hash']} is not indexed")
            return b.number
        return head

    def _tag(self, n: int) -> Any:
        return "latest" if n == self.chain.block_number else n

    def _calls(self, contract: Contract, fn: str, args: list[tuple], n: int, decode: Callable | None = None) -> list:
        f = contract.art.fn(fn)
        dec = decode or f.decode
        if f.input_types == ["address"]:  # hand-encoded: eth_abi is slow on the hot path
            enc = lambda a: f.selector + bytes(12) + bytes.fromhex(a[0][2:])  # noqa: E731
        else:
            enc = lambda a: f.encode(*a)  # noqa: E731
        out: list = []
        for i in range(0, len(args), 1000):
            res = _multicall_raw(self.chain, [(contract.address, enc(a)) for a in args[i:i + 1000]], self._tag(n))
            out.extend(dec(r) for r in res)
        return out

    # -------------------------------------------------------------- aave
    def _pool_version(self, n: int) -> int:
        """The block whose user data equals block n's: user positions change only with the Pool's
        events, so a later block without Pool logs reuses the cache (seeding emits no events, but
        happens before the subgraph is read)."""
        mark = getattr(self, "_mark", None)
        b = self.chain.block(n)
        if mark is not None:
            m_n, m_hash, version = mark
            mb = self.chain.block(m_n)
            if mb is not None and mb.hash == m_hash and m_n <= n:
                if not self.chain.logs(from_block=m_n + 1, to_block=n, address=self.pool.address):
                    return version
        self._mark = (n, b.hash, n)
        return n

    def _aave_state(self, n: int) -> dict:
        reserves = self._aave_reserves(n)
        v = self._pool_version(n)
        users = self.aave.cached((v, "users"), lambda: self._aave_users(n))
        return {"reserves": reserves, "users": users["users"], "byId": users["byId"], "version": v}

    def _aave_users(self, n: int) -> dict:
        tag = self._tag(n)
        count = self.pool.call("userCount", block=tag)
        users: list[str] = []
        for pg in self._calls(self.pool, "getUsers", [(s, 1000) for s in range(0, count, 1000)], n):
            users.extend(u.lower() for u in pg)
        cfgs = self._calls(self.pool, "getUserConfiguration", [(u,) for u in users], n, _word)
        rows = []
        for u, bits in zip(users, cfgs):
            rows.append({"id": u, "borrowedReservesCount": sum(1 for i in range(128) if bits >> (2 * i) & 1), "eModeCategoryId": 0})
        rows.sort(key=lambda r: r["id"])
        return {"users": rows, "byId": {r["id"]: r for r in rows}}

    def _aave_reserves(self, n: int) -> dict:
        def build() -> dict:
            tag = self._tag(n)
            pool_id = self.pool.address.lower()
            reserves = {}
            for asset in self.pool.call("getReservesList", block=tag):
                rd = self.pool.call("getReserveData", asset, block=tag)
                conf = rd[0][0]
                a = asset.lower()
                tok = Contract(self.chain, "ERC20", asset)
                dec = (conf >> 48) & 0xFF
                reserves[a] = {
                    "id": a + pool_id, "underlyingAsset": a, "pool": {"id": pool_id, "pool": pool_id},
                    "symbol": tok.call("symbol", block=tag), "name": tok.call("name", block=tag), "decimals": dec,
                    "usageAsCollateralEnabled": (conf & 0xFFFF) != 0, "borrowingEnabled": bool(conf >> 58 & 1),
                    "isActive": bool(conf >> 56 & 1), "isFrozen": bool(conf >> 57 & 1),
                    "baseLTVasCollateral": conf & 0xFFFF, "reserveLiquidationThreshold": (conf >> 16) & 0xFFFF,
                    "reserveLiquidationBonus": (conf >> 32) & 0xFFFF,
                    "liquidityIndex": rd[1], "liquidityRate": rd[2], "variableBorrowIndex": rd[3],
                    "variableBorrowRate": rd[4], "lastUpdateTimestamp": rd[6],
                    "totalScaledVariableDebt": self.pool.call("scaledTotalVariableDebt", asset, block=tag),
                    "totalATokenSupply": self.pool.call("scaledTotalSupply", asset, block=tag) * rd[1] // RAY,
                    "price": {"id": a, "priceInEth": self.oracle.call("getAssetPrice", asset, block=tag),
                              "priceSource": self.oracle.address.lower(), "lastUpdateTimestamp": rd[6]},
                    "aToken": {"id": rd[8].lower(), "underlyingAssetAddress": a, "underlyingAssetDecimals": dec},
                    "vToken": {"id": rd[10].lower(), "underlyingAssetAddress": a, "underlyingAssetDecimals": dec},
                    "_id": rd[7],
                }
            return reserves
        return self.aave.cached((n, "reserves"), build)

    def _user_reserve_rows(self, n: int, users: list[str]) -> dict[str, list[dict]]:
        st = self._aave_state(n)
        v = st["version"]
        raw = self.aave.cached((v, "ur-raw"), dict)
        missing = [u for u in users if u not in raw]
        if missing:
            for u, lst in zip(missing, self._calls(self.pool, "getUserReserves", [(u,) for u in missing], n, _user_reserves)):
                raw[u] = lst
        cache = self.aave.cached((n, "ur"), dict)
        missing = [u for u in users if u not in cache]
        if missing:
            pool_id = self.pool.address.lower()
            for u in missing:
                lst = raw[u]
                rows = []
                for asset, s, d, coll in lst:
                    r = st["reserves"][asset.lower()]
                    cur_a = (s * r["liquidityIndex"] + RAY // 2) // RAY
                    cur_d = (d * r["variableBorrowIndex"] + RAY // 2) // RAY
                    rows.append({"id": u + asset.lower() + pool_id, "pool": r["pool"], "user": st["byId"].get(u, {"id": u}),
                                 "reserve": r, "usageAsCollateralEnabledOnUser": bool(coll),
                                 "scaledATokenBalance": s, "currentATokenBalance": cur_a, "scaledVariableDebt": d,
                                 "currentVariableDebt": cur_d, "principalStableDebt": 0, "currentStableDebt": 0,
                                 "currentTotalDebt": cur_d, "stableBorrowRate": 0, "liquidityRate": r["liquidityRate"],
                                 "variableBorrowIndex": r["variableBorrowIndex"], "lastUpdateTimestamp": r["lastUpdateTimestamp"]})
                cache[u] = rows
        return {u: cache[u] for u in users}

    def _users(self, _root: Any, info: Any, first: int = 100, skip: int = 0, where: dict | None = None,
               orderBy: str | None = None, orderDirection: str | None = None, block: dict | None = None) -> list[dict]:
        n = self.served_block(block)
        rows = _select(self._aave_state(n)["users"], first, skip, where, orderBy, orderDirection)
        self._user_reserve_rows(n, [r["id"] for r in rows])  # one batch for the page's nested reserves
        return [dict(r, _block=n) for r in rows]

    def _user(self, _root: Any, info: Any, id: str, block: dict | None = None) -> dict | None:
        n = self.served_block(block)
        r = self._aave_state(n)["byId"].get(id.lower())
        return dict(r, _block=n) if r else None

    def _user_reserves_of(self, user: dict, info: Any, first: int = 100, skip: int = 0, where: dict | None = None,
                          orderBy: str | None = None, orderDirection: str | None = None) -> list[dict]:
        n = user["_block"]
        return _select(self._user_reserve_rows(n, [user["id"]])[user["id"]], first, skip, where, orderBy, orderDirection)

    def _user_reserves(self, _root: Any, info: Any, first: int = 100, skip: int = 0, where: dict | None = None,
                       orderBy: str | None = None, orderDirection: str | None = None, block: dict | None = None) -> list[dict]:
        n = self.served_block(block)
        _check_paging(first, skip)
        where = dict(where or {})
        st = self._aave_state(n)
        if where.get("user"):
            users = [where.pop("user").lower()]
        elif where.get("user_in"):
            users = [u.lower() for u in where.pop("user_in")]
        else:
            users = [r["id"] for r in st["users"]]
        users = [u for u in users if u in st["byId"]]
        rows = [r for lst in self._user_reserve_rows(n, users).values() for r in lst]
        for r in rows:
            r["user"] = dict(r["user"], _block=n)
        return _select(rows, first, skip, where, orderBy, orderDirection)

    def _reserves(self, _root: Any, info: Any, first: int = 100, skip: int = 0, where: dict | None = None,
                  orderBy: str | None = None, orderDirection: str | None = None, block: dict | None = None) -> list[dict]:
        n = self.served_block(block)
        return _select(list(self._aave_state(n)["reserves"].values()), first, skip, where, orderBy, orderDirection)

    def _reserve(self, _root: Any, info: Any, id: str, block: dict | None = None) -> dict | None:
        n = self.served_block(block)
        for r in self._aave_state(n)["reserves"].values():
            if r["id"] == id.lower() or r["underlyingAsset"] == id.lower():
                return r
        return None

    # -------------------------------------------------------------- markets
    def _markets_state(self, n: int) -> dict:
        def build() -> dict:
            tag = self._tag(n)
            count = self.markets_c.call("marketCount", block=tag)
            mk = []
            for i, m in enumerate(self._calls(self.markets_c, "markets", [(i,) for i in range(count)], n)):
                model, thr, start, end, resolved, outcome, yes, no, rat = m
                mk.append({"id": str(i), "marketId": i, "modelId": "0x" + model.hex(), "driftThresholdBps": thr,
                           "startTime": start, "endTime": end, "resolved": resolved,
                           "outcome": outcome if resolved else None, "yesPool": yes, "noPool": no,
                           "resolvedAt": rat if resolved else None})
            total = self.receipts_c.call("totalReceipts", block=tag)
            models = self._calls(self.receipts_c, "receiptModelAt", [(i,) for i in range(total)], n)
            periods = self._calls(self.receipts_c, "receiptPeriodAt", [(i,) for i in range(total)], n)
            rc = []
            for (model, period), r in zip(zip(models, periods), self._calls(self.receipts_c, "getReceipt", list(zip(models, periods)), n)):
                drift, h, at, who, _ = r
                mid = "0x" + model.hex()
                rc.append({"id": f"{mid}-{period}", "modelId": mid, "periodEnd": period, "driftBps": drift,
                           "receiptHash": "0x" + h.hex(), "submitter": who.lower(), "submittedAt": at})
            return {"markets": mk, "receipts": rc}
        return self.markets.cached((n, "state"), build)

    def _markets(self, _root: Any, info: Any, first: int = 100, skip: int = 0, where: dict | None = None,
                 orderBy: str | None = None, orderDirection: str | None = None, block: dict | None = None) -> list[dict]:
        n = self.served_block(block)
        return _select(self._markets_state(n)["markets"], first, skip, where, orderBy or "marketId", orderDirection)

    def _market(self, _root: Any, info: Any, id: str, block: dict | None = None) -> dict | None:
        n = self.served_block(block)
        return next((m for m in self._markets_state(n)["markets"] if m["id"] == str(id)), None)

    def _receipts(self, _root: Any, info: Any, first: int = 100, skip: int = 0, where: dict | None = None,
                  orderBy: str | None = None, orderDirection: str | None = None, block: dict | None = None) -> list[dict]:
        n = self.served_block(block)
        return _select(self._markets_state(n)["receipts"], first, skip, where, orderBy, orderDirection)

    # -------------------------------------------------------------- credentials
    def _creds_state(self, n: int) -> dict:
        def build() -> dict:
            tag = self._tag(n)
            count = self.creds_c.call("credentialCount", block=tag)
            creds, holders = [], []
            for i, c in enumerate(self._calls(self.creds_c, "credentials", [(i,) for i in range(count)], n)):
                name, rate, hc, created, _ = c
                cred = {"id": str(i), "credentialId": i, "name": name, "ratePerSecond": rate, "holderCount": hc, "createdAt": created}
                creds.append(cred)
                addrs: list[str] = []
                for pg in self._calls(self.creds_c, "getHolders", [(i, s, 1000) for s in range(0, hc, 1000)], n):
                    addrs.extend(a.lower() for a in pg)
                acc = self._calls(self.creds_c, "accruedUntil", [(i, a) for a in addrs], n)
                tot = self._calls(self.creds_c, "totalMinted", [(i, a) for a in addrs], n)
                for a, au, tm in zip(addrs, acc, tot):
                    holders.append({"id": f"{i}-{a}", "credential": cred, "holder": a, "accruedUntil": au, "totalMinted": tm})
            return {"credentials": creds, "holders": holders}
        return self.credentials.cached((n, "state"), build)

    def _credentials(self, _root: Any, info: Any, first: int = 100, skip: int = 0, where: dict | None = None,
                     orderBy: str | None = None, orderDirection: str | None = None, block: dict | None = None) -> list[dict]:
        n = self.served_block(block)
        return [dict(c, _block=n) for c in _select(self._creds_state(n)["credentials"], first, skip, where, orderBy or "credentialId", orderDirection)]

    def _credential(self, _root: Any, info: Any, id: str, block: dict | None = None) -> dict | None:
        n = self.served_block(block)
        c = next((c for c in self._creds_state(n)["credentials"] if c["id"] == str(id)), None)
        return dict(c, _block=n) if c else None

    def _holders_of(self, cred: dict, info: Any, first: int = 100, skip: int = 0, where: dict | None = None,
                    orderBy: str | None = None, orderDirection: str | None = None) -> list[dict]:
        rows = [h for h in self._creds_state(cred["_block"])["holders"] if h["credential"]["id"] == cred["id"]]
        return _select(rows, first, skip, where, orderBy, orderDirection)

    def _holders(self, _root: Any, info: Any, first: int = 100, skip: int = 0, where: dict | None = None,
                 orderBy: str | None = None, orderDirection: str | None = None, block: dict | None = None) -> list[dict]:
        n = self.served_block(block)
        return _select(self._creds_state(n)["holders"], first, skip, where, orderBy, orderDirection)

    # -------------------------------------------------------------- wiring
    def handlers(self) -> dict[str, Callable[[dict], dict]]:
        return {"aave": self.aave.execute, "markets": self.markets.execute, "credentials": self.credentials.execute}

    def control(self, request: dict) -> dict:
        """{"indexingLag": N} sets the lag; the answer is the current setting and indexed head."""
        if isinstance(request, dict) and "indexingLag" in request:
            lag = int(request["indexingLag"])
            if lag < 0:
                return {"error": "indexingLag must be >= 0"}
            self.lag = lag
        return {"indexingLag": self.lag, "indexedBlock": self.indexed_head(), "head": self.chain.block_number}


_INSTANCES: dict[int, Subgraphs] = {}


def subgraphs_for(chain: Any, manifest: dict | None = None) -> Subgraphs:
    s = _INSTANCES.get(id(chain))
    if s is None or (manifest is not None and s.manifest is not manifest):
        s = _INSTANCES[id(chain)] = Subgraphs(chain, manifest)
    return s


def handlers(chain: Any, manifest: dict | None = None) -> dict[str, Callable[[dict], dict]]:
    """{"aave": fn, "markets": fn, "credentials": fn}: fn(request_json) -> response_json."""
    return subgraphs_for(chain, manifest).handlers()


def _http(fn: Callable[[dict], dict]) -> Callable[[bytes], tuple[int, str, bytes]]:
    def route(body: bytes) -> tuple[int, str, bytes]:
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return 400, "application/json", json.dumps({"errors": [{"message": "malformed JSON body"}]}).encode()
        return 200, "application/json", json.dumps(fn(req)).encode()
    return route


def attach(server: Any, chain: Any, manifest: dict | None) -> Subgraphs | None:
    """Register /subgraphs/{aave,markets,credentials} and /subgraphs/_control on the devnet server."""
    if manifest is None or "contracts" not in manifest or "Pool" not in manifest["contracts"]:
        return None
    s = subgraphs_for(chain, manifest)
    s.lag = int(manifest.get("subgraphs", {}).get("indexingLag", 0) or 0)
    for name, fn in s.handlers().items():
        server.add_route(f"/subgraphs/{name}", _http(fn))
    server.add_route("/subgraphs/_control", _http(s.control))
    return s
