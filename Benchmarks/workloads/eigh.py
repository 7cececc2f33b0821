# eigh: all eigenvalues and eigenvectors of an n×n symmetric matrix (NumPy).
# Prints one line per timed call: eigh <n> <seconds>
import time
import numpy as np

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
n = 1000                          # bench:param
rng = np.random.default_rng(0)
b = rng.standard_normal((n, n))
a = b + b.T
# warm-up: at least once and for at least `warmup` seconds
w0 = time.perf_counter()
d = np.linalg.eigh(a)
while time.perf_counter() - w0 < warmup:
    d = np.linalg.eigh(a)
for r in range(reps):
    t0 = time.perf_counter()
    d = np.linalg.eigh(a)
    t1 = time.perf_counter()
    print("eigh", n, t1 - t0, flush=True)
