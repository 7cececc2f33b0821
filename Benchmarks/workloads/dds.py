# dds: the same DDS step as dds.lk in NumPy: start noise, the empirical prior's Tweedie
# estimate (matrix product + log-sum-exp softmax), 5 CG iterations on AᴴA x = Aᴴy from
# it with the orthonormal centred FFT (numpy.fft), and the DDIM re-noising.
# Prints: dds <n> <seconds>.
import numpy as np
from benchtiming import measure

reps = 10                         # bench:param
warmup = 0.3                      # bench:param  (seconds)
n = 64                            # bench:param
count = 1000                      # bench:param
rng = np.random.default_rng(0)
X = rng.random((count, n * n))
half_sq = 0.5 * np.einsum("ij,ij->i", X, X)
mask = np.zeros((n, n))
acs = int(n * 0.08)
cols = set(range(n // 2 - acs // 2, n // 2 - acs // 2 + acs))
while len(cols) < n // 4:
    cols.add(int(rng.integers(n)))
mask[:, sorted(cols)] = 1

def fwd(x):
    return mask * np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(x), norm="ortho"))

def adj(k):
    return np.real(np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(mask * k), norm="ortho")))

betas = np.linspace(1e-4, 0.02, 1000)
abar0 = np.cumprod(1 - betas)[0]
y = fwd(X[0].reshape(n, n))
aty = adj(y)

def step():
    # One DDS step at t = 0 (the last step of a 1-step run, as `dds(…, steps=1)`).
    s, sigma = np.sqrt(abar0), np.sqrt((1 - abar0) / abar0)
    x = rng.standard_normal((n, n))
    u = x / s
    logits = (X @ u.ravel() - half_sq) / sigma**2
    w = np.exp(logits - logits.max()); w /= w.sum()
    x0 = (w @ X).reshape(n, n)
    xk = x0.copy()
    r = aty - adj(fwd(xk)); p = r.copy(); rr = np.vdot(r, r)
    for _ in range(5):
        q = adj(fwd(p)); alpha = rr / np.vdot(p, q)
        xk += alpha * p; r -= alpha * q
        rr_new = np.vdot(r, r); p = r + (rr_new / rr) * p; rr = rr_new
    res = np.linalg.norm(y - fwd(xk))
    return xk, res          # the final step returns the corrected estimate

measure("dds", n, step, reps, warmup)
