# fft: np.fft.fft(x) and np.fft.rfft(x) of a real signal of n = 2^20 points (pocketfft).
# Prints one line per timed call: fft <n> <seconds> and rfft <n> <seconds>
import time
import numpy as np

reps = 5                          # bench:param
warmup = 0.3                      # bench:param  (seconds)
n = 1048576                       # bench:param
rng = np.random.default_rng(0)
x = rng.standard_normal(n)
w0 = time.perf_counter()
y = np.fft.fft(x)
while time.perf_counter() - w0 < warmup:
    y = np.fft.fft(x)
    y = np.fft.rfft(x)
for r in range(reps):
    t0 = time.perf_counter()
    y = np.fft.fft(x)
    t1 = time.perf_counter()
    print("fft", n, t1 - t0, flush=True)
    t0 = time.perf_counter()
    y = np.fft.rfft(x)
    t1 = time.perf_counter()
    print("rfft", n, t1 - t0, flush=True)
