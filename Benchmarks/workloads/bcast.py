# bcast: outer-sum broadcast (n,1) + (1,n) → an n×n matrix (NumPy).
# Prints one line per timed call: bcast <n> <seconds>
import time
import numpy as np

reps = 5                          # bench:param
n = 4000                          # bench:param
rng = np.random.default_rng(0)
u = rng.standard_normal((n, 1))
v = rng.standard_normal((1, n))
w = u + v                         # warm-up
for r in range(reps):
    t0 = time.perf_counter()
    w = u + v
    t1 = time.perf_counter()
    print("bcast", n, t1 - t0, flush=True)
