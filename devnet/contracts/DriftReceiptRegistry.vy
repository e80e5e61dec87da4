# pragma version ~=0.4.3
"""
@title Drift receipts, one per (model, period) (devnet)
@notice The oracle role registers the Keccak-256 of a canonical JSON receipt
        and its drift in basis points; a second receipt for the same
        (modelId, periodEnd) reverts.
"""

struct Receipt:
    driftBps: uint256
    receiptHash: bytes32
    submittedAt: uint256
    submitter: address
    exists: bool

event ReceiptSubmitted:
    modelId: indexed(bytes32)
    periodEnd: indexed(uint256)
    driftBps: uint256
    receiptHash: bytes32
    submitter: indexed(address)

event OracleSet:
    oracle: indexed(address)
    allowed: bool

owner: public(address)
oracles: public(HashMap[address, bool])
receipts: HashMap[bytes32, HashMap[uint256, Receipt]]
receiptCount: public(HashMap[bytes32, uint256])
periodAt: public(HashMap[bytes32, HashMap[uint256, uint256]])
latestPeriodEnd: public(HashMap[bytes32, uint256])
totalReceipts: public(uint256)
receiptModelAt: public(HashMap[uint256, bytes32])
receiptPeriodAt: public(HashMap[uint256, uint256])


@deploy
def __init__():
    self.owner = msg.sender


@external
def setOracle(oracle: address, allowed: bool):
    assert msg.sender == self.owner, "RECEIPTS: not owner"
    self.oracles[oracle] = allowed
    log OracleSet(oracle=oracle, allowed=allowed)


@external
def submitReceipt(modelId: bytes32, periodEnd: uint256, driftBps: uint256, receiptHash: bytes32):
    assert self.oracles[msg.sender], "RECEIPTS: caller is not an oracle"
    assert not self.receipts[modelId][periodEnd].exists, "RECEIPTS: receipt already submitted for this period"
    assert periodEnd <= block.timestamp, "RECEIPTS: period not ended"
    self.receipts[modelId][periodEnd] = Receipt(driftBps=driftBps, receiptHash=receiptHash, submittedAt=block.timestamp, submitter=msg.sender, exists=True)
    n: uint256 = self.receiptCount[modelId]
    self.periodAt[modelId][n] = periodEnd
    self.receiptCount[modelId] = n + 1
    if periodEnd > self.latestPeriodEnd[modelId]:
        self.latestPeriodEnd[modelId] = periodEnd
    t: uint256 = self.totalReceipts
    self.receiptModelAt[t] = modelId
    self.receiptPeriodAt[t] = periodEnd
    self.totalReceipts = t + 1
    log ReceiptSubmitted(modelId=modelId, periodEnd=periodEnd, driftBps=driftBps, receiptHash=receiptHash, submitter=msg.sender)


@external
@view
def getReceipt(modelId: bytes32, periodEnd: uint256) -> Receipt:
    return self.receipts[modelId][periodEnd]


@external
@view
def hasReceipt(modelId: bytes32, periodEnd: uint256) -> bool:
    return self.receipts[modelId][periodEnd].exists
