# pragma version ~=0.4.3
"""
@title TWAP sink: the on-chain price feed the keeper pushes to (devnet)
@notice pushPrice(feedId, price, observedAt) by the pusher role; observedAt
        must be newer than the last push and not in the future. Views in
        Chainlink's shape per feed.
"""

struct Round:
    price: uint256
    observedAt: uint256
    updatedAt: uint256

event PricePushed:
    feedId: indexed(bytes32)
    roundId: indexed(uint256)
    price: uint256
    observedAt: uint256
    pusher: indexed(address)

event PusherSet:
    pusher: indexed(address)
    allowed: bool

owner: public(address)
pushers: public(HashMap[address, bool])
latestRound: public(HashMap[bytes32, uint256])
rounds: HashMap[bytes32, HashMap[uint256, Round]]


@deploy
def __init__():
    self.owner = msg.sender


@external
def setPusher(pusher: address, allowed: bool):
    assert msg.sender == self.owner, "FEED: not owner"
    self.pushers[pusher] = allowed
    log PusherSet(pusher=pusher, allowed=allowed)


@external
def pushPrice(feedId: bytes32, price: uint256, observedAt: uint256):
    assert self.pushers[msg.sender], "FEED: caller is not a pusher"
    assert price != 0, "FEED: zero price"
    assert observedAt <= block.timestamp, "FEED: observation in the future"
    rid: uint256 = self.latestRound[feedId]
    assert observedAt > self.rounds[feedId][rid].observedAt, "FEED: stale observation"
    rid += 1
    self.rounds[feedId][rid] = Round(price=price, observedAt=observedAt, updatedAt=block.timestamp)
    self.latestRound[feedId] = rid
    log PricePushed(feedId=feedId, roundId=rid, price=price, observedAt=observedAt, pusher=msg.sender)


@external
@view
def latestPrice(feedId: bytes32) -> uint256:
    return self.rounds[feedId][self.latestRound[feedId]].price


@external
@view
def latestRoundData(feedId: bytes32) -> (uint256, uint256, uint256, uint256):
    """@return roundId, price, observedAt, updatedAt (zeros before the first push)"""
    rid: uint256 = self.latestRound[feedId]
    r: Round = self.rounds[feedId][rid]
    return rid, r.price, r.observedAt, r.updatedAt


@external
@view
def getRound(feedId: bytes32, roundId: uint256) -> (uint256, uint256, uint256):
    """@return price, observedAt, updatedAt"""
    r: Round = self.rounds[feedId][roundId]
    return r.price, r.observedAt, r.updatedAt
