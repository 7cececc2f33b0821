# ntk, neural-tangents side (optional): the analytic NTK of ntk.lk's 3-hidden-layer ReLU
# network (W_std = 1.4, b_std = 0.1) by neural-tangents' stax kernel_fn, jitted, float64,
# get='ntk' — kernels_nt.py's "ntkrelu" row; see there (and Benchmarks/nt-check for the
# agreement with lk's values).
# Prints one line per timed call: ntk <n> <seconds>
import ntload
import jax
import numpy as np
from benchtiming import measure

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
n = 2000                          # bench:param
d = 50

rng = np.random.default_rng(0)
x = jax.device_put(rng.standard_normal((n, d)))
kfn = ntload.stax_kernel_fn("relu")
measure("ntk", n, lambda: jax.block_until_ready(kfn(x, None, "ntk")), reps, warmup)
