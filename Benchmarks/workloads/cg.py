# cg: exactly `iters` iterations of scipy.sparse.linalg.cg (rtol=0, atol=0) on a dense
# n×n SPD NumPy matrix. Prints: cg <n> <iters> <seconds>, then cgiters <n> <iters> <count>,
# then cgsetup <n> <seconds> for one-iteration solves (the fixed cost of a call).
import time
import numpy as np
import scipy.sparse.linalg as sl

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
n = 2000                          # bench:param
iters = 200                       # bench:param
rng = np.random.default_rng(0)
g = rng.standard_normal((n, n))
a = g @ g.T / n + np.eye(n)
b = rng.standard_normal(n)
count = [0]
def solve():
    return sl.cg(a, b, rtol=0.0, atol=0.0, maxiter=iters)
w0 = time.perf_counter()
x, info = solve()
while time.perf_counter() - w0 < warmup:
    x, info = solve()
for r in range(reps):
    t0 = time.perf_counter()
    x, info = solve()
    t1 = time.perf_counter()
    print("cg", n, iters, t1 - t0, flush=True)
print("cgiters", n, iters, info, flush=True)
for r in range(reps):
    t0 = time.perf_counter()
    sl.cg(a, b, rtol=0.0, atol=0.0, maxiter=1)
    t1 = time.perf_counter()
    print("cgsetup", n, t1 - t0, flush=True)
