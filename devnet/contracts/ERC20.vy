# pragma version ~=0.4.3
"""
@title ERC-20 token with decimals and minter roles (devnet)
@notice Standard ERC-20; `mint` is open to addresses the owner made minters
        (scenarios, the emission controller).
"""

event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    value: uint256

event Approval:
    owner: indexed(address)
    spender: indexed(address)
    value: uint256

event MinterSet:
    minter: indexed(address)
    allowed: bool

name: public(String[64])
symbol: public(String[32])
decimals: public(uint8)
totalSupply: public(uint256)
balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])
owner: public(address)
minters: public(HashMap[address, bool])


@deploy
def __init__(_name: String[64], _symbol: String[32], _decimals: uint8):
    self.name = _name
    self.symbol = _symbol
    self.decimals = _decimals
    self.owner = msg.sender
    self.minters[msg.sender] = True
    log MinterSet(minter=msg.sender, allowed=True)


@external
def setMinter(minter: address, allowed: bool):
    assert msg.sender == self.owner, "ERC20: not owner"
    self.minters[minter] = allowed
    log MinterSet(minter=minter, allowed=allowed)


@external
def transferOwnership(newOwner: address):
    assert msg.sender == self.owner, "ERC20: not owner"
    self.owner = newOwner


@internal
def _transfer(sender: address, receiver: address, amount: uint256):
    assert receiver != empty(address), "ERC20: transfer to zero"
    bal: uint256 = self.balanceOf[sender]
    assert bal >= amount, "ERC20: insufficient balance"
    self.balanceOf[sender] = bal - amount
    self.balanceOf[receiver] += amount
    log Transfer(sender=sender, receiver=receiver, value=amount)


@external
def transfer(receiver: address, amount: uint256) -> bool:
    self._transfer(msg.sender, receiver, amount)
    return True


@external
def transferFrom(sender: address, receiver: address, amount: uint256) -> bool:
    allowed: uint256 = self.allowance[sender][msg.sender]
    if allowed != max_value(uint256):
        assert allowed >= amount, "ERC20: insufficient allowance"
        self.allowance[sender][msg.sender] = allowed - amount
    self._transfer(sender, receiver, amount)
    return True


@external
def approve(spender: address, amount: uint256) -> bool:
    self.allowance[msg.sender][spender] = amount
    log Approval(owner=msg.sender, spender=spender, value=amount)
    return True


@external
def mint(receiver: address, amount: uint256):
    assert self.minters[msg.sender], "ERC20: not minter"
    assert receiver != empty(address), "ERC20: mint to zero"
    self.totalSupply += amount
    self.balanceOf[receiver] += amount
    log Transfer(sender=empty(address), receiver=receiver, value=amount)


@external
def burn(amount: uint256):
    bal: uint256 = self.balanceOf[msg.sender]
    assert bal >= amount, "ERC20: insufficient balance"
    self.balanceOf[msg.sender] = bal - amount
    self.totalSupply -= amount
    log Transfer(sender=msg.sender, receiver=empty(address), value=amount)
