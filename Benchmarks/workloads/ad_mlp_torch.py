# ad_mlp, PyTorch side (optional: skipped when torch is not importable): the same
# MLP in float64, eager mode, loss.backward() and an in-place SGD update under no_grad.
# Prints one line per timed block: step <width> <n> <seconds per step>
import os
import time
import numpy as np
import torch

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
width = 512                       # bench:param
n = 1000                          # bench:param
steps = 20                        # bench:param
d = 20
lr = 0.05
torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
rng = np.random.default_rng(0)
X = torch.from_numpy(rng.standard_normal((n, d)))
Y = torch.sin(X[:, 0:1]) + 0.5 * X[:, 1:2]
sizes = [d, width, width, 1]
W0 = [torch.from_numpy(rng.standard_normal((a, b)) / np.sqrt(a)) for a, b in zip(sizes[:-1], sizes[1:])]
b0 = [torch.zeros(b, dtype=torch.float64) for b in sizes[1:]]


def run(k):
    W = [w.clone().requires_grad_(True) for w in W0]
    b = [v.clone().requires_grad_(True) for v in b0]
    for s in range(k):
        h = X
        for i in range(2):
            h = torch.tanh(h @ W[i] + b[i])
        f = h @ W[2] + b[2]
        loss = 0.5 * torch.mean((f - Y) ** 2)
        loss.backward()
        with torch.no_grad():
            for t in W + b:
                t -= lr * t.grad
                t.grad = None
    return loss.item()


w0 = time.perf_counter()
run(steps)
while time.perf_counter() - w0 < warmup:
    run(steps)
for k in range(reps):
    t0 = time.perf_counter()
    run(steps)
    t1 = time.perf_counter()
    print("step", width, n, (t1 - t0) / steps, flush=True)
