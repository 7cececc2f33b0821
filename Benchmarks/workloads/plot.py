# plot: the same two figures with matplotlib (Agg, its default path simplification),
# 640×420 px. Prints plotline <n> <seconds> / plotband <m> <s> <seconds>.
import numpy as np
from benchtiming import measure
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
n = 1000000                       # bench:param
m = 10000                         # bench:param
s = 8                             # bench:param
rng = np.random.default_rng(0)
x = np.linspace(0, 100, n)
y = np.sin(x) + 0.1 * rng.standard_normal(n)
out = "/tmp/lk-bench-plot-mpl.png"

def line():
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=100)
    ax.plot(x, y)
    fig.savefig(out)
    plt.close(fig)

t = np.arange(m, dtype=float)
Y = np.exp(-t / 3000)[:, None] + 0.05 * rng.standard_normal((m, s))

def band():
    mu, sd = Y.mean(axis=1), Y.std(axis=1)
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=100)
    ax.fill_between(t, mu - sd, mu + sd, alpha=0.25)
    ax.plot(t, mu)
    fig.savefig(out)
    plt.close(fig)

measure("plotline", n, line, reps, warmup)
measure("plotband", f"{m} {s}", band, reps, 0)   # one untimed call first, as before
