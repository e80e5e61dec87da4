"""Aave V3.0 arithmetic in Python integers (WadRayMath, PercentageMath, MathUtils, GenericLogic).

Used by the scenarios to size positions and predict health factors. The tests carry their own,
separately written reference (tests/test_contracts_aave_accuracy.py) to check the contract.
"""
from __future__ import annotations

RAY = 10**27
HALF_RAY = RAY // 2
WAD = 10**18
PERCENTAGE_FACTOR = 10**4
SECONDS_PER_YEAR = 365 * 86400
MAX_UINT256 = 2**256 - 1


def ray_mul(a: int, b: int) -> int:
    return (a * b + HALF_RAY) // RAY


def ray_div(a: int, b: int) -> int:
    return (a * RAY + b // 2) // b


def wad_div(a: int, b: int) -> int:
    return (a * WAD + b // 2) // b


def percent_mul(v: int, p: int) -> int:
    return (v * p + PERCENTAGE_FACTOR // 2) // PERCENTAGE_FACTOR


def percent_div(v: int, p: int) -> int:
    return (v * PERCENTAGE_FACTOR + p // 2) // p


def linear_interest(rate: int, last: int, now: int) -> int:
    return RAY + rate * (now - last) // SECONDS_PER_YEAR


def compounded_interest(rate: int, last: int, now: int) -> int:
    exp = now - last
    if exp == 0:
        return RAY
    e1 = exp - 1
    e2 = exp - 2 if exp > 2 else 0
    p2 = ray_mul(rate, rate) // (SECONDS_PER_YEAR * SECONDS_PER_YEAR)
    p3 = ray_mul(p2, rate) // SECONDS_PER_YEAR
    return RAY + rate * exp // SECONDS_PER_YEAR + exp * e1 * p2 // 2 + exp * e1 * e2 * p3 // 6


def normalized_income(index: int, rate: int, last: int, now: int) -> int:
    return index if last == now else ray_mul(linear_interest(rate, last, now), index)


def normalized_debt(index: int, rate: int, last: int, now: int) -> int:
    return index if last == now else ray_mul(compounded_interest(rate, last, now), index)


def account_data(entries) -> tuple[int, int, int, int, int, int]:
    """entries: [(scaled_supply, scaled_debt, use_as_collateral, borrowing, price, decimals, ltv, lt,
    income_index, debt_index)] in reserve order -> getUserAccountData's 6-tuple."""
    coll = debt = avg_ltv = avg_lt = 0
    for s, d, is_coll, is_borrow, price, dec, ltv, lt, ii, di in entries:
        unit = 10**dec
        if lt != 0 and is_coll:
            b = ray_mul(s, ii) * price // unit
            coll += b
            if ltv:
                avg_ltv += b * ltv
            avg_lt += b * lt
        if is_borrow:
            x = ray_mul(d, di) if d else 0
            debt += price * x // unit
    avg_ltv = avg_ltv // coll if coll else 0
    avg_lt = avg_lt // coll if coll else 0
    hf = MAX_UINT256 if debt == 0 else wad_div(percent_mul(coll, avg_lt), debt)
    avail = percent_mul(coll, avg_ltv)
    avail = 0 if avail < debt else avail - debt
    return coll, debt, avail, avg_lt, avg_ltv, hf
