# ewise: elementwise kernels on a vector of n Float64 values (NumPy).
# Prints one line per timed call: axpy|tanh|exp <n> <seconds>
import time
import numpy as np
from benchtiming import measure

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
    measure(name, n, kernel, reps, warmup)
