# ntk: the same recursion in NumPy, written the way neural-tangents' stax does it
# (Dense: nngp <- W²·nngp + b², ntk <- nngp + W²·ntk; Relu: the arc-cosine kernel
# with its derivative), on full n×n matrices.
# Prints one line per timed call: ntk <n> <seconds>
import time
import numpy as np

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
n = 2000                          # bench:param
d = 50
W2, B2 = 1.4 ** 2, 0.1 ** 2


def ntk(x, depth=3):
    nngp = x @ x.T / x.shape[1]
    q = np.diag(nngp).copy()
    ntk = np.zeros_like(nngp)
    for layer in range(depth + 1):
        nngp = W2 * nngp + B2
        q = W2 * q + B2
        ntk = nngp + W2 * ntk
        if layer == depth:
            break
        s = np.sqrt(np.outer(q, q))
        rho = np.clip(nngp / s, -1.0, 1.0)
        theta = np.arccos(rho)
        dot = (np.pi - theta) / (2 * np.pi)
        nngp = s / (2 * np.pi) * (np.sqrt(1 - rho * rho) + (np.pi - theta) * rho)
        ntk = ntk * dot
        q = q / 2
    return ntk


rng = np.random.default_rng(0)
x = rng.standard_normal((n, d))
w0 = time.perf_counter()
k = ntk(x)
while time.perf_counter() - w0 < warmup:
    k = ntk(x)
for r in range(reps):
    t0 = time.perf_counter()
    k = ntk(x)
    t1 = time.perf_counter()
    print("ntk", n, t1 - t0, flush=True)
