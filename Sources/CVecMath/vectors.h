// The vector math routines lk calls, declared once for the files that call them
// (vecmath.c's run loops and runs.c's chains): glibc's libmvec and SLEEF's 1.0-ulp
// acos/asin, with lk_v8/lk_v4 choosing one by its lk_vec_op. Private to CVecMath.
#ifndef LK_VECTORS_H
#define LK_VECTORS_H
#include "vecmath.h"
#include <immintrin.h>
#include <math.h>

// The declarations carry the target so the vector arguments travel in
// ymm/zmm registers, as libmvec expects.
#define DECLARE(name) \
    __attribute__((target("avx2,fma"))) __m256d _ZGVdN4v_##name(__m256d); \
    __attribute__((target("avx512f"))) __m512d _ZGVeN8v_##name(__m512d);
DECLARE(exp) DECLARE(log) DECLARE(tanh) DECLARE(sin) DECLARE(cos) DECLARE(tan)
DECLARE(erf) DECLARE(expm1) DECLARE(log1p) DECLARE(log2) DECLARE(log10)

// SLEEF, declared here rather than through <sleef.h>, which hides its vector types
// unless the whole file is compiled for AVX-512. The u10 variants: at most 1.0 ulp.
#define DECLARE_SLEEF(name) \
    __attribute__((target("avx2,fma"))) __m256d Sleef_##name##d4_u10avx2(__m256d); \
    __attribute__((target("avx512f"))) __m512d Sleef_##name##d8_u10avx512f(__m512d); \
    __attribute__((target("avx2,fma"))) static inline __m256d _ZGVdN4v_lk##name(__m256d x) { return Sleef_##name##d4_u10avx2(x); } \
    __attribute__((target("avx512f"))) static inline __m512d _ZGVeN8v_lk##name(__m512d x) { return Sleef_##name##d8_u10avx512f(x); } \
    static inline double lk##name(double x) { return name(x); }
DECLARE_SLEEF(acos) DECLARE_SLEEF(asin)


#define LK_VEC_CASES(W, prefix) \
    case LK_VEC_EXP: return prefix##exp(x); \
    case LK_VEC_LOG: return prefix##log(x); \
    case LK_VEC_TANH: return prefix##tanh(x); \
    case LK_VEC_SIN: return prefix##sin(x); \
    case LK_VEC_COS: return prefix##cos(x); \
    case LK_VEC_TAN: return prefix##tan(x); \
    case LK_VEC_ERF: return prefix##erf(x); \
    case LK_VEC_EXPM1: return prefix##expm1(x); \
    case LK_VEC_LOG1P: return prefix##log1p(x); \
    case LK_VEC_LOG2: return prefix##log2(x); \
    case LK_VEC_LOG10: return prefix##log10(x); \
    case LK_VEC_ACOS: return prefix##lkacos(x); \
    default: return prefix##lkasin(x);

/// The routine for `op` (an lk_vec_op) on one vector of 8 / 4 doubles: the same one
/// lk_vec_apply uses over a run.
__attribute__((target("avx512f"))) static inline __m512d lk_v8(int op, __m512d x) {
    switch (op) { LK_VEC_CASES(8, _ZGVeN8v_) }
}
__attribute__((target("avx2,fma"))) static inline __m256d lk_v4(int op, __m256d x) {
    switch (op) { LK_VEC_CASES(4, _ZGVdN4v_) }
}

#endif
