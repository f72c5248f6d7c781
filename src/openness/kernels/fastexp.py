"""exp(x) for x <= 0 from +, *, floor and a table: branch-free, so loops over it vectorise.

    exp(x) = 2**n * exp(r),  n = round(x / ln 2),  r = x - n ln 2,  |r| <= ln(2) / 2

with ln 2 split in two parts (Cody & Waite) so that r is exact to rounding, exp(r) a
degree-12 Taylor polynomial in Horner form, and 2**n read from a table of powers of two.
Error bound (tested in tests/kernels/test_fastexp.py against math.exp): relative error at
most 4e-15 for -708 <= x <= 0 (the Taylor remainder is below 3e-16 and Horner adds a few
rounding errors); below -708 the result is 0 where math.exp would return a subnormal under
3e-308. The plain-Python twin performs the same operations, so kernel and twin agree bit for
bit.
"""

from __future__ import annotations

import math

import numpy as np

from openness.kernels.config import jit

LOG2E = 1.4426950408889634
LN2_HI = 0.6931471803691238  # ln 2 with its low 32 bits cleared: n * LN2_HI is exact
LN2_LO = 1.9082149292705877e-10
MIN_X = -708.0
INV_FACTORIAL = np.array([1.0 / math.factorial(k) for k in range(13)])
#: POW2[k] = 2**-k for k = 0..1022: the scale 2**n for n = round(x / ln 2) in [-1022, 0]
POW2 = np.array([math.ldexp(1.0, -k) for k in range(1023)])


@jit
def exp_neg(x):
    """exp(x) for x <= 0 (see the module docstring for the error bound)."""
    x = max(x, MIN_X)
    n = math.floor(x * LOG2E + 0.5)
    r = (x - n * LN2_HI) - n * LN2_LO
    p = INV_FACTORIAL[12]
    for k in range(11, -1, -1):
        p = p * r + INV_FACTORIAL[k]
    k = min(int(-n), 1022)
    return p * POW2[k]


def py_exp_neg(x: float) -> float:
    """Plain-Python twin of exp_neg: the same operations in the same order."""
    x = max(float(x), MIN_X)
    n = float(math.floor(x * LOG2E + 0.5))
    r = (x - n * LN2_HI) - n * LN2_LO
    p = float(INV_FACTORIAL[12])
    for k in range(11, -1, -1):
        p = p * r + float(INV_FACTORIAL[k])
    k = min(int(-n), 1022)
    return p * float(POW2[k])
