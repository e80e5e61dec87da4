# pragma version ~=0.4.3
"""
@title Aave V3-like lending pool (devnet)
@notice Supply, borrow (variable rate), repay, withdraw, flashLoanSimple with a
        premium, scaled balances and RAY indexes that grow with time, and
        getUserAccountData computed as Aave V3.0's GenericLogic does.
@dev    Index math is Aave's WadRayMath (half-up rayMul/rayDiv/wadDiv), its
        PercentageMath (half-up percentMul/percentDiv) and MathUtils (linear
        interest for the liquidity index, 3-term compounded interest for the
        variable borrow index). Rates are fixed per reserve and set by the owner.
        User configuration bitmap as Aave: bit 2*id = borrowing, bit 2*id+1 =
        used as collateral. Reserve configuration bitmap as Aave's
        ReserveConfiguration (LTV bits 0-15, liquidation threshold 16-31,
        liquidation bonus 32-47, decimals 48-55, active 56, borrowing 58,
        flash loans 63).
        Extensions that Aave does not have: setAuthorizedManager /
        withdrawOnBehalf (a user lets a manager, the FlashLoanOrchestrator,
        withdraw their collateral), and an enumerable list of users.
"""

interface IERC20:
    def transfer(receiver: address, amount: uint256) -> bool: nonpayable
    def transferFrom(sender: address, receiver: address, amount: uint256) -> bool: nonpayable

interface IPriceOracleGetter:
    def getAssetPrice(asset: address) -> uint256: view

interface IFlashLoanSimpleReceiver:
    def executeOperation(asset: address, amount: uint256, premium: uint256, initiator: address, params: Bytes[1024]) -> bool: nonpayable

struct ReserveConfigurationMap:
    data: uint256

struct UserConfigurationMap:
    data: uint256

# Aave V3.0 DataTypes.ReserveData, field for field (ABI-compatible).
struct ReserveData:
    configuration: ReserveConfigurationMap
    liquidityIndex: uint128
    currentLiquidityRate: uint128
    variableBorrowIndex: uint128
    currentVariableBorrowRate: uint128
    currentStableBorrowRate: uint128
    lastUpdateTimestamp: uint40
    id: uint16
    aTokenAddress: address
    stableDebtTokenAddress: address
    variableDebtTokenAddress: address
    interestRateStrategyAddress: address
    accruedToTreasury: uint128
    unbacked: uint128
    isolationModeTotalDebt: uint128

# Storage of one reserve (one field per slot, in this order).
struct Reserve:
    id: uint256
    configuration: uint256
    liquidityIndex: uint256
    variableBorrowIndex: uint256
    currentLiquidityRate: uint256
    currentVariableBorrowRate: uint256
    lastUpdateTimestamp: uint256
    aTokenAddress: address
    variableDebtTokenAddress: address
    totalScaledSupply: uint256
    totalScaledVariableDebt: uint256

struct UserReserve:
    asset: address
    scaledATokenBalance: uint256
    scaledVariableDebt: uint256
    usageAsCollateralEnabledOnUser: bool

event Supply:
    reserve: indexed(address)
    user: address
    onBehalfOf: indexed(address)
    amount: uint256
    referralCode: indexed(uint16)

event Withdraw:
    reserve: indexed(address)
    user: indexed(address)
    to: indexed(address)
    amount: uint256

event Borrow:
    reserve: indexed(address)
    user: address
    onBehalfOf: indexed(address)
    amount: uint256
    interestRateMode: uint8
    borrowRate: uint256
    referralCode: indexed(uint16)

event Repay:
    reserve: indexed(address)
    user: indexed(address)
    repayer: indexed(address)
    amount: uint256
    useATokens: bool

event FlashLoan:
    target: indexed(address)
    initiator: address
    asset: indexed(address)
    amount: uint256
    interestRateMode: uint8
    premium: uint256
    referralCode: indexed(uint16)

event ReserveUsedAsCollateralEnabled:
    reserve: indexed(address)
    user: indexed(address)

event ReserveUsedAsCollateralDisabled:
    reserve: indexed(address)
    user: indexed(address)

event ReserveDataUpdated:
    reserve: indexed(address)
    liquidityRate: uint256
    stableBorrowRate: uint256
    variableBorrowRate: uint256
    liquidityIndex: uint256
    variableBorrowIndex: uint256

event ReserveInitialized:
    asset: indexed(address)
    aToken: indexed(address)
    variableDebtToken: address
    ltv: uint256
    liquidationThreshold: uint256
    decimals: uint256

event AuthorizedManagerSet:
    user: indexed(address)
    manager: indexed(address)
    approved: bool

event UserRegistered:
    user: indexed(address)
    index: uint256

MAX_RESERVES: constant(uint256) = 16
MAX_PAGE: constant(uint256) = 1000
RAY: constant(uint256) = 10 ** 27
HALF_RAY: constant(uint256) = 10 ** 27 // 2
WAD: constant(uint256) = 10 ** 18
HALF_WAD: constant(uint256) = 10 ** 18 // 2
WAD_RAY_RATIO: constant(uint256) = 10 ** 9
PERCENTAGE_FACTOR: constant(uint256) = 10 ** 4
HALF_PERCENTAGE_FACTOR: constant(uint256) = 5 * 10 ** 3
SECONDS_PER_YEAR: constant(uint256) = 365 * 86400
HEALTH_FACTOR_LIQUIDATION_THRESHOLD: constant(uint256) = 10 ** 18
VARIABLE_RATE_MODE: constant(uint256) = 2

LTV_MASK: constant(uint256) = 65535
ACTIVE_BIT: constant(uint256) = 1 << 56
BORROWING_BIT: constant(uint256) = 1 << 58
FLASHLOAN_BIT: constant(uint256) = 1 << 63
BORROWING_ANY_MASK: constant(uint256) = 38597363079105398474523661669562635951089994888546854679819194669304376546645  # 0x5555...55

# ---- storage (order matters for scenario seeding; see devnet/devnet/contracts.py) ----
owner: public(address)
oracle: public(address)
FLASHLOAN_PREMIUM_TOTAL: public(uint128)
FLASHLOAN_PREMIUM_TO_PROTOCOL: public(uint128)
reservesCount: public(uint256)
reservesList: HashMap[uint256, address]
reserves: HashMap[address, Reserve]
scaledSupply: HashMap[address, HashMap[address, uint256]]
scaledDebt: HashMap[address, HashMap[address, uint256]]
userConfig: HashMap[address, uint256]
userCount: public(uint256)
userAt: public(HashMap[uint256, address])
userRegistered: public(HashMap[address, bool])
authorizedManagers: HashMap[address, HashMap[address, bool]]


@deploy
def __init__(_oracle: address, premiumTotalBps: uint128):
    self.owner = msg.sender
    self.oracle = _oracle
    self.FLASHLOAN_PREMIUM_TOTAL = premiumTotalBps
    self.FLASHLOAN_PREMIUM_TO_PROTOCOL = 0


# ---------------------------------------------------------------- math
@internal
@pure
def _rayMul(a: uint256, b: uint256) -> uint256:
    return (a * b + HALF_RAY) // RAY


@internal
@pure
def _rayDiv(a: uint256, b: uint256) -> uint256:
    return (a * RAY + b // 2) // b


@internal
@pure
def _wadDiv(a: uint256, b: uint256) -> uint256:
    return (a * WAD + b // 2) // b


@internal
@pure
def _percentMul(v: uint256, percentage: uint256) -> uint256:
    return (v * percentage + HALF_PERCENTAGE_FACTOR) // PERCENTAGE_FACTOR


@internal
@pure
def _percentDiv(v: uint256, percentage: uint256) -> uint256:
    return (v * PERCENTAGE_FACTOR + percentage // 2) // percentage


@internal
@view
def _linearInterest(rate: uint256, last: uint256) -> uint256:
    return RAY + rate * (block.timestamp - last) // SECONDS_PER_YEAR


@internal
@view
def _compoundedInterest(rate: uint256, last: uint256) -> uint256:
    exp: uint256 = block.timestamp - last
    if exp == 0:
        return RAY
    expMinusOne: uint256 = exp - 1
    expMinusTwo: uint256 = 0
    if exp > 2:
        expMinusTwo = exp - 2
    basePowerTwo: uint256 = self._rayMul(rate, rate) // (SECONDS_PER_YEAR * SECONDS_PER_YEAR)
    basePowerThree: uint256 = self._rayMul(basePowerTwo, rate) // SECONDS_PER_YEAR
    secondTerm: uint256 = exp * expMinusOne * basePowerTwo // 2
    thirdTerm: uint256 = exp * expMinusOne * expMinusTwo * basePowerThree // 6
    return RAY + rate * exp // SECONDS_PER_YEAR + secondTerm + thirdTerm


@internal
@view
def _normalizedIncome(asset: address) -> uint256:
    last: uint256 = self.reserves[asset].lastUpdateTimestamp
    idx: uint256 = self.reserves[asset].liquidityIndex
    if last == block.timestamp:
        return idx
    return self._rayMul(self._linearInterest(self.reserves[asset].currentLiquidityRate, last), idx)


@internal
@view
def _normalizedDebt(asset: address) -> uint256:
    last: uint256 = self.reserves[asset].lastUpdateTimestamp
    idx: uint256 = self.reserves[asset].variableBorrowIndex
    if last == block.timestamp:
        return idx
    return self._rayMul(self._compoundedInterest(self.reserves[asset].currentVariableBorrowRate, last), idx)


@internal
def _updateState(asset: address):
    last: uint256 = self.reserves[asset].lastUpdateTimestamp
    if last == block.timestamp:
        return
    liqRate: uint256 = self.reserves[asset].currentLiquidityRate
    if liqRate != 0:
        self.reserves[asset].liquidityIndex = self._rayMul(self._linearInterest(liqRate, last), self.reserves[asset].liquidityIndex)
    if self.reserves[asset].totalScaledVariableDebt != 0:
        self.reserves[asset].variableBorrowIndex = self._rayMul(self._compoundedInterest(self.reserves[asset].currentVariableBorrowRate, last), self.reserves[asset].variableBorrowIndex)
    self.reserves[asset].lastUpdateTimestamp = block.timestamp


@internal
def _emitReserveDataUpdated(asset: address):
    log ReserveDataUpdated(reserve=asset, liquidityRate=self.reserves[asset].currentLiquidityRate, stableBorrowRate=0, variableBorrowRate=self.reserves[asset].currentVariableBorrowRate, liquidityIndex=self.reserves[asset].liquidityIndex, variableBorrowIndex=self.reserves[asset].variableBorrowIndex)


# ---------------------------------------------------------------- account data
@internal
@view
def _accountData(user: address) -> (uint256, uint256, uint256, uint256, uint256, bool):
    cfg: uint256 = self.userConfig[user]
    if cfg == 0:
        return 0, 0, 0, 0, max_value(uint256), False
    totalCollateral: uint256 = 0
    totalDebt: uint256 = 0
    avgLtv: uint256 = 0
    avgLt: uint256 = 0
    hasZeroLtvCollateral: bool = False
    n: uint256 = self.reservesCount
    for i: uint256 in range(MAX_RESERVES):
        if i >= n:
            break
        bits: uint256 = (cfg >> (2 * i)) & 3
        if bits == 0:
            continue
        asset: address = self.reservesList[i]
        conf: uint256 = self.reserves[asset].configuration
        ltv: uint256 = conf & LTV_MASK
        lt: uint256 = (conf >> 16) & LTV_MASK
        unit: uint256 = 10 ** ((conf >> 48) & 255)
        price: uint256 = staticcall IPriceOracleGetter(self.oracle).getAssetPrice(asset)
        if lt != 0 and (bits & 2) != 0:
            bal: uint256 = self._rayMul(self.scaledSupply[asset][user], self._normalizedIncome(asset)) * price // unit
            totalCollateral += bal
            if ltv != 0:
                avgLtv += bal * ltv
            else:
                hasZeroLtvCollateral = True
            avgLt += bal * lt
        if (bits & 1) != 0:
            debt: uint256 = self.scaledDebt[asset][user]
            if debt != 0:
                debt = self._rayMul(debt, self._normalizedDebt(asset))
            totalDebt += price * debt // unit
    if totalCollateral != 0:
        avgLtv = avgLtv // totalCollateral
        avgLt = avgLt // totalCollateral
    else:
        avgLtv = 0
        avgLt = 0
    hf: uint256 = max_value(uint256)
    if totalDebt != 0:
        hf = self._wadDiv(self._percentMul(totalCollateral, avgLt), totalDebt)
    return totalCollateral, totalDebt, avgLtv, avgLt, hf, hasZeroLtvCollateral


@external
@view
def getUserAccountData(user: address) -> (uint256, uint256, uint256, uint256, uint256, uint256):
    """
    @return totalCollateralBase, totalDebtBase, availableBorrowsBase,
            currentLiquidationThreshold, ltv, healthFactor (as Aave V3)
    """
    c: uint256 = 0
    d: uint256 = 0
    ltv: uint256 = 0
    lt: uint256 = 0
    hf: uint256 = 0
    z: bool = False
    c, d, ltv, lt, hf, z = self._accountData(user)
    avail: uint256 = self._percentMul(c, ltv)
    if avail < d:
        avail = 0
    else:
        avail = avail - d
    return c, d, avail, lt, ltv, hf


# ---------------------------------------------------------------- admin
@external
def initReserve(asset: address, aToken: address, variableDebtToken: address, ltv: uint256, liquidationThreshold: uint256, liquidationBonus: uint256, decimals: uint256):
    assert msg.sender == self.owner, "POOL: not owner"
    assert self.reserves[asset].configuration == 0, "POOL: reserve already initialized"
    n: uint256 = self.reservesCount
    assert n < MAX_RESERVES, "POOL: no more reserves allowed"
    assert ltv <= liquidationThreshold and liquidationThreshold <= PERCENTAGE_FACTOR, "POOL: invalid risk parameters"
    assert decimals <= 77, "POOL: invalid decimals"
    self.reservesList[n] = asset
    self.reservesCount = n + 1
    self.reserves[asset].id = n
    self.reserves[asset].configuration = ltv | (liquidationThreshold << 16) | (liquidationBonus << 32) | (decimals << 48) | ACTIVE_BIT | BORROWING_BIT | FLASHLOAN_BIT
    self.reserves[asset].liquidityIndex = RAY
    self.reserves[asset].variableBorrowIndex = RAY
    self.reserves[asset].lastUpdateTimestamp = block.timestamp
    self.reserves[asset].aTokenAddress = aToken
    self.reserves[asset].variableDebtTokenAddress = variableDebtToken
    log ReserveInitialized(asset=asset, aToken=aToken, variableDebtToken=variableDebtToken, ltv=ltv, liquidationThreshold=liquidationThreshold, decimals=decimals)


@external
def setReserveRiskParams(asset: address, ltv: uint256, liquidationThreshold: uint256, liquidationBonus: uint256):
    assert msg.sender == self.owner, "POOL: not owner"
    conf: uint256 = self.reserves[asset].configuration
    assert conf != 0, "POOL: reserve not initialized"
    assert ltv <= liquidationThreshold and liquidationThreshold <= PERCENTAGE_FACTOR, "POOL: invalid risk parameters"
    conf = conf & ~((1 << 48) - 1)
    self.reserves[asset].configuration = conf | ltv | (liquidationThreshold << 16) | (liquidationBonus << 32)


@external
def setReserveRates(asset: address, liquidityRate: uint256, variableBorrowRate: uint256):
    """
    @notice Annual rates in RAY (Aave's currentLiquidityRate / currentVariableBorrowRate).
            Indexes are brought up to date at the old rates first.
    """
    assert msg.sender == self.owner, "POOL: not owner"
    assert self.reserves[asset].configuration != 0, "POOL: reserve not initialized"
    self._updateState(asset)
    self.reserves[asset].currentLiquidityRate = liquidityRate
    self.reserves[asset].currentVariableBorrowRate = variableBorrowRate
    self._emitReserveDataUpdated(asset)


@external
def setFlashLoanPremium(premiumTotalBps: uint128):
    assert msg.sender == self.owner, "POOL: not owner"
    assert premiumTotalBps <= 10000, "POOL: invalid premium"
    self.FLASHLOAN_PREMIUM_TOTAL = premiumTotalBps


@external
def setOracle(newOracle: address):
    assert msg.sender == self.owner, "POOL: not owner"
    self.oracle = newOracle


@external
def syncReserves():
    """@notice Bring every reserve's indexes up to the current block (anyone)."""
    for i: uint256 in range(MAX_RESERVES):
        if i >= self.reservesCount:
            break
        asset: address = self.reservesList[i]
        self._updateState(asset)
        self._emitReserveDataUpdated(asset)


# ---------------------------------------------------------------- user actions
@internal
def _register(user: address):
    if not self.userRegistered[user]:
        self.userRegistered[user] = True
        n: uint256 = self.userCount
        self.userAt[n] = user
        self.userCount = n + 1
        log UserRegistered(user=user, index=n)


@internal
@view
def _requireActive(asset: address) -> uint256:
    conf: uint256 = self.reserves[asset].configuration
    assert conf & ACTIVE_BIT != 0, "POOL: reserve inactive"
    return conf


@external
def setAuthorizedManager(manager: address, approved: bool):
    """@notice Let `manager` withdraw the caller's collateral (withdrawOnBehalf). Anyone may repay for anyone, as in Aave."""
    self.authorizedManagers[msg.sender][manager] = approved
    log AuthorizedManagerSet(user=msg.sender, manager=manager, approved=approved)


@external
@view
def isAuthorizedManager(user: address, manager: address) -> bool:
    return self.authorizedManagers[user][manager]


@external
def supply(asset: address, amount: uint256, onBehalfOf: address, referralCode: uint16):
    conf: uint256 = self._requireActive(asset)
    assert amount != 0, "POOL: invalid amount"
    self._updateState(asset)
    index: uint256 = self.reserves[asset].liquidityIndex
    amountScaled: uint256 = self._rayDiv(amount, index)
    assert amountScaled != 0, "POOL: invalid mint amount"
    isFirstSupply: bool = self.scaledSupply[asset][onBehalfOf] == 0
    self.scaledSupply[asset][onBehalfOf] += amountScaled
    self.reserves[asset].totalScaledSupply += amountScaled
    self._register(onBehalfOf)
    rid: uint256 = self.reserves[asset].id
    if isFirstSupply and (conf & LTV_MASK) != 0:
        self.userConfig[onBehalfOf] |= 1 << (2 * rid + 1)
        log ReserveUsedAsCollateralEnabled(reserve=asset, user=onBehalfOf)
    assert extcall IERC20(asset).transferFrom(msg.sender, self, amount), "POOL: transferFrom failed"
    self._emitReserveDataUpdated(asset)
    log Supply(reserve=asset, user=msg.sender, onBehalfOf=onBehalfOf, amount=amount, referralCode=referralCode)


@internal
def _withdraw(asset: address, amount: uint256, user: address, to: address) -> uint256:
    self._requireActive(asset)
    self._updateState(asset)
    index: uint256 = self.reserves[asset].liquidityIndex
    scaled: uint256 = self.scaledSupply[asset][user]
    userBalance: uint256 = self._rayMul(scaled, index)
    amountToWithdraw: uint256 = amount
    if amount == max_value(uint256):
        amountToWithdraw = userBalance
    assert amountToWithdraw != 0, "POOL: invalid amount"
    assert amountToWithdraw <= userBalance, "POOL: not enough available user balance"
    amountScaled: uint256 = self._rayDiv(amountToWithdraw, index)
    assert amountScaled != 0, "POOL: invalid burn amount"
    if amountScaled > scaled:
        amountScaled = scaled
    self.scaledSupply[asset][user] = scaled - amountScaled
    self.reserves[asset].totalScaledSupply -= amountScaled
    rid: uint256 = self.reserves[asset].id
    cfg: uint256 = self.userConfig[user]
    isCollateral: bool = (cfg >> (2 * rid + 1)) & 1 != 0
    if isCollateral and amountToWithdraw == userBalance:
        cfg = cfg & ~(1 << (2 * rid + 1))
        self.userConfig[user] = cfg
        log ReserveUsedAsCollateralDisabled(reserve=asset, user=user)
    assert extcall IERC20(asset).transfer(to, amountToWithdraw), "POOL: transfer failed"
    # borrowing any reserve: the even bits of the user configuration
    if isCollateral and (cfg & BORROWING_ANY_MASK) != 0:
        c: uint256 = 0
        d: uint256 = 0
        ltv: uint256 = 0
        lt: uint256 = 0
        hf: uint256 = 0
        z: bool = False
        c, d, ltv, lt, hf, z = self._accountData(user)
        assert hf >= HEALTH_FACTOR_LIQUIDATION_THRESHOLD, "POOL: health factor lower than liquidation threshold"
    self._emitReserveDataUpdated(asset)
    log Withdraw(reserve=asset, user=user, to=to, amount=amountToWithdraw)
    return amountToWithdraw


@external
def withdraw(asset: address, amount: uint256, to: address) -> uint256:
    return self._withdraw(asset, amount, msg.sender, to)


@external
def withdrawOnBehalf(asset: address, amount: uint256, onBehalfOf: address, to: address) -> uint256:
    """@notice Withdraw `onBehalfOf`'s collateral to `to`; the caller must be their authorized manager."""
    assert self.authorizedManagers[onBehalfOf][msg.sender], "POOL: caller is not an authorized manager"
    return self._withdraw(asset, amount, onBehalfOf, to)


@external
def setUserUseReserveAsCollateral(asset: address, useAsCollateral: bool):
    conf: uint256 = self._requireActive(asset)
    self._updateState(asset)
    assert self.scaledSupply[asset][msg.sender] != 0, "POOL: underlying balance zero"
    rid: uint256 = self.reserves[asset].id
    bit: uint256 = 1 << (2 * rid + 1)
    cfg: uint256 = self.userConfig[msg.sender]
    if useAsCollateral:
        assert (conf & LTV_MASK) != 0, "POOL: user in isolation mode or ltv zero"
        self.userConfig[msg.sender] = cfg | bit
        log ReserveUsedAsCollateralEnabled(reserve=asset, user=msg.sender)
    else:
        self.userConfig[msg.sender] = cfg & ~bit
        c: uint256 = 0
        d: uint256 = 0
        ltv: uint256 = 0
        lt: uint256 = 0
        hf: uint256 = 0
        z: bool = False
        c, d, ltv, lt, hf, z = self._accountData(msg.sender)
        assert hf >= HEALTH_FACTOR_LIQUIDATION_THRESHOLD, "POOL: health factor lower than liquidation threshold"
        log ReserveUsedAsCollateralDisabled(reserve=asset, user=msg.sender)


@external
def borrow(asset: address, amount: uint256, interestRateMode: uint256, referralCode: uint16, onBehalfOf: address):
    conf: uint256 = self._requireActive(asset)
    assert onBehalfOf == msg.sender, "POOL: credit delegation not supported"
    assert amount != 0, "POOL: invalid amount"
    assert conf & BORROWING_BIT != 0, "POOL: borrowing not enabled"
    assert interestRateMode == VARIABLE_RATE_MODE, "POOL: invalid interest rate mode selected"
    self._updateState(asset)
    c: uint256 = 0
    d: uint256 = 0
    ltv: uint256 = 0
    lt: uint256 = 0
    hf: uint256 = 0
    z: bool = False
    c, d, ltv, lt, hf, z = self._accountData(onBehalfOf)
    assert c != 0, "POOL: collateral balance is zero"
    assert ltv != 0, "POOL: ltv validation failed"
    assert hf > HEALTH_FACTOR_LIQUIDATION_THRESHOLD, "POOL: health factor lower than liquidation threshold"
    price: uint256 = staticcall IPriceOracleGetter(self.oracle).getAssetPrice(asset)
    amountInBase: uint256 = price * amount // (10 ** ((conf >> 48) & 255))
    assert self._percentDiv(d + amountInBase, ltv) <= c, "POOL: collateral cannot cover new borrow"
    index: uint256 = self.reserves[asset].variableBorrowIndex
    amountScaled: uint256 = self._rayDiv(amount, index)
    assert amountScaled != 0, "POOL: invalid mint amount"
    self.scaledDebt[asset][onBehalfOf] += amountScaled
    self.reserves[asset].totalScaledVariableDebt += amountScaled
    self._register(onBehalfOf)
    rid: uint256 = self.reserves[asset].id
    self.userConfig[onBehalfOf] |= 1 << (2 * rid)
    assert extcall IERC20(asset).transfer(msg.sender, amount), "POOL: transfer failed"
    self._emitReserveDataUpdated(asset)
    log Borrow(reserve=asset, user=msg.sender, onBehalfOf=onBehalfOf, amount=amount, interestRateMode=2, borrowRate=self.reserves[asset].currentVariableBorrowRate, referralCode=referralCode)


@external
def repay(asset: address, amount: uint256, interestRateMode: uint256, onBehalfOf: address) -> uint256:
    self._requireActive(asset)
    assert amount != 0, "POOL: invalid amount"
    assert interestRateMode == VARIABLE_RATE_MODE, "POOL: invalid interest rate mode selected"
    assert amount != max_value(uint256) or msg.sender == onBehalfOf, "POOL: no explicit amount to repay on behalf"
    self._updateState(asset)
    index: uint256 = self.reserves[asset].variableBorrowIndex
    scaled: uint256 = self.scaledDebt[asset][onBehalfOf]
    debt: uint256 = self._rayMul(scaled, index)
    assert debt != 0, "POOL: no debt of selected type"
    payback: uint256 = debt
    if amount < debt:
        payback = amount
    amountScaled: uint256 = self._rayDiv(payback, index)
    assert amountScaled != 0, "POOL: invalid burn amount"
    if amountScaled > scaled or payback == debt:
        amountScaled = scaled
    self.scaledDebt[asset][onBehalfOf] = scaled - amountScaled
    self.reserves[asset].totalScaledVariableDebt -= amountScaled
    if payback == debt:
        rid: uint256 = self.reserves[asset].id
        self.userConfig[onBehalfOf] &= ~(1 << (2 * rid))
    assert extcall IERC20(asset).transferFrom(msg.sender, self, payback), "POOL: transferFrom failed"
    self._emitReserveDataUpdated(asset)
    log Repay(reserve=asset, user=onBehalfOf, repayer=msg.sender, amount=payback, useATokens=False)
    return payback


@external
def flashLoanSimple(receiverAddress: address, asset: address, amount: uint256, params: Bytes[1024], referralCode: uint16):
    conf: uint256 = self._requireActive(asset)
    assert conf & FLASHLOAN_BIT != 0, "POOL: flashloan disabled"
    assert amount != 0, "POOL: invalid amount"
    premium: uint256 = self._percentMul(amount, convert(self.FLASHLOAN_PREMIUM_TOTAL, uint256))
    assert extcall IERC20(asset).transfer(receiverAddress, amount), "POOL: transfer failed"
    ok: bool = extcall IFlashLoanSimpleReceiver(receiverAddress).executeOperation(asset, amount, premium, msg.sender, params)
    assert ok, "POOL: invalid flashloan executor return"
    # _handleFlashLoanRepayment: the premium goes to the suppliers (liquidity index)
    self._updateState(asset)
    premiumToProtocol: uint256 = self._percentMul(premium, convert(self.FLASHLOAN_PREMIUM_TO_PROTOCOL, uint256))
    premiumToLP: uint256 = premium - premiumToProtocol
    index: uint256 = self.reserves[asset].liquidityIndex
    totalLiquidity: uint256 = self._rayMul(self.reserves[asset].totalScaledSupply, index)
    if totalLiquidity != 0 and premiumToLP != 0:
        ratio: uint256 = self._rayDiv(premiumToLP * WAD_RAY_RATIO, totalLiquidity * WAD_RAY_RATIO)
        self.reserves[asset].liquidityIndex = self._rayMul(ratio + RAY, index)
    assert extcall IERC20(asset).transferFrom(receiverAddress, self, amount + premium), "POOL: flash loan not repaid"
    self._emitReserveDataUpdated(asset)
    log FlashLoan(target=receiverAddress, initiator=msg.sender, asset=asset, amount=amount, interestRateMode=0, premium=premium, referralCode=referralCode)


# ---------------------------------------------------------------- views
@external
@view
def getReserveData(asset: address) -> ReserveData:
    r: Reserve = self.reserves[asset]
    return ReserveData(
        configuration=ReserveConfigurationMap(data=r.configuration),
        liquidityIndex=convert(r.liquidityIndex, uint128),
        currentLiquidityRate=convert(r.currentLiquidityRate, uint128),
        variableBorrowIndex=convert(r.variableBorrowIndex, uint128),
        currentVariableBorrowRate=convert(r.currentVariableBorrowRate, uint128),
        currentStableBorrowRate=0,
        lastUpdateTimestamp=convert(r.lastUpdateTimestamp, uint40),
        id=convert(r.id, uint16),
        aTokenAddress=r.aTokenAddress,
        stableDebtTokenAddress=empty(address),
        variableDebtTokenAddress=r.variableDebtTokenAddress,
        interestRateStrategyAddress=empty(address),
        accruedToTreasury=0,
        unbacked=0,
        isolationModeTotalDebt=0,
    )


@external
@view
def getConfiguration(asset: address) -> ReserveConfigurationMap:
    return ReserveConfigurationMap(data=self.reserves[asset].configuration)


@external
@view
def getReserveConfig(asset: address) -> (uint256, uint256, uint256, uint256):
    """@return ltv, liquidationThreshold, liquidationBonus (bps), decimals"""
    conf: uint256 = self.reserves[asset].configuration
    return conf & LTV_MASK, (conf >> 16) & LTV_MASK, (conf >> 32) & LTV_MASK, (conf >> 48) & 255


@external
@view
def getUserConfiguration(user: address) -> UserConfigurationMap:
    return UserConfigurationMap(data=self.userConfig[user])


@external
@view
def getReservesList() -> DynArray[address, MAX_RESERVES]:
    out: DynArray[address, MAX_RESERVES] = []
    for i: uint256 in range(MAX_RESERVES):
        if i >= self.reservesCount:
            break
        out.append(self.reservesList[i])
    return out


@external
@view
def getReserveNormalizedIncome(asset: address) -> uint256:
    return self._normalizedIncome(asset)


@external
@view
def getReserveNormalizedVariableDebt(asset: address) -> uint256:
    return self._normalizedDebt(asset)


@external
@view
def scaledATokenBalanceOf(asset: address, user: address) -> uint256:
    return self.scaledSupply[asset][user]


@external
@view
def scaledVariableDebtOf(asset: address, user: address) -> uint256:
    return self.scaledDebt[asset][user]


@external
@view
def aTokenBalanceOf(asset: address, user: address) -> uint256:
    return self._rayMul(self.scaledSupply[asset][user], self._normalizedIncome(asset))


@external
@view
def variableDebtOf(asset: address, user: address) -> uint256:
    return self._rayMul(self.scaledDebt[asset][user], self._normalizedDebt(asset))


@external
@view
def scaledTotalSupply(asset: address) -> uint256:
    return self.reserves[asset].totalScaledSupply


@external
@view
def scaledTotalVariableDebt(asset: address) -> uint256:
    return self.reserves[asset].totalScaledVariableDebt


@external
@view
def borrowedReservesCount(user: address) -> uint256:
    cfg: uint256 = self.userConfig[user]
    count: uint256 = 0
    for i: uint256 in range(MAX_RESERVES):
        if (cfg >> (2 * i)) & 1 != 0:
            count += 1
    return count


@external
@view
def getUsers(start: uint256, count: uint256) -> DynArray[address, MAX_PAGE]:
    """@notice Users in registration order, [start, start+count) clipped to userCount; count <= 1000."""
    out: DynArray[address, MAX_PAGE] = []
    n: uint256 = self.userCount
    for i: uint256 in range(MAX_PAGE):
        if i >= count or start + i >= n:
            break
        out.append(self.userAt[start + i])
    return out


@external
@view
def getUserReserves(user: address) -> DynArray[UserReserve, MAX_RESERVES]:
    """@notice Every reserve where the user has a scaled aToken or debt balance."""
    out: DynArray[UserReserve, MAX_RESERVES] = []
    cfg: uint256 = self.userConfig[user]
    for i: uint256 in range(MAX_RESERVES):
        if i >= self.reservesCount:
            break
        asset: address = self.reservesList[i]
        s: uint256 = self.scaledSupply[asset][user]
        d: uint256 = self.scaledDebt[asset][user]
        if s != 0 or d != 0:
            out.append(UserReserve(asset=asset, scaledATokenBalance=s, scaledVariableDebt=d, usageAsCollateralEnabledOnUser=(cfg >> (2 * i + 1)) & 1 != 0))
    return out
