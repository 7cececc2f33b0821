# ad_mlp, JAX side (optional: skipped when jax is not importable): the same MLP in
# float64, one jitted step (value_and_grad of the loss and the SGD update), run
# eagerly step after step from Python as a training loop would; block_until_ready
# at the end of each timed block.
# Prints one line per timed block: step <width> <n> <seconds per step>
import time
import numpy as np
import jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
width = 512                       # bench:param
n = 1000                          # bench:param
steps = 20                        # bench:param
d = 20
lr = 0.05
rng = np.random.default_rng(0)
Xn = rng.standard_normal((n, d))
X = jnp.asarray(Xn)
Y = jnp.asarray((np.sin(Xn[:, 0]) + 0.5 * Xn[:, 1])[:, None])
sizes = [d, width, width, 1]
params0 = {"W": [jnp.asarray(rng.standard_normal((a, b)) / np.sqrt(a)) for a, b in zip(sizes[:-1], sizes[1:])],
           "b": [jnp.zeros(b) for b in sizes[1:]]}


def loss(p, X, Y):
    h = X
    for i in range(2):
        h = jnp.tanh(h @ p["W"][i] + p["b"][i])
    f = h @ p["W"][2] + p["b"][2]
    return 0.5 * jnp.mean((f - Y) ** 2)


@jax.jit
def step(p, X, Y):
    v, g = jax.value_and_grad(loss)(p, X, Y)
    return jax.tree_util.tree_map(lambda a, b: a - lr * b, p, g), v


def run(k):
    p = params0
    for s in range(k):
        p, v = step(p, X, Y)
    jax.block_until_ready(p)
    return v


w0 = time.perf_counter()
run(steps)
while time.perf_counter() - w0 < warmup:
    run(steps)
for k in range(reps):
    t0 = time.perf_counter()
    run(steps)
    t1 = time.perf_counter()
    print("step", width, n, (t1 - t0) / steps, flush=True)
