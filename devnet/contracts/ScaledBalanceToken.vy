# pragma version ~=0.4.3
"""
@title aToken / variable debt token view of a Pool reserve (devnet)
@notice Read-only IScaledBalanceToken: the balances live in the Pool; this
        contract gives each reserve the aTokenAddress / variableDebtTokenAddress
        that Aave's getReserveData names. Not transferable.
"""

interface IPool:
    def scaledATokenBalanceOf(asset: address, user: address) -> uint256: view
    def scaledVariableDebtOf(asset: address, user: address) -> uint256: view
    def scaledTotalSupply(asset: address) -> uint256: view
    def scaledTotalVariableDebt(asset: address) -> uint256: view
    def getReserveNormalizedIncome(asset: address) -> uint256: view
    def getReserveNormalizedVariableDebt(asset: address) -> uint256: view

RAY: constant(uint256) = 10 ** 27
HALF_RAY: constant(uint256) = 10 ** 27 // 2

POOL: public(address)
UNDERLYING_ASSET_ADDRESS: public(address)
isDebtToken: public(bool)
name: public(String[64])
symbol: public(String[32])
decimals: public(uint8)


@deploy
def __init__(pool: address, underlying: address, debt: bool, _name: String[64], _symbol: String[32], _decimals: uint8):
    self.POOL = pool
    self.UNDERLYING_ASSET_ADDRESS = underlying
    self.isDebtToken = debt
    self.name = _name
    self.symbol = _symbol
    self.decimals = _decimals


@internal
@view
def _scaled(user: address) -> uint256:
    if self.isDebtToken:
        return staticcall IPool(self.POOL).scaledVariableDebtOf(self.UNDERLYING_ASSET_ADDRESS, user)
    return staticcall IPool(self.POOL).scaledATokenBalanceOf(self.UNDERLYING_ASSET_ADDRESS, user)


@internal
@view
def _scaledTotal() -> uint256:
    if self.isDebtToken:
        return staticcall IPool(self.POOL).scaledTotalVariableDebt(self.UNDERLYING_ASSET_ADDRESS)
    return staticcall IPool(self.POOL).scaledTotalSupply(self.UNDERLYING_ASSET_ADDRESS)


@internal
@view
def _index() -> uint256:
    if self.isDebtToken:
        return staticcall IPool(self.POOL).getReserveNormalizedVariableDebt(self.UNDERLYING_ASSET_ADDRESS)
    return staticcall IPool(self.POOL).getReserveNormalizedIncome(self.UNDERLYING_ASSET_ADDRESS)


@external
@view
def scaledBalanceOf(user: address) -> uint256:
    return self._scaled(user)


@external
@view
def scaledTotalSupply() -> uint256:
    return self._scaledTotal()


@external
@view
def getScaledUserBalanceAndSupply(user: address) -> (uint256, uint256):
    return self._scaled(user), self._scaledTotal()


@external
@view
def balanceOf(user: address) -> uint256:
    return (self._scaled(user) * self._index() + HALF_RAY) // RAY


@external
@view
def totalSupply() -> uint256:
    return (self._scaledTotal() * self._index() + HALF_RAY) // RAY
