// The dual maps of the analytic infinite-width kernels (LkStudy's InfiniteWidth) over
// one row of entries, vectorised: the ReLU arc-cosine kernel and erf's arcsine kernel.
// Chosen at run time for the CPU like vecmath.h (AVX-512, AVX2, plain C), with the
// arc-cosine / arcsine from the same vector math as lk_vec_apply; no fused
// multiply-adds, so every path computes the same formula in the same order.
#ifndef LK_DUALROWS_H
#define LK_DUALROWS_H

/// ReLU (Cho & Saul's arc-cosine kernel of degree 1), for j < n, with s = √(qi·qj[j]),
/// ρ = clamp(c[j]/s, −1, 1) (0 when s is not > 0) and θ = arccos ρ:
///   c[j] ← s/(2π)·(√(1 − ρ²) + (π − θ)ρ),  t[j] ← t[j]·(π − θ)/(2π)   (both 0 when s is not > 0).
/// t may be NULL (the NNGP alone).
void lk_relu_dual_row(double *c, double *t, const double *qj, double qi, long n);

/// erf (Williams 1997), for j < n, with p = ai·aj[j] (a = 1 + 2q):
///   c[j] ← (2/π)·arcsin(clamp(2c[j]/√p, −1, 1)),  t[j] ← t[j]·(4/π)/√max(p − 4c[j]², 1e-300).
/// t may be NULL.
void lk_erf_dual_row(double *c, double *t, const double *aj, double ai, long n);

#endif
