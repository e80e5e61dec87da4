# pragma version ~=0.4.3
"""
@title Uniswap V3-like pool oracle (devnet)
@notice slot0(), observations(i), observe(secondsAgos) with Uniswap V3's
        Oracle library semantics (ring of observations, tick cumulatives that
        advance with block time from the current tick, interpolation between
        observations, revert "OLD" before the oldest one). No swaps: the
        owner sets the tick (writing an observation first, as a swap does) or
        writes a whole known tick history.
"""

struct Observation:
    blockTimestamp: uint32
    tickCumulative: int56
    secondsPerLiquidityCumulativeX128: uint160
    initialized: bool

event Initialize:
    sqrtPriceX96: uint160
    tick: int24

event TickSet:
    tick: int24
    sqrtPriceX96: uint160
    observationIndex: uint16

event HistoryWritten:
    startTime: uint32
    interval: uint32
    count: uint256

MAX_CARDINALITY: constant(uint256) = 65535
MAX_HISTORY: constant(uint256) = 512

owner: public(address)
token0: public(address)
token1: public(address)
fee: public(uint24)
liquidity: public(uint128)
sqrtPriceX96: uint160
tick: int24
observationIndex: uint16
observationCardinality: uint16
observationCardinalityNext: uint16
observations: public(HashMap[uint256, Observation])


@deploy
def __init__(_token0: address, _token1: address, _fee: uint24, _liquidity: uint128):
    assert convert(_token0, uint160) < convert(_token1, uint160), "UNIV3: token0 must sort before token1"
    self.owner = msg.sender
    self.token0 = _token0
    self.token1 = _token1
    self.fee = _fee
    self.liquidity = _liquidity


@external
@view
def slot0() -> (uint160, int24, uint16, uint16, uint16, uint8, bool):
    return self.sqrtPriceX96, self.tick, self.observationIndex, self.observationCardinality, self.observationCardinalityNext, 0, True


@internal
@view
def _transform(last: Observation, ts: uint32, tick: int24, liq: uint128) -> Observation:
    delta: uint32 = ts - last.blockTimestamp
    l: uint256 = convert(liq, uint256)
    if l == 0:
        l = 1
    return Observation(
        blockTimestamp=ts,
        tickCumulative=last.tickCumulative + convert(tick, int56) * convert(delta, int56),
        secondsPerLiquidityCumulativeX128=last.secondsPerLiquidityCumulativeX128 + convert((convert(delta, uint256) << 128) // l, uint160),
        initialized=True,
    )


@internal
def _write(ts: uint32):
    idx: uint256 = convert(self.observationIndex, uint256)
    card: uint256 = convert(self.observationCardinality, uint256)
    cardNext: uint256 = convert(self.observationCardinalityNext, uint256)
    last: Observation = self.observations[idx]
    if last.blockTimestamp == ts:
        return
    if cardNext > card and idx == card - 1:
        card = cardNext
    newIdx: uint256 = (idx + 1) % card
    self.observations[newIdx] = self._transform(last, ts, self.tick, self.liquidity)
    self.observationIndex = convert(newIdx, uint16)
    self.observationCardinality = convert(card, uint16)


@external
def initialize(_sqrtPriceX96: uint160, _tick: int24):
    assert msg.sender == self.owner, "UNIV3: not owner"
    assert self.observationCardinality == 0, "UNIV3: AI"
    self.sqrtPriceX96 = _sqrtPriceX96
    self.tick = _tick
    self.observations[0] = Observation(blockTimestamp=convert(block.timestamp, uint32), tickCumulative=0, secondsPerLiquidityCumulativeX128=0, initialized=True)
    self.observationIndex = 0
    self.observationCardinality = 1
    self.observationCardinalityNext = 1
    log Initialize(sqrtPriceX96=_sqrtPriceX96, tick=_tick)


@external
def increaseObservationCardinalityNext(next: uint16):
    old: uint16 = self.observationCardinalityNext
    assert old > 0, "UNIV3: I"
    if next > old:
        self.observationCardinalityNext = next


@external
def setTick(_tick: int24, _sqrtPriceX96: uint160):
    """@notice As a swap moving the price: write an observation at the current tick, then move it."""
    assert msg.sender == self.owner, "UNIV3: not owner"
    assert self.observationCardinality != 0, "UNIV3: not initialized"
    self._write(convert(block.timestamp, uint32))
    self.tick = _tick
    self.sqrtPriceX96 = _sqrtPriceX96
    log TickSet(tick=_tick, sqrtPriceX96=_sqrtPriceX96, observationIndex=self.observationIndex)


@external
def writeHistory(startTime: uint32, interval: uint32, ticks: DynArray[int24, MAX_HISTORY], lastSqrtPriceX96: uint160):
    """
    @notice Replace the observation ring with a known history: the tick was
            ticks[k] during [startTime + k*interval, startTime + (k+1)*interval)
            and ticks[-1] from startTime + (n-1)*interval until now.
            Observation k is at startTime + k*interval (k = 0..n-1).
    """
    assert msg.sender == self.owner, "UNIV3: not owner"
    n: uint256 = len(ticks)
    assert n > 0 and interval > 0, "UNIV3: empty history"
    assert convert(startTime, uint256) + (n - 1) * convert(interval, uint256) <= block.timestamp, "UNIV3: history in the future"
    card: uint256 = max(n, convert(self.observationCardinalityNext, uint256))
    prev: Observation = Observation(blockTimestamp=startTime, tickCumulative=0, secondsPerLiquidityCumulativeX128=0, initialized=True)
    self.observations[0] = prev
    for k: uint256 in range(1, MAX_HISTORY):
        if k >= n:
            break
        prev = self._transform(prev, prev.blockTimestamp + interval, ticks[k - 1], self.liquidity)
        self.observations[k] = prev
    for k: uint256 in range(MAX_HISTORY):
        if n + k >= card:
            break
        self.observations[n + k] = empty(Observation)
    self.observationIndex = convert(n - 1, uint16)
    self.observationCardinality = convert(card, uint16)
    self.observationCardinalityNext = convert(card, uint16)
    self.tick = ticks[n - 1]
    self.sqrtPriceX96 = lastSqrtPriceX96
    log HistoryWritten(startTime=startTime, interval=interval, count=n)


@internal
@view
def _binarySearch(target: uint32, idx: uint256, card: uint256) -> (Observation, Observation):
    l: uint256 = (idx + 1) % card
    r: uint256 = l + card - 1
    beforeOrAt: Observation = empty(Observation)
    atOrAfter: Observation = empty(Observation)
    for _: uint256 in range(64):
        i: uint256 = (l + r) // 2
        beforeOrAt = self.observations[i % card]
        if not beforeOrAt.initialized:
            l = i + 1
            continue
        atOrAfter = self.observations[(i + 1) % card]
        targetAtOrAfter: bool = beforeOrAt.blockTimestamp <= target
        if targetAtOrAfter and target <= atOrAfter.blockTimestamp:
            return beforeOrAt, atOrAfter
        if not targetAtOrAfter:
            r = i - 1
        else:
            l = i + 1
    raise "UNIV3: search failed"


@internal
@view
def _observeSingle(time: uint32, secondsAgo: uint32, tick: int24, idx: uint256, liq: uint128, card: uint256) -> (int56, uint160):
    if secondsAgo == 0:
        last: Observation = self.observations[idx]
        if last.blockTimestamp != time:
            last = self._transform(last, time, tick, liq)
        return last.tickCumulative, last.secondsPerLiquidityCumulativeX128
    assert secondsAgo <= time, "OLD"
    target: uint32 = time - secondsAgo
    beforeOrAt: Observation = self.observations[idx]
    atOrAfter: Observation = empty(Observation)
    if beforeOrAt.blockTimestamp <= target:
        if beforeOrAt.blockTimestamp == target:
            return beforeOrAt.tickCumulative, beforeOrAt.secondsPerLiquidityCumulativeX128
        atOrAfter = self._transform(beforeOrAt, target, tick, liq)
        return atOrAfter.tickCumulative, atOrAfter.secondsPerLiquidityCumulativeX128
    oldest: Observation = self.observations[(idx + 1) % card]
    if not oldest.initialized:
        oldest = self.observations[0]
    assert oldest.blockTimestamp <= target, "OLD"
    beforeOrAt, atOrAfter = self._binarySearch(target, idx, card)
    if target == beforeOrAt.blockTimestamp:
        return beforeOrAt.tickCumulative, beforeOrAt.secondsPerLiquidityCumulativeX128
    if target == atOrAfter.blockTimestamp:
        return atOrAfter.tickCumulative, atOrAfter.secondsPerLiquidityCumulativeX128
    obsDelta: int56 = convert(atOrAfter.blockTimestamp - beforeOrAt.blockTimestamp, int56)
    targetDelta: int56 = convert(target - beforeOrAt.blockTimestamp, int56)
    # Solidity's signed division truncates toward zero, as Vyper's // does
    tc: int56 = beforeOrAt.tickCumulative + ((atOrAfter.tickCumulative - beforeOrAt.tickCumulative) // obsDelta) * targetDelta
    spl: uint160 = beforeOrAt.secondsPerLiquidityCumulativeX128 + convert(convert(atOrAfter.secondsPerLiquidityCumulativeX128 - beforeOrAt.secondsPerLiquidityCumulativeX128, uint256) * convert(targetDelta, uint256) // convert(obsDelta, uint256), uint160)
    return tc, spl


@external
@view
def observe(secondsAgos: DynArray[uint32, 64]) -> (DynArray[int56, 64], DynArray[uint160, 64]):
    card: uint256 = convert(self.observationCardinality, uint256)
    assert card > 0, "I"
    time: uint32 = convert(block.timestamp, uint32)
    tcs: DynArray[int56, 64] = []
    spls: DynArray[uint160, 64] = []
    idx: uint256 = convert(self.observationIndex, uint256)
    for s: uint32 in secondsAgos:
        tc: int56 = 0
        spl: uint160 = 0
        tc, spl = self._observeSingle(time, s, self.tick, idx, self.liquidity, card)
        tcs.append(tc)
        spls.append(spl)
    return tcs, spls
