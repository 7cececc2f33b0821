# gemm: C = A @ B on n×n Float64 matrices (NumPy counterpart of gemm.lk).
# Prints one line per timed product: gemm <n> <seconds>
import time
import numpy as np

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
sizes = [512, 1024, 2048]         # bench:param
rng = np.random.default_rng(0)
for n in sizes:
    a = rng.standard_normal((n, n))
    b = rng.standard_normal((n, n))
    # warm-up: at least once and for at least `warmup` seconds
    w0 = time.perf_counter()
    c = a @ b
    while time.perf_counter() - w0 < warmup:
        c = a @ b
    for r in range(reps):
        t0 = time.perf_counter()
        c = a @ b
        t1 = time.perf_counter()
        print("gemm", n, t1 - t0, flush=True)
