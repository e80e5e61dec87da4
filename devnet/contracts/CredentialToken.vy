# pragma version ~=0.4.3
"""
@title Credentials with holders and an emission controller (devnet)
@notice Each credential has holders and an emission rate (token wei per second
        per holder). The minter role mints a holder's accrued emissions of the
        ERC-20 emission token up to an `accruedUntil` time: never in the
        future, always after the holder's previous accruedUntil, and never
        more than ratePerSecond * (accruedUntil - previous accruedUntil).
        A holder's accrual starts at the `since` time given when added.
"""

interface IMintable:
    def mint(receiver: address, amount: uint256): nonpayable

struct Credential:
    name: String[64]
    ratePerSecond: uint256
    holderCount: uint256
    createdAt: uint256
    exists: bool

event CredentialCreated:
    credentialId: indexed(uint256)
    name: String[64]
    ratePerSecond: uint256

event HolderAdded:
    credentialId: indexed(uint256)
    holder: indexed(address)
    since: uint256

event HolderRemoved:
    credentialId: indexed(uint256)
    holder: indexed(address)

event EmissionsMinted:
    credentialId: indexed(uint256)
    holder: indexed(address)
    amount: uint256
    fromTime: uint256
    accruedUntil: uint256

event MinterSet:
    minter: indexed(address)
    allowed: bool

MAX_BATCH: constant(uint256) = 256
MAX_PAGE: constant(uint256) = 1000

owner: public(address)
emissionToken: public(address)
minters: public(HashMap[address, bool])
credentialCount: public(uint256)
credentials: public(HashMap[uint256, Credential])
holderAt: public(HashMap[uint256, HashMap[uint256, address]])
holderIndex: HashMap[uint256, HashMap[address, uint256]]  # index + 1; 0 = not a holder
accruedUntil: public(HashMap[uint256, HashMap[address, uint256]])
totalMinted: public(HashMap[uint256, HashMap[address, uint256]])


@deploy
def __init__(token: address):
    self.owner = msg.sender
    self.emissionToken = token


@external
def setMinter(minter: address, allowed: bool):
    assert msg.sender == self.owner, "CRED: not owner"
    self.minters[minter] = allowed
    log MinterSet(minter=minter, allowed=allowed)


@external
def createCredential(name: String[64], ratePerSecond: uint256) -> uint256:
    assert msg.sender == self.owner, "CRED: not owner"
    cid: uint256 = self.credentialCount
    self.credentials[cid] = Credential(name=name, ratePerSecond=ratePerSecond, holderCount=0, createdAt=block.timestamp, exists=True)
    self.credentialCount = cid + 1
    log CredentialCreated(credentialId=cid, name=name, ratePerSecond=ratePerSecond)
    return cid


@external
def addHolder(credentialId: uint256, holder: address, since: uint256):
    """@param since accrual start (0 = now); not in the future"""
    assert msg.sender == self.owner, "CRED: not owner"
    assert self.credentials[credentialId].exists, "CRED: unknown credential"
    assert self.holderIndex[credentialId][holder] == 0, "CRED: already a holder"
    assert holder != empty(address), "CRED: zero holder"
    start: uint256 = since
    if start == 0:
        start = block.timestamp
    assert start <= block.timestamp, "CRED: since in the future"
    n: uint256 = self.credentials[credentialId].holderCount
    self.holderAt[credentialId][n] = holder
    self.holderIndex[credentialId][holder] = n + 1
    self.credentials[credentialId].holderCount = n + 1
    if self.accruedUntil[credentialId][holder] < start:
        self.accruedUntil[credentialId][holder] = start
    log HolderAdded(credentialId=credentialId, holder=holder, since=start)


@external
def removeHolder(credentialId: uint256, holder: address):
    assert msg.sender == self.owner, "CRED: not owner"
    idx: uint256 = self.holderIndex[credentialId][holder]
    assert idx != 0, "CRED: not a holder"
    last: uint256 = self.credentials[credentialId].holderCount - 1
    if idx - 1 != last:
        moved: address = self.holderAt[credentialId][last]
        self.holderAt[credentialId][idx - 1] = moved
        self.holderIndex[credentialId][moved] = idx
    self.holderAt[credentialId][last] = empty(address)
    self.holderIndex[credentialId][holder] = 0
    self.credentials[credentialId].holderCount = last
    log HolderRemoved(credentialId=credentialId, holder=holder)


@external
@view
def isHolder(credentialId: uint256, holder: address) -> bool:
    return self.holderIndex[credentialId][holder] != 0


@external
@view
def ratePerSecond(credentialId: uint256) -> uint256:
    return self.credentials[credentialId].ratePerSecond


@external
@view
def getHolders(credentialId: uint256, start: uint256, count: uint256) -> DynArray[address, MAX_PAGE]:
    out: DynArray[address, MAX_PAGE] = []
    n: uint256 = self.credentials[credentialId].holderCount
    for i: uint256 in range(MAX_PAGE):
        if i >= count or start + i >= n:
            break
        out.append(self.holderAt[credentialId][start + i])
    return out


@external
@view
def accruedOf(credentialId: uint256, holder: address) -> uint256:
    """@notice Emissions accrued and not minted, up to the current block time."""
    if self.holderIndex[credentialId][holder] == 0:
        return 0
    return self.credentials[credentialId].ratePerSecond * (block.timestamp - self.accruedUntil[credentialId][holder])


@external
def mintEmissions(credentialId: uint256, holders: DynArray[address, MAX_BATCH], amounts: DynArray[uint256, MAX_BATCH], accruedUntil: uint256):
    assert self.minters[msg.sender], "CRED: caller is not a minter"
    assert self.credentials[credentialId].exists, "CRED: unknown credential"
    assert len(holders) == len(amounts), "CRED: length mismatch"
    assert accruedUntil <= block.timestamp, "CRED: accruedUntil in the future"
    rate: uint256 = self.credentials[credentialId].ratePerSecond
    for i: uint256 in range(len(holders), bound=MAX_BATCH):
        holder: address = holders[i]
        assert self.holderIndex[credentialId][holder] != 0, "CRED: not a holder"
        last: uint256 = self.accruedUntil[credentialId][holder]
        assert accruedUntil > last, "CRED: accruedUntil overlaps the last mint"
        assert amounts[i] <= rate * (accruedUntil - last), "CRED: amount exceeds accrued emissions"
        self.accruedUntil[credentialId][holder] = accruedUntil
        self.totalMinted[credentialId][holder] += amounts[i]
        if amounts[i] != 0:
            extcall IMintable(self.emissionToken).mint(holder, amounts[i])
        log EmissionsMinted(credentialId=credentialId, holder=holder, amount=amounts[i], fromTime=last, accruedUntil=accruedUntil)
