# reduce: column sums (axis 0) and row sums (axis 1) of an n×n matrix (NumPy).
# Prints one line per timed call: sum0|sum1 <n> <seconds>
import time
import numpy as np

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
n = 4000                          # bench:param
rng = np.random.default_rng(0)
a = rng.standard_normal((n, n))
for name, axis in [("sum0", 0), ("sum1", 1)]:
    # warm-up: at least once and for at least `warmup` seconds
    w0 = time.perf_counter()
    s = np.sum(a, axis=axis)
    while time.perf_counter() - w0 < warmup:
        s = np.sum(a, axis=axis)
    for r in range(reps):
        t0 = time.perf_counter()
        s = np.sum(a, axis=axis)
        t1 = time.perf_counter()
        print(name, n, t1 - t0, flush=True)
