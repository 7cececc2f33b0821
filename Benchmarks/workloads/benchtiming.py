# The timing loop every NumPy-side workload shares: warm up (at least once and for at
# least `warmup` seconds), then time `reps` calls, printing `<tag> <size> <seconds>` per
# call, the line format Benchmarks/run parses. Benchmarks/run puts this folder on
# PYTHONPATH (the workloads run from a copy with their bench:param values substituted).
import time


def measure(tag, size, f, reps, warmup):
    w0 = time.perf_counter()
    f()
    while time.perf_counter() - w0 < warmup:
        f()
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        t1 = time.perf_counter()
        print(tag, size, t1 - t0, flush=True)
