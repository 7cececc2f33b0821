# indexing: NumPy-style advanced indexing (NumPy).
# Prints one line per timed call: mask|maskset|rows <n> <seconds>
import numpy as np
from benchtiming import measure

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
n = 10000000                      # bench:param
m = 10000                         # bench:param
rng = np.random.default_rng(0)
x = rng.standard_normal(n)
A = rng.standard_normal((10000, 1000))
idx = rng.integers(0, 10000, m)


def clamp():
    # lk's value semantics copy y on its first write; NumPy needs the explicit copy.
    y = x.copy()
    y[y < 0] = 0
    return y


for name, size, kernel in [("mask", n, lambda: x[x > 0]),
                           ("maskset", n, clamp),
                           ("rows", m, lambda: A[idx])]:
    measure(name, size, kernel, reps, warmup)
