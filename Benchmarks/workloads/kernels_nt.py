# kernels, neural-tangents side (optional: skipped when it cannot be imported): the
# analytic NTK and NNGP of kernels.lk's network — 3 hidden layers, W_std = 1.4,
# b_std = 0.1, parameterization "ntk", act relu (stax.Relu) and erf (stax.Erf) — by
# neural-tangents' own stax kernel_fn, jitted, float64, on n points in d = 50, n×n.
# The nngp rows ask for get='nngp' only, the ntk rows for get='ntk', the "both" rows for
# get=('nngp', 'ntk') (one call, like lk's ntk(…, nngp=true)). Compilation happens in the
# warm-up, outside the timing. The values agree with lk's: Benchmarks/nt-check (the same
# X, 200×50, relu and erf, ntk, nngp and both from one call) measured at most 7e-16
# relative off the diagonal; on the diagonal lk matches the exact ρ = 1 recursion to 6e-16,
# and neural-tangents' ReLU NTK is 9e-9 from it (arccos of a ρ rounded below 1).
# Prints one line per timed call: <tag> <n> <seconds>, as kernels.lk.
import ntload
import jax
import numpy as np
from benchtiming import measure

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
n = 2000                          # bench:param
one_call = 1                      # bench:param  (unused: get=('nngp', 'ntk') is one call)
d = 50

rng = np.random.default_rng(0)
x = jax.device_put(rng.standard_normal((n, d)))
for a in ["relu", "erf"]:
    kfn = ntload.stax_kernel_fn(a)
    for tag, get in [("ntk", "ntk"), ("nngp", "nngp"), ("both", ("nngp", "ntk"))]:
        measure(tag + a, n, lambda: jax.block_until_ready(kfn(x, None, get)), reps, warmup)
