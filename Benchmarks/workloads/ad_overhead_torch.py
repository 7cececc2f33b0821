# ad_overhead, PyTorch side (optional): the same chain with autograd recording
# (requires_grad input, then backward), float64, eager.
# Prints one line per timed call: chain <iters> <n> <seconds>
import os
import time
import torch

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
iters = 1000                      # bench:param
sizes = [16, 65536]               # bench:param
torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))


def vg(x0):
    x = x0.clone().requires_grad_(True)
    y = x
    for i in range(iters):
        y = y * 0.999 + 0.001
    s = y.sum()
    s.backward()
    return s.item(), x.grad


for n in sizes:
    torch.manual_seed(0)
    x = torch.randn(n, dtype=torch.float64)
    w0 = time.perf_counter()
    vg(x)
    while time.perf_counter() - w0 < warmup:
        vg(x)
    for k in range(reps):
        t0 = time.perf_counter()
        vg(x)
        t1 = time.perf_counter()
        print("chain", iters, n, t1 - t0, flush=True)
