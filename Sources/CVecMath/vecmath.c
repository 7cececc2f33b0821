// See include/vecmath.h. Each function exists three times: an AVX-512 loop over
// 8 doubles calling libmvec's _ZGVeN8v_* entry points (SLEEF's Sleef_*d8_u10 for
// acos and asin), an AVX2 loop over 4 calling _ZGVdN4v_* (Sleef_*d4_u10avx2), and
// a plain libm loop. The tail of an array is padded into
// a full vector, so every element goes through the same routine whatever its
// position (results do not depend on array length or alignment).
#include "vecmath.h"
#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vectors.h"

#define AVX512_LOOP(name) \
    __attribute__((target("avx512f"))) static void v8_##name(const double *x, double *y, long n) { \
        long i = 0; \
        for (; i + 8 <= n; i += 8) _mm512_storeu_pd(y + i, _ZGVeN8v_##name(_mm512_loadu_pd(x + i))); \
        if (i < n) { \
            double buf[8] = {0, 0, 0, 0, 0, 0, 0, 0}; \
            memcpy(buf, x + i, (size_t)(n - i) * sizeof(double)); \
            _mm512_storeu_pd(buf, _ZGVeN8v_##name(_mm512_loadu_pd(buf))); \
            memcpy(y + i, buf, (size_t)(n - i) * sizeof(double)); \
        } \
    }

#define AVX2_LOOP(name) \
    __attribute__((target("avx2,fma"))) static void v4_##name(const double *x, double *y, long n) { \
        long i = 0; \
        for (; i + 4 <= n; i += 4) _mm256_storeu_pd(y + i, _ZGVdN4v_##name(_mm256_loadu_pd(x + i))); \
        if (i < n) { \
            double buf[4] = {0, 0, 0, 0}; \
            memcpy(buf, x + i, (size_t)(n - i) * sizeof(double)); \
            _mm256_storeu_pd(buf, _ZGVdN4v_##name(_mm256_loadu_pd(buf))); \
            memcpy(y + i, buf, (size_t)(n - i) * sizeof(double)); \
        } \
    }

#define SCALAR_LOOP(name) \
    static void v1_##name(const double *x, double *y, long n) { for (long i = 0; i < n; i++) y[i] = name(x[i]); }

#define ALL(name) AVX512_LOOP(name) AVX2_LOOP(name) SCALAR_LOOP(name)
ALL(exp) ALL(log) ALL(tanh) ALL(sin) ALL(cos) ALL(tan) ALL(erf) ALL(expm1) ALL(log1p) ALL(log2) ALL(log10)
ALL(lkacos) ALL(lkasin)

typedef void (*kernel)(const double *, double *, long);
static const kernel k8[] = {v8_exp, v8_log, v8_tanh, v8_sin, v8_cos, v8_tan, v8_erf, v8_expm1, v8_log1p, v8_log2, v8_log10, v8_lkacos, v8_lkasin};
static const kernel k4[] = {v4_exp, v4_log, v4_tanh, v4_sin, v4_cos, v4_tan, v4_erf, v4_expm1, v4_log1p, v4_log2, v4_log10, v4_lkacos, v4_lkasin};
static const kernel k1[] = {v1_exp, v1_log, v1_tanh, v1_sin, v1_cos, v1_tan, v1_erf, v1_expm1, v1_log1p, v1_log2, v1_log10, v1_lkacos, v1_lkasin};

static int chosen = -1;

int lk_vec_width_bits(void) {
    int w = __atomic_load_n(&chosen, __ATOMIC_RELAXED);
    if (w >= 0) return w;
    const char *force = getenv("LK_VECMATH");
    __builtin_cpu_init();
    if (force && strcmp(force, "scalar") == 0) w = 0;
    else if (force && strcmp(force, "avx2") == 0 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) w = 256;
    else if (__builtin_cpu_supports("avx512f")) w = 512;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) w = 256;
    else w = 0;
    __atomic_store_n(&chosen, w, __ATOMIC_RELAXED);
    return w;
}

void lk_vec_apply(int op, const double *x, double *y, long n) {
    lk_vec_apply_width(lk_vec_width_bits(), op, x, y, n);
}

void lk_vec_apply_width(int bits, int op, const double *x, double *y, long n) {
    if (op < 0 || op > LK_VEC_ASIN || n <= 0) return;
    switch (bits) {
    case 512: k8[op](x, y, n); break;
    case 256: k4[op](x, y, n); break;
    default: k1[op](x, y, n); break;
    }
}
