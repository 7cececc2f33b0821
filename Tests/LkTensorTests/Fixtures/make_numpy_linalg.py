#!/usr/bin/env python3
"""Writes numpy_linalg.json: inputs and NumPy's results for lk's pinv, lstsq, eig, fft family
and einsum (Tests/LkTensorTests/NumPyLinalgTests.swift). Run once with numpy 2.x:

    python3 make_numpy_linalg.py        # from this folder

Complex results are stored as lk holds them: a trailing axis of 2 (real, imaginary).
"""
import json
import numpy as np

rng = np.random.default_rng(20240611)


def c2(z):
    z = np.asarray(z)
    return np.stack([z.real, z.imag], axis=-1).tolist()


def arr(x):
    return np.asarray(x, dtype=float).tolist()


out = {"numpy": np.__version__, "pinv": [], "lstsq": [], "eig": [], "fft": [], "einsum": []}

# pinv: tall, wide, rank-deficient; default rcond (1e-15) and rtol=None (max(m,n)·eps).
rank2 = rng.standard_normal((4, 2)) @ rng.standard_normal((2, 4))
for name, a in [("tall", rng.standard_normal((5, 3))), ("wide", rng.standard_normal((2, 5))),
                ("rank2", rank2)]:
    out["pinv"].append({"name": name, "A": arr(a), "rtol": None, "P": arr(np.linalg.pinv(a))})
out["pinv"].append({"name": "rank2-rtol-none", "A": arr(rank2), "rtol": "none",
                    "P": arr(np.linalg.pinv(rank2, rtol=None))})
out["pinv"].append({"name": "rank2-rtol-0.1", "A": arr(rank2), "rtol": 0.1,
                    "P": arr(np.linalg.pinv(rank2, rtol=0.1))})

# lstsq: over-determined (vector and matrix b), rank-deficient, under-determined.
cases = [
    ("over-vector", rng.standard_normal((6, 3)), rng.standard_normal(6)),
    ("over-matrix", rng.standard_normal((6, 3)), rng.standard_normal((6, 2))),
    ("rank-deficient", rng.standard_normal((5, 2)) @ rng.standard_normal((2, 4)), rng.standard_normal(5)),
    ("under", rng.standard_normal((3, 5)), rng.standard_normal((3, 2))),
    ("square", rng.standard_normal((4, 4)), rng.standard_normal(4)),
]
for name, a, b in cases:
    x, res, rank, sv = np.linalg.lstsq(a, b, rcond=None)
    out["lstsq"].append({"name": name, "A": arr(a), "b": arr(b), "x": arr(x), "residuals": arr(res),
                         "rank": int(rank), "sv": arr(sv)})

# eig: non-symmetric with complex pairs, a real spectrum, a rotation (purely imaginary).
m = rng.standard_normal((5, 5))
for name, a in [("random5", m), ("upper-real", np.triu(rng.standard_normal((4, 4)))),
                ("rotation", np.array([[0.0, -2.0], [2.0, 0.0]]))]:
    w, v = np.linalg.eig(a)
    out["eig"].append({"name": name, "A": arr(a), "values": c2(w.astype(complex))})

# FFTs. Each entry: function, keyword arguments, input (real or complex as lk holds it), result.
def fcase(name, fn, x, xcomplex, kw, y, ycomplex):
    out["fft"].append({"name": name, "fn": fn, "x": c2(x) if xcomplex else arr(x), "kw": kw,
                       "y": c2(y) if ycomplex else arr(y)})

for n in (7, 8):
    x = rng.standard_normal(n)
    for norm in ("backward", "ortho", "forward"):
        fcase(f"rfft-{n}-{norm}", "rfft", x, False, {"norm": norm}, np.fft.rfft(x, norm=norm), True)
        X = np.fft.rfft(x)
        fcase(f"irfft-{n}-{norm}", "irfft", X, True, {"n": n, "norm": norm}, np.fft.irfft(X, n=n, norm=norm), False)
        fcase(f"fft-real-{n}-{norm}", "fft", x, False, {"norm": norm}, np.fft.fft(x, norm=norm), True)
        z = x + 1j * rng.standard_normal(n)
        fcase(f"ifft-{n}-{norm}", "ifft", z, True, {"norm": norm}, np.fft.ifft(z, norm=norm), True)
    fcase(f"irfft-default-n-{n}", "irfft", np.fft.rfft(x), True, {}, np.fft.irfft(np.fft.rfft(x)), False)
x = rng.standard_normal(6)
fcase("fft-pad", "fft", x, False, {"n": 9}, np.fft.fft(x, n=9), True)
fcase("fft-crop", "fft", x, False, {"n": 4}, np.fft.fft(x, n=4), True)
fcase("rfft-pad", "rfft", x, False, {"n": 11}, np.fft.rfft(x, n=11), True)
z = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
fcase("fft-complex-axis0", "fft", z, True, {"axis": 0}, np.fft.fft(z, axis=0), True)
r = rng.standard_normal((3, 5))
fcase("rfft-axis0", "rfft", r, False, {"axis": 0}, np.fft.rfft(r, axis=0), True)
fcase("irfft-axis0", "irfft", np.fft.rfft(r, axis=0), True, {"axis": 0, "n": 3}, np.fft.irfft(np.fft.rfft(r, axis=0), n=3, axis=0), False)
img = rng.standard_normal((3, 4))
fcase("fft2-real", "fft2", img, False, {}, np.fft.fft2(img), True)
fcase("fft2-s", "fft2", img, False, {"s": [4, 5]}, np.fft.fft2(img, s=(4, 5)), True)
fcase("fft2-ortho", "fft2", img, False, {"norm": "ortho"}, np.fft.fft2(img, norm="ortho"), True)
fcase("ifft2-complex", "ifft2", z, True, {}, np.fft.ifft2(z), True)
stack = rng.standard_normal((2, 3, 4)) + 1j * rng.standard_normal((2, 3, 4))
fcase("fft2-complex-axes01", "fft2", stack, True, {"axes": [0, 1]}, np.fft.fft2(stack, axes=(0, 1)), True)

# einsum: traces, diagonals, outer, batched, transposes, implicit output, ellipsis, broadcasting.
def ecase(spec, *ops):
    out["einsum"].append({"spec": spec, "operands": [arr(o) for o in ops], "y": arr(np.einsum(spec, *ops))})

A = rng.standard_normal((3, 3)); B = rng.standard_normal((3, 4)); C = rng.standard_normal((4, 2))
v = rng.standard_normal(3); w = rng.standard_normal(4)
ecase("ij,jk->ik", B.T, B)
ecase("ij,jk", A, B)
ecase("ji,jk->ik", A, B)
ecase("ij,kj->ik", B, rng.standard_normal((5, 4)))
ecase("ii", A)
ecase("ii->i", A)
ecase("ij->ji", B)
ecase("ba", B)
ecase("ij->", B)
ecase("ij->j", B)
ecase("i,i", v, v)
ecase("i,j->ij", v, w)
ecase("i,j", w, v)
ecase("bij,bjk->bik", rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5)))
ecase("bij,jk->bki", rng.standard_normal((2, 3, 4)), C)
ecase("ij,jk,kl->il", A, B, C)
ecase("i,ij,j", v, B, w)
ecase("iij->ij", rng.standard_normal((3, 3, 2)))
ecase("ijk,ikj->i", rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 3)))
ecase("...ij,...jk->...ik", rng.standard_normal((2, 1, 3, 4)), rng.standard_normal((5, 4, 2)))
ecase("...i->...", rng.standard_normal((2, 3)))
ecase("i...->...", rng.standard_normal((2, 3, 4)))
ecase("ij,ij->ij", rng.standard_normal((3, 1)), rng.standard_normal((3, 4)))
ecase("Ab,bA->", rng.standard_normal((2, 3)), rng.standard_normal((3, 2)))
ecase(",i->i", np.array(2.5), v)

with open("numpy_linalg.json", "w") as f:
    json.dump(out, f, indent=None, separators=(",", ":"))
    f.write("\n")
print("wrote numpy_linalg.json with", {k: len(v) for k, v in out.items() if isinstance(v, list)})
