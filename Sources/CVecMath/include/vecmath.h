// Vectorised elementwise math for lk's engine: glibc's libmvec (the SIMD
// versions of exp, log, tanh, … that GCC uses under -ffast-math) and, for the
// inverse trigonometric functions libmvec lacks, SLEEF (Debian's libsleef-dev,
// the 1.0-ulp variants), chosen at run time for the CPU (AVX-512, AVX2, or plain
// libm). Only LkTensor calls this.
#ifndef LK_VECMATH_H
#define LK_VECMATH_H

enum lk_vec_op {
    LK_VEC_EXP, LK_VEC_LOG, LK_VEC_TANH, LK_VEC_SIN, LK_VEC_COS, LK_VEC_TAN,
    LK_VEC_ERF, LK_VEC_EXPM1, LK_VEC_LOG1P, LK_VEC_LOG2, LK_VEC_LOG10,
    LK_VEC_ACOS, LK_VEC_ASIN
};

/// y[i] = f(x[i]) for i < n. x and y may be the same array.
void lk_vec_apply(int op, const double *x, double *y, long n);

/// The same at a given width (512, 256 or 0; the CPU must have it), for tests.
void lk_vec_apply_width(int bits, int op, const double *x, double *y, long n);

/// The instruction set in use: 512, 256 or 0 (scalar libm). `LK_VECMATH=scalar`
/// or `LK_VECMATH=avx2` in the environment forces a narrower one (for
/// comparisons and tests).
int lk_vec_width_bits(void);

/// For rows i0 ≤ i < i1 of the n×n matrix p (row-major): the largest |p[i][j]| over
/// j ≤ i together with the mirror entries |p[j][i]|, and the largest |p[i][j] − p[j][i]|
/// over j < i, NaN passed over (Swift.max's rule), read in 32×32 tiles. Used by
/// LkTensor's Tensor.asymmetry, which splits the rows across cores (i1 − i0 ≤ 32).
void lk_asymmetry_rows(const double *p, long n, long i0, long i1, double *largest, double *worst);

/// p[i][j] = p[j][i] for rows i0 ≤ i < i1 and every j > i (the lower triangle copied
/// onto the upper), in 32-column tiles so the column-wise reads stay in cache. Used by
/// Tensor.mirrorLowerTriangle, which splits the rows across cores.
void lk_mirror_lower_rows(double *p, long n, long i0, long i1);

// The analytic kernels' dual maps over a row, on the same vector math.
#include "dualrows.h"

// Arithmetic over runs (+ − × ÷, negation, abs, sqrt, square, ReLU), at the same widths.
#include "runs.h"

#endif
