# pragma version ~=0.4.3
"""
@title Prediction markets on a model's drift (devnet)
@notice A market asks: "will a drift receipt for modelId with driftBps >=
        driftThresholdBps be registered for a period ending in
        [startTime, endTime]?". Bets in ETH on yes/no; the resolver role
        resolves once, after endTime; winners claim pro rata.
"""

struct Market:
    modelId: bytes32
    driftThresholdBps: uint256
    startTime: uint256
    endTime: uint256
    resolved: bool
    outcome: bool
    yesPool: uint256
    noPool: uint256
    resolvedAt: uint256

event MarketCreated:
    marketId: indexed(uint256)
    modelId: indexed(bytes32)
    driftThresholdBps: uint256
    startTime: uint256
    endTime: uint256

event BetPlaced:
    marketId: indexed(uint256)
    bettor: indexed(address)
    outcome: bool
    amount: uint256

event MarketResolved:
    marketId: indexed(uint256)
    outcome: bool
    resolver: indexed(address)

event Claimed:
    marketId: indexed(uint256)
    bettor: indexed(address)
    amount: uint256

event ResolverSet:
    resolver: indexed(address)
    allowed: bool

owner: public(address)
resolvers: public(HashMap[address, bool])
marketCount: public(uint256)
markets: public(HashMap[uint256, Market])
stakeYes: public(HashMap[uint256, HashMap[address, uint256]])
stakeNo: public(HashMap[uint256, HashMap[address, uint256]])
claimed: public(HashMap[uint256, HashMap[address, bool]])


@deploy
def __init__():
    self.owner = msg.sender


@external
def setResolver(resolver: address, allowed: bool):
    assert msg.sender == self.owner, "MARKET: not owner"
    self.resolvers[resolver] = allowed
    log ResolverSet(resolver=resolver, allowed=allowed)


@external
def createMarket(modelId: bytes32, driftThresholdBps: uint256, startTime: uint256, endTime: uint256) -> uint256:
    assert msg.sender == self.owner, "MARKET: not owner"
    assert startTime < endTime, "MARKET: invalid window"
    mid: uint256 = self.marketCount
    self.markets[mid] = Market(modelId=modelId, driftThresholdBps=driftThresholdBps, startTime=startTime, endTime=endTime, resolved=False, outcome=False, yesPool=0, noPool=0, resolvedAt=0)
    self.marketCount = mid + 1
    log MarketCreated(marketId=mid, modelId=modelId, driftThresholdBps=driftThresholdBps, startTime=startTime, endTime=endTime)
    return mid


@external
@payable
def bet(marketId: uint256, outcome: bool):
    assert marketId < self.marketCount, "MARKET: unknown market"
    assert block.timestamp < self.markets[marketId].endTime, "MARKET: betting closed"
    assert msg.value != 0, "MARKET: zero bet"
    if outcome:
        self.stakeYes[marketId][msg.sender] += msg.value
        self.markets[marketId].yesPool += msg.value
    else:
        self.stakeNo[marketId][msg.sender] += msg.value
        self.markets[marketId].noPool += msg.value
    log BetPlaced(marketId=marketId, bettor=msg.sender, outcome=outcome, amount=msg.value)


@external
def resolve(marketId: uint256, outcome: bool):
    assert self.resolvers[msg.sender], "MARKET: caller is not a resolver"
    assert marketId < self.marketCount, "MARKET: unknown market"
    assert block.timestamp >= self.markets[marketId].endTime, "MARKET: not ended"
    assert not self.markets[marketId].resolved, "MARKET: already resolved"
    self.markets[marketId].resolved = True
    self.markets[marketId].outcome = outcome
    self.markets[marketId].resolvedAt = block.timestamp
    log MarketResolved(marketId=marketId, outcome=outcome, resolver=msg.sender)


@external
def claim(marketId: uint256) -> uint256:
    m: Market = self.markets[marketId]
    assert m.resolved, "MARKET: not resolved"
    assert not self.claimed[marketId][msg.sender], "MARKET: already claimed"
    stake: uint256 = 0
    winPool: uint256 = 0
    if m.outcome:
        stake = self.stakeYes[marketId][msg.sender]
        winPool = m.yesPool
    else:
        stake = self.stakeNo[marketId][msg.sender]
        winPool = m.noPool
    assert stake != 0, "MARKET: nothing to claim"
    self.claimed[marketId][msg.sender] = True
    payout: uint256 = stake * (m.yesPool + m.noPool) // winPool
    send(msg.sender, payout)
    log Claimed(marketId=marketId, bettor=msg.sender, amount=payout)
    return payout


@external
@view
def resolved(marketId: uint256) -> bool:
    return self.markets[marketId].resolved


@external
@view
def outcome(marketId: uint256) -> bool:
    return self.markets[marketId].outcome
