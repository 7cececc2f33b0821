# How the neural-tangents sides (ad_entk_nt.py, kernels_nt.py, ntk_nt.py) import
# neural-tangents 0.6.5, in one place. It needs a jax of the 0.4 line (it imports
# jax.core.Jaxpr; its structured-derivatives eNTK needs <= 0.4.23), so it lives in its
# own environment: Benchmarks/setup-nt makes a venv with jax 0.4.23 and Benchmarks/run
# runs these sides with that venv's Python (LK_NT_PYTHON); a `pip install --target`
# directory on LK_NT_PATH works too. Its package __init__ imports
# a TensorFlow-only experimental module (jax2tf), so the package is registered without
# running that __init__ and its submodules (stax, _src.empirical) load as usual: the
# kernel code measured is neural-tangents' own. float64 throughout (jax_enable_x64).
import importlib.util
import os
import sys
import types

if os.environ.get("LK_NT_PATH"):
    sys.path.insert(0, os.environ["LK_NT_PATH"])
_spec = importlib.util.find_spec("neural_tangents")
if _spec is None:
    sys.exit("neural_tangents not found (run Benchmarks/setup-nt, see Benchmarks/README.md)")
_pkg = types.ModuleType("neural_tangents")
_pkg.__path__ = list(_spec.submodule_search_locations)
sys.modules["neural_tangents"] = _pkg

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)


def stax_kernel_fn(act, depth=3, w_std=1.4, b_std=0.1):
    """The jitted analytic kernel_fn of stax.serial(Dense, act, …, Dense, act, Dense) with
    `depth` hidden layers and a scalar readout, parameterization="ntk" (neural-tangents'
    default): the network lk's ntk(X, depth=, act=, w_std=, b_std=) is the kernel of
    (Docs/ntk.md, "Conventions"). Call it as f(x, None, get) with get 'ntk', 'nngp' or
    ('nngp', 'ntk'); get is static, so each value compiles once (at warm-up)."""
    from neural_tangents import stax
    phi = {"relu": stax.Relu, "erf": stax.Erf}[act]
    layers = []
    for _ in range(depth):
        layers += [stax.Dense(512, W_std=w_std, b_std=b_std), phi()]
    layers.append(stax.Dense(1, W_std=w_std, b_std=b_std))
    _, _, kernel_fn = stax.serial(*layers)
    return jax.jit(kernel_fn, static_argnames=("get",))
