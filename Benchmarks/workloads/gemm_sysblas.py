# gemm through lk's own OpenBLAS, called directly (ctypes cblas_dgemm on NumPy
# arrays): the same library and kernels as lk, without lk. lk against this
# row is lk's own overhead; this row against NumPy is the difference between
# the two OpenBLAS builds. The harness passes the library lk links in
# LK_BENCH_BLAS. Prints one line per timed product: gemm <n> <seconds>
import ctypes
import os
import time
import numpy as np

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
sizes = [512, 1024, 2048]         # bench:param
lib = ctypes.CDLL(os.environ.get("LK_BENCH_BLAS", "libopenblas.so.0"))
dgemm = lib.cblas_dgemm
P = ctypes.c_void_p
dgemm.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                  ctypes.c_int, ctypes.c_double, P, ctypes.c_int, P, ctypes.c_int,
                  ctypes.c_double, P, ctypes.c_int]
dgemm.restype = None
ROW_MAJOR, NO_TRANS = 101, 111
rng = np.random.default_rng(0)
for n in sizes:
    a = rng.standard_normal((n, n))
    b = rng.standard_normal((n, n))

    def kernel():
        c = np.empty((n, n))      # a fresh result each time, as `c = a @ b` allocates
        dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, n, n, n, 1.0, a.ctypes.data, n,
              b.ctypes.data, n, 0.0, c.ctypes.data, n)
        return c
    # warm-up: at least once and for at least `warmup` seconds
    w0 = time.perf_counter()
    c = kernel()
    while time.perf_counter() - w0 < warmup:
        c = kernel()
    for r in range(reps):
        t0 = time.perf_counter()
        c = kernel()
        t1 = time.perf_counter()
        print("gemm", n, t1 - t0, flush=True)
# Check the product only now: NumPy's own OpenBLAS threads, once woken by
# a @ b, would compete with the library under test for the cores.
n = 64
a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
c = kernel()
assert np.allclose(c, a @ b), "cblas_dgemm through ctypes gave a wrong product"
