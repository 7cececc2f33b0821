# chains: the elementwise chains of chains.lk in NumPy, as a user writes them.
# Prints one line per timed call: gauss|tanhfma|standardize <n> <seconds>
import time
import numpy as np
from benchtiming import measure

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
n = 10000000                      # bench:param
rng = np.random.default_rng(0)
x = rng.standard_normal(n)
y = rng.standard_normal(n)
m = x.mean()
s = x.std()
for name, kernel in [("gauss", lambda: np.exp(-x**2/2)),
                     ("tanhfma", lambda: np.tanh(x)*y + 1),
                     ("standardize", lambda: (x - m) / s)]:
    measure(name, n, kernel, reps, warmup)
