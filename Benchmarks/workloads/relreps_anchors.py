# relreps_anchors: cosine of each of n points to each of m anchors (NumPy: normalise rows, one matmul).
# Prints one line per timed call: relreps_anchors <n> <d> <m> <seconds>
import time
import numpy as np

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
n = 100000                        # bench:param
d = 512                           # bench:param
m = 256                           # bench:param
rng = np.random.default_rng(0)
X = rng.standard_normal((n, d))
A = rng.standard_normal((m, d))


def rel(X, A):
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    An = A / np.linalg.norm(A, axis=1, keepdims=True)
    return Xn @ An.T


w0 = time.perf_counter()
R = rel(X, A)
while time.perf_counter() - w0 < warmup:
    R = rel(X, A)
for r in range(reps):
    t0 = time.perf_counter()
    R = rel(X, A)
    t1 = time.perf_counter()
    print("relreps_anchors", n, d, m, t1 - t0, flush=True)
