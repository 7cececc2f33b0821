# einsum: np.einsum("ij,jk->ik", a, b) (NumPy's default, optimize=False) and a @ b.
# Prints one line per timed product: einsum <n> <seconds> and matmul <n> <seconds>
import time
import numpy as np

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
n = 1000                          # bench:param
rng = np.random.default_rng(0)
a = rng.standard_normal((n, n))
b = rng.standard_normal((n, n))
w0 = time.perf_counter()
c = np.einsum("ij,jk->ik", a, b)
while time.perf_counter() - w0 < warmup:
    c = np.einsum("ij,jk->ik", a, b)
    c = a @ b
for r in range(reps):
    t0 = time.perf_counter()
    c = np.einsum("ij,jk->ik", a, b)
    t1 = time.perf_counter()
    print("einsum", n, t1 - t0, flush=True)
    t0 = time.perf_counter()
    c = a @ b
    t1 = time.perf_counter()
    print("matmul", n, t1 - t0, flush=True)
