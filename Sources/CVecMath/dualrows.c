// See include/dualrows.h. Each row is cut into blocks of BLOCK entries held in stack
// buffers: one loop for the arguments (compiled for the chosen instruction set and
// vectorised by the compiler; -fno-math-errno in Package.swift lets sqrt be an
// instruction), the vector arc-cosine or arcsine of the block (lk_vec_apply's
// routines), one loop for the results.
#include "dualrows.h"
#include "vecmath.h"
#include <math.h>

#pragma STDC FP_CONTRACT OFF

#define BLOCK 256
#define TWO_PI (2 * 3.141592653589793)
#define PI 3.141592653589793

#define ROWS(suffix, target)                                                                        \
    target static void relu_##suffix(double *restrict c, double *restrict t, const double *restrict qj, double qi, long n) { \
        double s[BLOCK], r[BLOCK], th[BLOCK];                                                       \
        for (long b = 0; b < n; b += BLOCK) {                                                       \
            long m = n - b < BLOCK ? n - b : BLOCK;                                                 \
            double *cb = c + b;                                                                     \
            const double *qb = qj + b;                                                              \
            for (long k = 0; k < m; k++) {                                                          \
                double sv = sqrt(qi * qb[k]);                                                       \
                double x = cb[k] / sv;                                                              \
                x = (-1.0 >= x) ? -1.0 : x;                                                         \
                x = (1.0 < x) ? 1.0 : x;                                                            \
                s[k] = sv;                                                                          \
                r[k] = sv > 0 ? x : 0.0;                                                            \
            }                                                                                       \
            lk_vec_apply(LK_VEC_ACOS, r, th, m);                                                    \
            if (t) {                                                                                \
                double *tb = t + b;                                                                 \
                for (long k = 0; k < m; k++) {                                                      \
                    double rest = PI - th[k], rho = r[k];                                           \
                    double kv = s[k] / TWO_PI * (sqrt(1 - rho * rho) + rest * rho);                 \
                    double dk = rest / TWO_PI;                                                      \
                    int ok = s[k] > 0;                                                              \
                    cb[k] = ok ? kv : 0.0;                                                          \
                    tb[k] = tb[k] * (ok ? dk : 0.0);                                                \
                }                                                                                   \
            } else {                                                                                \
                for (long k = 0; k < m; k++) {                                                      \
                    double rest = PI - th[k], rho = r[k];                                           \
                    double kv = s[k] / TWO_PI * (sqrt(1 - rho * rho) + rest * rho);                 \
                    cb[k] = s[k] > 0 ? kv : 0.0;                                                    \
                }                                                                                   \
            }                                                                                       \
        }                                                                                           \
    }                                                                                               \
    target static void erf_##suffix(double *restrict c, double *restrict t, const double *restrict aj,      \
                                    double ai, long n) {                                            \
        double g[BLOCK], h[BLOCK];                                                                  \
        for (long b = 0; b < n; b += BLOCK) {                                                       \
            long m = n - b < BLOCK ? n - b : BLOCK;                                                 \
            double *cb = c + b;                                                                     \
            const double *ab = aj + b;                                                              \
            for (long k = 0; k < m; k++) {                                                          \
                double x = 2 * cb[k] / sqrt(ai * ab[k]);                                            \
                x = (-1.0 >= x) ? -1.0 : x;                                                         \
                x = (1.0 < x) ? 1.0 : x;                                                            \
                g[k] = x;                                                                           \
            }                                                                                       \
            if (t) {                                                                                \
                double *tb = t + b;                                                                 \
                for (long k = 0; k < m; k++) {                                                      \
                    double p = ai * ab[k], cv = cb[k];                                              \
                    double q = p - 4 * cv * cv;                                                     \
                    q = (1e-300 >= q) ? 1e-300 : q;                                                 \
                    tb[k] = tb[k] * (4 / PI / sqrt(q));                                             \
                }                                                                                   \
            }                                                                                       \
            lk_vec_apply(LK_VEC_ASIN, g, h, m);                                                     \
            for (long k = 0; k < m; k++) cb[k] = 2 / PI * h[k];                                     \
        }                                                                                           \
    }

ROWS(v8, __attribute__((target("avx512f"))))
ROWS(v4, __attribute__((target("avx2,fma"))))
ROWS(v1, )

void lk_relu_dual_row(double *c, double *t, const double *qj, double qi, long n) {
    switch (lk_vec_width_bits()) {
    case 512: relu_v8(c, t, qj, qi, n); break;
    case 256: relu_v4(c, t, qj, qi, n); break;
    default: relu_v1(c, t, qj, qi, n); break;
    }
}

void lk_erf_dual_row(double *c, double *t, const double *aj, double ai, long n) {
    switch (lk_vec_width_bits()) {
    case 512: erf_v8(c, t, aj, ai, n); break;
    case 256: erf_v4(c, t, aj, ai, n); break;
    default: erf_v1(c, t, aj, ai, n); break;
    }
}
