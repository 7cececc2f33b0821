# eigh: all eigenvalues and eigenvectors of an n×n symmetric matrix (NumPy).
# Prints one line per timed call: eigh <n> <seconds>
import time
import numpy as np

reps = 5                          # bench:param
n = 1000                          # bench:param
rng = np.random.default_rng(0)
b = rng.standard_normal((n, n))
a = b + b.T
d = np.linalg.eigh(a)             # warm-up
for r in range(reps):
    t0 = time.perf_counter()
    d = np.linalg.eigh(a)
    t1 = time.perf_counter()
    print("eigh", n, t1 - t0, flush=True)
