# sort: np.sort and np.argsort of n Float64 values, default kind (AVX-512
# quicksort where available) under sort|argsort, kind="stable" under
# sortstable|argsortstable. Prints one line per timed call: <tag> <n> <seconds>
import time
import numpy as np
from benchtiming import measure

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
n = 10000000                      # bench:param
rng = np.random.default_rng(0)
x = rng.standard_normal(n)
for name, f in [("sort", lambda: np.sort(x)), ("sortstable", lambda: np.sort(x, kind="stable")),
                ("argsort", lambda: np.argsort(x)), ("argsortstable", lambda: np.argsort(x, kind="stable"))]:
    measure(name, n, f, reps, warmup)
