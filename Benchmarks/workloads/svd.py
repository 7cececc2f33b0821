# svd: thin SVD of a tall m×k matrix (NumPy, full_matrices=False).
# Prints one line per timed call: svd <m> <k> <seconds>
import time
import numpy as np

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
m = 2000                          # bench:param
k = 200                           # bench:param
rng = np.random.default_rng(0)
a = rng.standard_normal((m, k))
# warm-up: at least once and for at least `warmup` seconds
w0 = time.perf_counter()
d = np.linalg.svd(a, full_matrices=False)
while time.perf_counter() - w0 < warmup:
    d = np.linalg.svd(a, full_matrices=False)
for r in range(reps):
    t0 = time.perf_counter()
    d = np.linalg.svd(a, full_matrices=False)
    t1 = time.perf_counter()
    print("svd", m, k, t1 - t0, flush=True)
