# svd: thin SVD of a tall m×k matrix (NumPy, full_matrices=False).
# Prints one line per timed call: svd <m> <k> <seconds>
import time
import numpy as np

reps = 5                          # bench:param
m = 2000                          # bench:param
k = 200                           # bench:param
rng = np.random.default_rng(0)
a = rng.standard_normal((m, k))
d = np.linalg.svd(a, full_matrices=False)    # warm-up
for r in range(reps):
    t0 = time.perf_counter()
    d = np.linalg.svd(a, full_matrices=False)
    t1 = time.perf_counter()
    print("svd", m, k, t1 - t0, flush=True)
