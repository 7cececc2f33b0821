# ad_entk, neural-tangents side (optional: skipped when it cannot be imported): the
# empirical NTK of the same d→w→w→1 tanh MLP written as a JAX function f(params, x),
# by nt.empirical_ntk_fn with trace_axes=() and vmap_axes=0, jitted, in each of its
# three implementations (1 Jacobian contraction, 2 NTK-vector products, 3 structured
# derivatives); the row takes the fastest of them, as a user picking the best would.
#
# neural-tangents is imported as ntload.py says (its own venv from Benchmarks/setup-nt).
# Prints one line per timed call: entk <width> <n> <seconds>   (and ntimpl <k> <seconds>)
import time

import ntload  # noqa: F401  (registers neural_tangents, enables float64)
import numpy as np
import jax
import jax.numpy as jnp
from neural_tangents._src import empirical

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
width = 512                       # bench:param
n = 200                           # bench:param
d = 20
rng = np.random.default_rng(0)
X = jnp.asarray(rng.standard_normal((n, d)))
sizes = [d, width, width, 1]
params = {"W": [jnp.asarray(rng.standard_normal((a, b)) / np.sqrt(a)) for a, b in zip(sizes[:-1], sizes[1:])],
          "b": [jnp.zeros(b) for b in sizes[1:]]}


def f(p, x):
    h = x
    for i in range(2):
        h = jnp.tanh(h @ p["W"][i] + p["b"][i])
    return (h @ p["W"][2] + p["b"][2])[..., 0]


def timed(kfn):
    ts = []
    w0 = time.perf_counter()
    kfn(X, None, params).block_until_ready()
    while time.perf_counter() - w0 < warmup:
        kfn(X, None, params).block_until_ready()
    for k in range(reps):
        t0 = time.perf_counter()
        kfn(X, None, params).block_until_ready()
        ts.append(time.perf_counter() - t0)
    return ts


best = None
for impl in (1, 2, 3):
    kfn = jax.jit(empirical.empirical_ntk_fn(f, trace_axes=(), vmap_axes=0, implementation=impl))
    ts = timed(kfn)
    for t in ts:
        print("ntimpl", impl, t, flush=True)
    if best is None or np.median(ts) < np.median(best):
        best = ts
for t in best:
    print("entk", width, n, t, flush=True)
