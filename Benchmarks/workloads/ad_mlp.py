# ad_mlp, NumPy side: the same d→w→w→1 tanh MLP, ½·mean((f − Y)²), full batch,
# with backprop written by hand and an in-place SGD update.
# Prints one line per timed block: step <width> <n> <seconds per step>
import time
import numpy as np

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
width = 512                       # bench:param
n = 1000                          # bench:param
steps = 20                        # bench:param
d = 20
lr = 0.05
rng = np.random.default_rng(0)
X = rng.standard_normal((n, d))
Y = (np.sin(X[:, 0]) + 0.5 * X[:, 1])[:, None]
sizes = [d, width, width, 1]
W0 = [rng.standard_normal((a, b)) / np.sqrt(a) for a, b in zip(sizes[:-1], sizes[1:])]
b0 = [np.zeros(b) for b in sizes[1:]]


def run(k):
    W = [w.copy() for w in W0]
    b = [v.copy() for v in b0]
    for s in range(k):
        h1 = np.tanh(X @ W[0] + b[0])
        h2 = np.tanh(h1 @ W[1] + b[1])
        f = h2 @ W[2] + b[2]
        r = f - Y
        loss = 0.5 * np.mean(r * r)
        g = r / n
        gW2 = h2.T @ g
        gb2 = g.sum(0)
        d2 = (g @ W[2].T) * (1 - h2 * h2)
        gW1 = h1.T @ d2
        gb1 = d2.sum(0)
        d1 = (d2 @ W[1].T) * (1 - h1 * h1)
        gW0 = X.T @ d1
        gb0 = d1.sum(0)
        W[0] -= lr * gW0; b[0] -= lr * gb0
        W[1] -= lr * gW1; b[1] -= lr * gb1
        W[2] -= lr * gW2; b[2] -= lr * gb2
    return loss


w0 = time.perf_counter()
run(steps)
while time.perf_counter() - w0 < warmup:
    run(steps)
for k in range(reps):
    t0 = time.perf_counter()
    run(steps)
    t1 = time.perf_counter()
    print("step", width, n, (t1 - t0) / steps, flush=True)
