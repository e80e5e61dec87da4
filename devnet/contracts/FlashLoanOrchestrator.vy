# pragma version ~=0.4.3
"""
@title Health-factor protection through a flash loan (devnet)
@notice protect(): flash-borrow the debt asset, repay the user's variable debt,
        withdraw just enough of the user's collateral (the user must have made
        this contract their authorized manager on the Pool), swap it on the
        oracle-priced venue into the debt asset, repay loan + premium, and
        revert unless the user's health factor afterwards is at least
        minHealthFactorAfter. Only allowed keepers may call it.
"""

interface IERC20:
    def transfer(receiver: address, amount: uint256) -> bool: nonpayable
    def approve(spender: address, amount: uint256) -> bool: nonpayable

interface IPool:
    def flashLoanSimple(receiverAddress: address, asset: address, amount: uint256, params: Bytes[1024], referralCode: uint16): nonpayable
    def repay(asset: address, amount: uint256, interestRateMode: uint256, onBehalfOf: address) -> uint256: nonpayable
    def withdrawOnBehalf(asset: address, amount: uint256, onBehalfOf: address, to: address) -> uint256: nonpayable
    def getUserAccountData(user: address) -> (uint256, uint256, uint256, uint256, uint256, uint256): view

interface ISwap:
    def getAmountIn(tokenIn: address, tokenOut: address, amountOut: uint256) -> uint256: view
    def swap(tokenIn: address, tokenOut: address, amountIn: uint256, minAmountOut: uint256, recipient: address) -> uint256: nonpayable

event Protected:
    user: indexed(address)
    collateralAsset: indexed(address)
    debtAsset: indexed(address)
    repaid: uint256
    collateralWithdrawn: uint256
    premium: uint256
    healthFactorBefore: uint256
    healthFactorAfter: uint256
    keeper: address

event KeeperSet:
    keeper: indexed(address)
    allowed: bool

owner: public(address)
POOL: public(address)
swapVenue: public(address)
keepers: public(HashMap[address, bool])
inProgress: bool
lastRepaid: uint256
lastCollateralIn: uint256
lastPremium: uint256


@deploy
def __init__(pool: address, venue: address):
    self.owner = msg.sender
    self.POOL = pool
    self.swapVenue = venue


@external
def setKeeper(keeper: address, allowed: bool):
    assert msg.sender == self.owner, "ORCH: not owner"
    self.keepers[keeper] = allowed
    log KeeperSet(keeper=keeper, allowed=allowed)


@external
def setSwapVenue(venue: address):
    assert msg.sender == self.owner, "ORCH: not owner"
    self.swapVenue = venue


@internal
@view
def _hf(user: address) -> uint256:
    a: uint256 = 0
    b: uint256 = 0
    c: uint256 = 0
    d: uint256 = 0
    e: uint256 = 0
    hf: uint256 = 0
    a, b, c, d, e, hf = staticcall IPool(self.POOL).getUserAccountData(user)
    return hf


@external
def protect(user: address, collateralAsset: address, debtAsset: address, repayAmount: uint256, maxCollateralIn: uint256, minHealthFactorAfter: uint256) -> uint256:
    """
    @return the user's health factor afterwards
    """
    assert self.keepers[msg.sender], "ORCH: caller is not an allowed keeper"
    assert repayAmount != 0, "ORCH: zero repay amount"
    assert not self.inProgress, "ORCH: reentrant call"
    hfBefore: uint256 = self._hf(user)
    self.inProgress = True
    extcall IPool(self.POOL).flashLoanSimple(self, debtAsset, repayAmount, abi_encode(user, collateralAsset, maxCollateralIn), 0)
    self.inProgress = False
    hfAfter: uint256 = self._hf(user)
    assert hfAfter >= minHealthFactorAfter, "ORCH: health factor after below minimum"
    log Protected(user=user, collateralAsset=collateralAsset, debtAsset=debtAsset, repaid=self.lastRepaid, collateralWithdrawn=self.lastCollateralIn, premium=self.lastPremium, healthFactorBefore=hfBefore, healthFactorAfter=hfAfter, keeper=msg.sender)
    return hfAfter


@external
def executeOperation(asset: address, amount: uint256, premium: uint256, initiator: address, params: Bytes[1024]) -> bool:
    assert msg.sender == self.POOL, "ORCH: caller is not the pool"
    assert initiator == self and self.inProgress, "ORCH: unexpected flash loan"
    user: address = empty(address)
    collateral: address = empty(address)
    maxCollateralIn: uint256 = 0
    user, collateral, maxCollateralIn = abi_decode(params, (address, address, uint256))
    extcall IERC20(asset).approve(self.POOL, amount)
    repaid: uint256 = extcall IPool(self.POOL).repay(asset, amount, 2, user)
    # debt asset still to obtain: the flash loan + premium less what repay left over
    need: uint256 = repaid + premium
    collIn: uint256 = need
    if collateral != asset:
        collIn = staticcall ISwap(self.swapVenue).getAmountIn(collateral, asset, need)
    assert collIn <= maxCollateralIn, "ORCH: collateral needed exceeds maxCollateralIn"
    extcall IPool(self.POOL).withdrawOnBehalf(collateral, collIn, user, self)
    got: uint256 = collIn
    if collateral != asset:
        extcall IERC20(collateral).approve(self.swapVenue, collIn)
        got = extcall ISwap(self.swapVenue).swap(collateral, asset, collIn, need, self)
    if got > need:
        extcall IERC20(asset).transfer(user, got - need)
    extcall IERC20(asset).approve(self.POOL, amount + premium)
    self.lastRepaid = repaid
    self.lastCollateralIn = collIn
    self.lastPremium = premium
    return True
