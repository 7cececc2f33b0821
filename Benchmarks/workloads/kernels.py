# kernels: the NTK and NNGP recursions of kernels.lk in NumPy, written the way
# neural-tangents' stax does it (Dense: nngp <- W²·nngp + b², ntk <- nngp + W²·ntk;
# Relu: the arc-cosine kernel and its derivative; Erf: Williams' arcsine kernel), on
# full n×n matrices. The recursion gives both kernels; the nngp rows skip the NTK.
# Prints one line per timed call: <tag> <n> <seconds>, as kernels.lk.
import time
import numpy as np
from benchtiming import measure

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
n = 2000                          # bench:param
one_call = 1                      # bench:param  (unused: the recursion always gives both)
d = 50
W2, B2 = 1.4 ** 2, 0.1 ** 2


def kernels(x, act, depth=3, want_ntk=True):
    nngp = x @ x.T / x.shape[1]
    q = np.diag(nngp).copy()
    ntk = np.zeros_like(nngp) if want_ntk else None
    for layer in range(depth + 1):
        nngp = W2 * nngp + B2
        q = W2 * q + B2
        if want_ntk:
            ntk = nngp + W2 * ntk
        if layer == depth:
            break
        if act == "relu":
            s = np.sqrt(np.outer(q, q))
            rho = np.clip(nngp / s, -1.0, 1.0)
            theta = np.arccos(rho)
            if want_ntk:
                ntk = ntk * ((np.pi - theta) / (2 * np.pi))
            nngp = s / (2 * np.pi) * (np.sqrt(1 - rho * rho) + (np.pi - theta) * rho)
            q = q / 2
        else:
            p = np.outer(1 + 2 * q, 1 + 2 * q)
            if want_ntk:
                ntk = ntk * (4 / np.pi / np.sqrt(np.maximum(p - 4 * nngp * nngp, 1e-300)))
            nngp = 2 / np.pi * np.arcsin(np.clip(2 * nngp / np.sqrt(p), -1.0, 1.0))
            q = 2 / np.pi * np.arcsin(2 * q / (1 + 2 * q))
    return nngp, ntk


rng = np.random.default_rng(0)
x = rng.standard_normal((n, d))
for a in ["relu", "erf"]:
    measure("ntk" + a, n, lambda: kernels(x, a)[1], reps, warmup)
    measure("nngp" + a, n, lambda: kernels(x, a, want_ntk=False)[0], reps, warmup)
    measure("both" + a, n, lambda: kernels(x, a), reps, warmup)
