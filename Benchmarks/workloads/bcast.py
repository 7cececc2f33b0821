# bcast: outer-sum broadcast (n,1) + (1,n) → an n×n matrix (NumPy).
# Prints one line per timed call: bcast <n> <seconds>
import time
import numpy as np

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
n = 4000                          # bench:param
rng = np.random.default_rng(0)
u = rng.standard_normal((n, 1))
v = rng.standard_normal((1, n))
# warm-up: at least once and for at least `warmup` seconds
w0 = time.perf_counter()
w = u + v
while time.perf_counter() - w0 < warmup:
    w = u + v
for r in range(reps):
    t0 = time.perf_counter()
    w = u + v
    t1 = time.perf_counter()
    print("bcast", n, t1 - t0, flush=True)
