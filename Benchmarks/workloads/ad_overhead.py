# ad_overhead, NumPy side: the same chain plainly in NumPy (no differentiation), to
# place both lk columns.
# Prints one line per timed call: chain <iters> <n> <seconds>
import time
import numpy as np

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
iters = 1000                      # bench:param
sizes = [16, 65536]               # bench:param


def chain(x):
    y = x
    for i in range(iters):
        y = y * 0.999 + 0.001
    return y.sum()


for n in sizes:
    x = np.random.default_rng(0).standard_normal(n)
    w0 = time.perf_counter()
    chain(x)
    while time.perf_counter() - w0 < warmup:
        chain(x)
    for k in range(reps):
        t0 = time.perf_counter()
        chain(x)
        t1 = time.perf_counter()
        print("chain", iters, n, t1 - t0, flush=True)
