#!/usr/bin/env python3
"""Writes numpy_core.json: inputs and NumPy's (and scipy's, for logsumexp) results
for the NumPy-named functions of lk (sort, argsort, unique, median, percentile, …),
which Tests/LkTensorTests/NumPyCoreTests.swift checks lk's engine against.

Run from this directory:  python3 make_numpy_core.py   (NumPy 2.4, SciPy 1.17 here).
A tensor is {"shape": [...], "data": [...]} (row-major) with every element written
as the string Python's repr gives ("0.1", "nan", "-inf"): JSON has no literal for
nan and inf, and Foundation's JSON reader on Linux does not round every number
correctly, while Swift's Double(String) does.
"""
import json
import warnings

import numpy as np
import scipy.special

warnings.simplefilter("ignore")   # NumPy warns on empty medians and zero degrees of freedom
rng = np.random.default_rng(20261130)


def enc(x):
    a = np.asarray(x, dtype=np.float64)
    data = [repr(float(v)) for v in a.ravel().tolist()]
    return {"shape": list(a.shape), "data": data}


cases = []


def case(fn, expect, **args):
    cases.append({"fn": fn, "args": {k: (enc(v) if isinstance(v, (np.ndarray, list, np.floating)) else v) for k, v in args.items()},
                  "expect": enc(expect) if not isinstance(expect, bool) else expect})


ties = np.round(rng.standard_normal((4, 7)), 0)
ties[1, 3] = np.nan
ties[2, 0] = np.nan
ties[0, 2] = -0.0
cube = rng.standard_normal((3, 4, 5))
big = np.round(rng.standard_normal(2000) * 3, 1)   # many ties
empty = np.zeros((0,))
empty2 = np.zeros((2, 0))

# sort / argsort: stable, nan last, every axis, empty
for x, axes in [(ties, [-1, 0, 1, None]), (cube, [0, 1, -1, -3, None]), (big, [0]), (empty, [0, None]), (empty2, [0, 1])]:
    for ax in axes:
        case("sort", np.sort(x, axis=ax, kind="stable"), x=x, axis=ax)
        case("argsort", np.argsort(x, axis=ax, kind="stable"), x=x, axis=ax)
case("argsort", np.argsort(np.array([2, 1, 2, 1, np.nan, 0, np.nan, 1.0]), kind="stable"), x=[2, 1, 2, 1, np.nan, 0, np.nan, 1.0], axis=-1)
case("argsort", np.argsort(np.array([0.0, -0.0, 0.0, -0.0]), kind="stable"), x=[0.0, -0.0, 0.0, -0.0], axis=-1)
case("sort", np.sort(np.array([np.inf, -np.inf, np.nan, 1e308, -1e-308, 5e-324])), x=[np.inf, -np.inf, np.nan, 1e308, -1e-308, 5e-324], axis=-1)

# unique with every output
for x in [ties, big, np.array([3.0, np.nan, 1, np.nan, 3]), empty]:
    v, idx, inv, cnt = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    cases.append({"fn": "unique", "args": {"x": enc(x)},
                  "expect": {"values": enc(v), "index": enc(idx), "inverse": enc(inv), "counts": enc(cnt)}})

# searchsorted
a = np.sort(np.round(rng.standard_normal(30), 1))
a = np.append(a, [np.nan, np.nan])
v = np.concatenate([np.round(rng.standard_normal(12), 1), a[:4], [np.nan, np.inf, -np.inf]]).reshape(19, 1)
for side in ["left", "right"]:
    case("searchsorted", np.searchsorted(a, v, side=side), a=a, v=v, side=side)
case("searchsorted", np.searchsorted(empty, np.array([1.0, 2.0])), a=empty, v=[1.0, 2.0], side="left")

# median
odd = rng.standard_normal(1001)
for x, axes in [(odd, [None, 0]), (rng.standard_normal((6, 8)), [None, 0, 1, -1]), (cube, [1, -1, None]),
                (ties, [1, 0]), (np.array([np.inf, np.inf, -np.inf, 1]), [None]), (empty2, [1])]:
    for ax in axes:
        case("median", np.median(x, axis=ax), x=x, axis=ax, keepdims=False)
case("median", np.median(cube, axis=1, keepdims=True), x=cube, axis=1, keepdims=True)
case("median", np.median(empty), x=empty, axis=None, keepdims=False)

# percentile / quantile: q vectors, axis, infinities, NaN lanes
qs = np.array([0, 12.5, 50, 99.9, 100])
wide = rng.standard_normal((5, 200))
for x, q, ax in [(wide, qs, 1), (wide, qs, 0), (wide, 37.0, None), (odd, qs, None), (ties, np.array([[10, 90], [50, 25]]), 1),
                 (np.array([1, 2, np.inf]), np.array([0, 25, 50, 75, 100]), None),
                 (np.array([-np.inf, 1]), np.array([0, 50, 100]), None), (cube, np.array([33.3]), -1)]:
    case("percentile", np.percentile(x, q, axis=ax), x=x, q=q if isinstance(q, np.ndarray) else np.array(q), axis=ax, keepdims=False)
    case("quantile", np.quantile(x, np.asarray(q) / 100, axis=ax), x=x, q=np.asarray(q) / 100, axis=ax, keepdims=False)
case("percentile", np.percentile(cube, [10, 90], axis=0, keepdims=True), x=cube, q=np.array([10.0, 90]), axis=0, keepdims=True)

# cov / corrcoef: rows are variables unless rowvar=False
X = rng.standard_normal((4, 30))
Y = rng.standard_normal((2, 30))
const = np.vstack([X[:2], np.full(30, 3.0)])
for m, y, rowvar, ddof in [(X, None, True, 1), (X.T, None, False, 1), (X, None, True, 0), (X[0], None, True, 1),
                           (X, Y, True, 1), (X.T, Y.T, False, 5), (X[:, :1], None, True, 1)]:
    args = {"m": m, "rowvar": rowvar, "ddof": ddof}
    if y is not None: args["y"] = y
    case("cov", np.cov(m, y, rowvar=rowvar, ddof=ddof), **args)
for m, y, rowvar in [(X, None, True), (X.T, None, False), (X, Y, True), (const, None, True), (X[1], None, True)]:
    args = {"m": m, "rowvar": rowvar}
    if y is not None: args["y"] = y
    case("corrcoef", np.corrcoef(m, y, rowvar=rowvar), **args)

# layout
M = np.arange(12.0).reshape(3, 4)
case("tile", np.tile(M, (2, 3)), x=M, reps=[2, 3])
case("tile", np.tile(np.array([1.0, 2]), (2, 1, 3)), x=[1.0, 2], reps=[2, 1, 3])
case("tile", np.tile(M, 2), x=M, reps=[2])
case("tile", np.tile(M, 0), x=M, reps=[0])
case("repeat", np.repeat(M, 2), x=M, repeats=[2], axis=None)
case("repeat", np.repeat(M, [1, 0, 3], axis=0), x=M, repeats=[1, 0, 3], axis=0)
case("repeat", np.repeat(M, 2, axis=-1), x=M, repeats=[2], axis=-1)
for k in [0, 1, -1, 5, -5]:
    case("triu", np.triu(M, k), x=M, k=k)
    case("tril", np.tril(M, k), x=M, k=k)
case("tril", np.tril(cube), x=cube, k=0)
case("triu", np.triu(np.array([1.0, 2, 3])), x=[1.0, 2, 3], k=0)
for ax in [None, 0, 1, -1, [0, 2]]:
    x = cube if isinstance(ax, list) else M
    case("flip", np.flip(x, axis=tuple(ax) if isinstance(ax, list) else ax), x=x, axis=ax)
for shift, ax in [(2, None), (-5, None), (1, 0), (-1, 1), (7, -1), ([1, 2], [0, 1])]:
    case("roll", np.roll(M, shift, axis=tuple(ax) if isinstance(ax, list) else ax), x=M, shift=shift if isinstance(shift, list) else [shift], axis=ax if isinstance(ax, list) else ([ax] if ax is not None else None))
for n, ax in [(1, -1), (2, -1), (1, 0), (3, 0), (0, -1), (9, -1)]:
    case("diff", np.diff(M ** 2, n=n, axis=ax), x=M ** 2, n=n, axis=ax)
case("diff", np.diff(cube, n=2, axis=1), x=cube, n=2, axis=1)
for a, b in [(np.array([1.0, 2]), np.array([[1.0], [3]])), (M[:2, :2], np.eye(2)), (np.array([[1.0, -1], [2, 0.5]]), M), (cube[:2, :2, :2], np.array([1.0, 10]))]:
    case("kron", np.kron(a, b), a=a, b=b)
for ij in [False, True]:
    g = np.meshgrid(np.array([1.0, 2, 3]), np.array([4.0, 5]), np.array([6.0, 7, 8, 9]), indexing="ij" if ij else "xy")
    cases.append({"fn": "meshgrid", "args": {"xs": [enc([1.0, 2, 3]), enc([4.0, 5]), enc([6.0, 7, 8, 9])], "ij": ij},
                  "expect": [enc(t) for t in g]})

# reductions and elementwise
L = rng.standard_normal((3, 5)) * 300
L[1] = -np.inf
L[2, 2] = np.inf
for ax in [None, 0, 1, -1]:
    case("logsumexp", scipy.special.logsumexp(L, axis=ax), x=L, axis=ax, keepdims=False)
case("logsumexp", scipy.special.logsumexp(cube * 50, axis=1, keepdims=True), x=cube * 50, axis=1, keepdims=True)
C = 1 + rng.standard_normal((3, 4)) / 4
for ax in [None, 0, 1, -2]:
    case("cumprod", np.cumprod(C, axis=ax), x=C, axis=ax)
ints = rng.integers(0, 7, 40).astype(float)
w = rng.standard_normal(40)
case("bincount", np.bincount(ints.astype(int)), x=ints, minlength=0)
case("bincount", np.bincount(ints.astype(int), weights=w, minlength=12), x=ints, weights=w, minlength=12)
case("bincount", np.bincount(np.array([], dtype=int), minlength=3), x=empty, minlength=3)
yv = np.array([[0.0, -0.0, 1, -1, np.inf, -np.inf, np.nan]]).T
xv = np.array([0.0, -0.0, 1, -1, np.inf, np.nan])
case("atan2", np.arctan2(yv, xv), y=yv, x=xv)
for a, b, kw in [([1, 2], [1, 2 + 1e-9], {}), ([1, 2], [1, 2.001], {}), ([1e10, 1e-7], [1.00001e10, 1e-8], {}),
                 ([1, np.nan], [1, np.nan], {}), ([1, np.nan], [1, np.nan], {"equal_nan": True}),
                 ([np.inf, 1], [np.inf, 1], {}), ([np.inf], [-np.inf], {}), ([[1, 2], [3, 4]], [1, 2], {}), ([1, 2.1], [1, 2], {"rtol": 0.1}),
                 ([0.0], [1e-9], {"atol": 0})]:
    case("allclose", bool(np.allclose(a, b, **kw)), a=np.array(a, dtype=float), b=np.array(b, dtype=float),
         rtol=kw.get("rtol", 1e-5), atol=kw.get("atol", 1e-8), equal_nan=kw.get("equal_nan", False))

with open("numpy_core.json", "w") as f:
    json.dump({"numpy": np.__version__, "cases": cases}, f, separators=(",", ":"))
print(f"numpy_core.json: {len(cases)} cases")
