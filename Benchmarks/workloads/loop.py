# loop: CPython counterpart of loop.lk, s = s + i*0.5 over range(n).
# The loop lives in a function (fast local variables): the strongest plain
# CPython baseline. Prints: loop <n> <seconds> per rep, and once loopsum <n> <s>
import time

reps = 3                          # bench:param
n = 10000000                      # bench:param


def kernel(n):
    s = 0
    for i in range(n):
        s = s + i*0.5
    return s


print("loopsum", n, kernel(n), flush=True)   # warm-up pass
for r in range(reps):
    t0 = time.perf_counter()
    s = kernel(n)
    t1 = time.perf_counter()
    print("loop", n, t1 - t0, flush=True)
