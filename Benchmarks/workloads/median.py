# median: np.median of n Float64 values (introselect via np.partition).
# Prints one line per timed call: median <n> <seconds>
import time
import numpy as np

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
n = 10000000                      # bench:param
rng = np.random.default_rng(0)
x = rng.standard_normal(n)
w0 = time.perf_counter()
m = np.median(x)
while time.perf_counter() - w0 < warmup:
    m = np.median(x)
for r in range(reps):
    t0 = time.perf_counter()
    m = np.median(x)
    t1 = time.perf_counter()
    print("median", n, t1 - t0, flush=True)
