# ewise: elementwise kernels on a vector of n Float64 values (NumPy).
# Prints one line per timed call: axpy|tanh|exp <n> <seconds>
import time
import numpy as np

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
n = 10000000                      # bench:param
rng = np.random.default_rng(0)
a = 2.5
x = rng.standard_normal(n)
y = rng.standard_normal(n)
for name, kernel in [("axpy", lambda: a * x + y),
                     ("tanh", lambda: np.tanh(x)),
                     ("exp", lambda: np.exp(x))]:
    # warm-up: at least once and for at least `warmup` seconds
    w0 = time.perf_counter()
    z = kernel()
    while time.perf_counter() - w0 < warmup:
        z = kernel()
    for r in range(reps):
        t0 = time.perf_counter()
        z = kernel()
        t1 = time.perf_counter()
        print(name, n, t1 - t0, flush=True)
