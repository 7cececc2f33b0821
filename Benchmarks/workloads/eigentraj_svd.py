# eigentraj_svd: the NumPy SVD path of the paper's code: reshape to n×40, thin SVD, first k right
# singular vectors as the basis, coefficients X @ basis.
# Prints one line per timed call: eigentraj_svd <n> <seconds>
import time
import numpy as np

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
n = 100000                        # bench:param
rng = np.random.default_rng(0)
T = np.cumsum(rng.standard_normal((n, 20, 2)), axis=1)


def descriptor(T, k=6):
    X = T.reshape(len(T), -1)
    U, S, Vt = np.linalg.svd(X, full_matrices=False)
    basis = Vt[:k].T
    return basis, X @ basis, S


w0 = time.perf_counter()
d = descriptor(T)
while time.perf_counter() - w0 < warmup:
    d = descriptor(T)
for r in range(reps):
    t0 = time.perf_counter()
    d = descriptor(T)
    t1 = time.perf_counter()
    print("eigentraj_svd", n, t1 - t0, flush=True)
