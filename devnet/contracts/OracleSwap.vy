# pragma version ~=0.4.3
"""
@title Mock DEX that swaps at the oracle price less a settable slippage (devnet)
@notice amountOut = amountIn * priceIn * 10^decOut / (priceOut * 10^decIn)
        * (10000 - slippageBps) / 10000, rounded down. Holds an inventory of
        each token (funded by scenarios).
"""

interface IERC20:
    def transfer(receiver: address, amount: uint256) -> bool: nonpayable
    def transferFrom(sender: address, receiver: address, amount: uint256) -> bool: nonpayable
    def decimals() -> uint8: view

interface IPriceOracleGetter:
    def getAssetPrice(asset: address) -> uint256: view

event Swap:
    sender: indexed(address)
    tokenIn: indexed(address)
    tokenOut: indexed(address)
    amountIn: uint256
    amountOut: uint256
    recipient: address

event SlippageSet:
    slippageBps: uint256

owner: public(address)
oracle: public(address)
slippageBps: public(uint256)


@deploy
def __init__(_oracle: address, _slippageBps: uint256):
    assert _slippageBps < 10000, "SWAP: invalid slippage"
    self.owner = msg.sender
    self.oracle = _oracle
    self.slippageBps = _slippageBps


@external
def setSlippageBps(bps: uint256):
    assert msg.sender == self.owner, "SWAP: not owner"
    assert bps < 10000, "SWAP: invalid slippage"
    self.slippageBps = bps
    log SlippageSet(slippageBps=bps)


@internal
@view
def _factors(tokenIn: address, tokenOut: address) -> (uint256, uint256):
    """numerator and denominator of out/in before slippage"""
    pIn: uint256 = staticcall IPriceOracleGetter(self.oracle).getAssetPrice(tokenIn)
    pOut: uint256 = staticcall IPriceOracleGetter(self.oracle).getAssetPrice(tokenOut)
    assert pIn != 0 and pOut != 0, "SWAP: no price"
    dIn: uint256 = convert(staticcall IERC20(tokenIn).decimals(), uint256)
    dOut: uint256 = convert(staticcall IERC20(tokenOut).decimals(), uint256)
    return pIn * 10 ** dOut * (10000 - self.slippageBps), pOut * 10 ** dIn * 10000


@external
@view
def getAmountOut(tokenIn: address, tokenOut: address, amountIn: uint256) -> uint256:
    num: uint256 = 0
    den: uint256 = 0
    num, den = self._factors(tokenIn, tokenOut)
    return amountIn * num // den


@external
@view
def getAmountIn(tokenIn: address, tokenOut: address, amountOut: uint256) -> uint256:
    """@notice Smallest amountIn whose getAmountOut is at least amountOut."""
    num: uint256 = 0
    den: uint256 = 0
    num, den = self._factors(tokenIn, tokenOut)
    return (amountOut * den + num - 1) // num


@external
def swap(tokenIn: address, tokenOut: address, amountIn: uint256, minAmountOut: uint256, recipient: address) -> uint256:
    num: uint256 = 0
    den: uint256 = 0
    num, den = self._factors(tokenIn, tokenOut)
    amountOut: uint256 = amountIn * num // den
    assert amountOut >= minAmountOut, "SWAP: insufficient output amount"
    assert extcall IERC20(tokenIn).transferFrom(msg.sender, self, amountIn), "SWAP: transferFrom failed"
    assert extcall IERC20(tokenOut).transfer(recipient, amountOut), "SWAP: transfer failed"
    log Swap(sender=msg.sender, tokenIn=tokenIn, tokenOut=tokenOut, amountIn=amountIn, amountOut=amountOut, recipient=recipient)
    return amountOut
