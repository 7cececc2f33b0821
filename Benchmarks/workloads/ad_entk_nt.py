# ad_entk, neural-tangents side (optional: skipped when it cannot be imported): the
# empirical NTK of the same d→w→w→1 tanh MLP written as a JAX function f(params, x),
# by nt.empirical_ntk_fn with trace_axes=() and vmap_axes=0, jitted, in each of its
# three implementations (1 Jacobian contraction, 2 NTK-vector products, 3 structured
# derivatives); the row takes the fastest of them, as a user picking the best would.
#
# neural-tangents 0.6.5 needs a jax of the 0.4 line (it imports jax.core.Jaxpr), and
# its package __init__ imports a TensorFlow-only experimental module; so it is looked
# for in LK_NT_PATH (a `pip install --target` directory with jax 0.4.30, see
# Benchmarks/README.md) and its empirical-kernel module is loaded without that __init__.
# Prints one line per timed call: entk <width> <n> <seconds>   (and ntimpl <k> <seconds>)
import importlib.util
import os
import sys
import time
import types

if os.environ.get("LK_NT_PATH"):
    sys.path.insert(0, os.environ["LK_NT_PATH"])
spec = importlib.util.find_spec("neural_tangents")
if spec is None:
    sys.exit("neural_tangents not found (set LK_NT_PATH, see Benchmarks/README.md)")
pkg = types.ModuleType("neural_tangents")
pkg.__path__ = list(spec.submodule_search_locations)
sys.modules["neural_tangents"] = pkg

import numpy as np
import jax
jax.config.update("jax_enable_x64", True)
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
