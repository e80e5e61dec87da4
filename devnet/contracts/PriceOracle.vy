# pragma version ~=0.4.3
"""
@title AaveOracle-like price oracle (devnet)
@notice Prices in the base currency (USD) with 8 decimals, set by the owner.
"""

event AssetPriceUpdated:
    asset: indexed(address)
    price: uint256
    timestamp: uint256

MAX_BATCH: constant(uint256) = 64

owner: public(address)
BASE_CURRENCY: public(address)
BASE_CURRENCY_UNIT: public(uint256)
prices: HashMap[address, uint256]


@deploy
def __init__():
    self.owner = msg.sender
    self.BASE_CURRENCY = empty(address)
    self.BASE_CURRENCY_UNIT = 10 ** 8


@external
def transferOwnership(newOwner: address):
    assert msg.sender == self.owner, "ORACLE: not owner"
    self.owner = newOwner


@external
@view
def getAssetPrice(asset: address) -> uint256:
    return self.prices[asset]


@external
@view
def getAssetsPrices(assets: DynArray[address, MAX_BATCH]) -> DynArray[uint256, MAX_BATCH]:
    out: DynArray[uint256, MAX_BATCH] = []
    for a: address in assets:
        out.append(self.prices[a])
    return out


@external
def setAssetPrice(asset: address, price: uint256):
    assert msg.sender == self.owner, "ORACLE: not owner"
    self.prices[asset] = price
    log AssetPriceUpdated(asset=asset, price=price, timestamp=block.timestamp)


@external
def setAssetPrices(assets: DynArray[address, MAX_BATCH], newPrices: DynArray[uint256, MAX_BATCH]):
    assert msg.sender == self.owner, "ORACLE: not owner"
    assert len(assets) == len(newPrices), "ORACLE: length mismatch"
    for i: uint256 in range(len(assets), bound=MAX_BATCH):
        self.prices[assets[i]] = newPrices[i]
        log AssetPriceUpdated(asset=assets[i], price=newPrices[i], timestamp=block.timestamp)
