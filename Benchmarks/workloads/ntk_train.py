# ntk_train: the same training by hand in NumPy: z = x@W1 + b1, a = tanh(z),
# f = a@W2 + b2, loss ½·mean((f − y)²), backprop, W ← W − lr·∂L/∂W.
# Prints one line per timed call: train <steps> <seconds>
import numpy as np
from benchtiming import measure

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
steps = 200                       # bench:param
rng = np.random.default_rng(0)
x = rng.standard_normal((1000, 20))
y = (np.sin(x[:, 0]) + 0.5 * x[:, 1])[:, None]
W1_0 = rng.standard_normal((20, 512)) / np.sqrt(20)
W2_0 = rng.standard_normal((512, 1)) / np.sqrt(512)


def train(lr=0.1):
    W1, b1, W2, b2 = W1_0.copy(), np.zeros(512), W2_0.copy(), np.zeros(1)
    n = x.shape[0]
    losses = np.empty(steps)
    for s in range(steps):
        a = np.tanh(x @ W1 + b1)
        f = a @ W2 + b2
        r = f - y
        losses[s] = 0.5 * np.mean(r * r)
        g = r / n
        gW2 = a.T @ g
        gb2 = g.sum(0)
        dz = (g @ W2.T) * (1 - a * a)
        gW1 = x.T @ dz
        gb1 = dz.sum(0)
        W1 -= lr * gW1; b1 -= lr * gb1; W2 -= lr * gW2; b2 -= lr * gb2
    return losses


measure("train", steps, train, reps, warmup)
