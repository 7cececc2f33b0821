// See include/runs.h. Every operation here is correctly rounded or exact under IEEE
// 754, so the AVX-512, AVX2 and scalar loops (and their scalar tails) give the same
// bits; contraction into fused multiply-adds is off for the whole file.
#include "runs.h"
#include "vecmath.h"
#include <immintrin.h>
#include <math.h>

#pragma clang fp contract(off)

#define S_ADD(x, y) ((x) + (y))
#define S_SUB(x, y) ((x) - (y))
#define S_MUL(x, y) ((x) * (y))
#define S_DIV(x, y) ((x) / (y))

// One binary operation at one width: V is the vector operation, S the scalar one
// (the tail), W the lanes, T the vector type, L/ST/B load, store and broadcast.
#define BINARY(prefix, attr, name, V, S, W, T, L, ST, B) \
    attr static void prefix##_##name(const double *a, long sa, const double *b, long sb, double *y, long n) { \
        long i = 0; \
        if (sa && sb) { \
            for (; i + W <= n; i += W) ST(y + i, V(L(a + i), L(b + i))); \
            for (; i < n; i++) y[i] = S(a[i], b[i]); \
        } else if (sa) { \
            const double s = b[0]; const T v = B(s); \
            for (; i + W <= n; i += W) ST(y + i, V(L(a + i), v)); \
            for (; i < n; i++) y[i] = S(a[i], s); \
        } else { \
            const double s = a[0]; const T v = B(s); \
            for (; i + W <= n; i += W) ST(y + i, V(v, L(b + i))); \
            for (; i < n; i++) y[i] = S(s, b[i]); \
        } \
    }

#define AVX512 __attribute__((target("avx512f")))
#define AVX2 __attribute__((target("avx2,fma")))
#define B8(name, V, S) BINARY(b8, AVX512, name, V, S, 8, __m512d, _mm512_loadu_pd, _mm512_storeu_pd, _mm512_set1_pd)
#define B4(name, V, S) BINARY(b4, AVX2, name, V, S, 4, __m256d, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_set1_pd)
B8(add, _mm512_add_pd, S_ADD) B8(sub, _mm512_sub_pd, S_SUB) B8(mul, _mm512_mul_pd, S_MUL) B8(div, _mm512_div_pd, S_DIV)
B4(add, _mm256_add_pd, S_ADD) B4(sub, _mm256_sub_pd, S_SUB) B4(mul, _mm256_mul_pd, S_MUL) B4(div, _mm256_div_pd, S_DIV)

static void b1_run(int op, const double *a, long sa, const double *b, long sb, double *y, long n) {
    for (long i = 0; i < n; i++) {
        const double x = a[i * sa], z = b[i * sb];
        switch (op) {
        case LK_ARITH_ADD: y[i] = x + z; break;
        case LK_ARITH_SUB: y[i] = x - z; break;
        case LK_ARITH_MUL: y[i] = x * z; break;
        default: y[i] = x / z; break;
        }
    }
}

typedef void (*binary_kernel)(const double *, long, const double *, long, double *, long);
static const binary_kernel bk8[] = {b8_add, b8_sub, b8_mul, b8_div};
static const binary_kernel bk4[] = {b4_add, b4_sub, b4_mul, b4_div};

void lk_arith_run(int op, const double *a, long sa, const double *b, long sb, double *y, long n) {
    lk_arith_run_width(lk_vec_width_bits(), op, a, sa, b, sb, y, n);
}

void lk_arith_run_width(int bits, int op, const double *a, long sa, const double *b, long sb, double *y, long n) {
    if (op < LK_ARITH_ADD || op > LK_ARITH_DIV || n <= 0) return;
    switch (bits) {
    case 512: bk8[op](a, sa, b, sb, y, n); break;
    case 256: bk4[op](a, sa, b, sb, y, n); break;
    default: b1_run(op, a, sa, b, sb, y, n); break;
    }
}

// The scalar definitions, matching Swift's: -x and |x| flip / clear the sign bit
// (NaN included), ReLU keeps NaN (x ≤ 0 is false for it).
static inline double s_neg(double x) { return -x; }
static inline double s_abs(double x) { return fabs(x); }
static inline double s_sqrt(double x) { return sqrt(x); }
static inline double s_square(double x) { return x * x; }
static inline double s_relu(double x) { return x <= 0 ? 0 : x; }

AVX512 static inline __m512d v8_neg(__m512d x) {
    return _mm512_castsi512_pd(_mm512_xor_epi64(_mm512_castpd_si512(x), _mm512_set1_epi64((long long)0x8000000000000000ULL)));
}
AVX512 static inline __m512d v8_abs(__m512d x) { return _mm512_abs_pd(x); }
AVX512 static inline __m512d v8_sqrt(__m512d x) { return _mm512_sqrt_pd(x); }
AVX512 static inline __m512d v8_square(__m512d x) { return _mm512_mul_pd(x, x); }
AVX512 static inline __m512d v8_relu(__m512d x) {
    return _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_NLE_UQ), x);
}
AVX2 static inline __m256d v4_neg(__m256d x) { return _mm256_xor_pd(x, _mm256_set1_pd(-0.0)); }
AVX2 static inline __m256d v4_abs(__m256d x) { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), x); }
AVX2 static inline __m256d v4_sqrt(__m256d x) { return _mm256_sqrt_pd(x); }
AVX2 static inline __m256d v4_square(__m256d x) { return _mm256_mul_pd(x, x); }
AVX2 static inline __m256d v4_relu(__m256d x) {
    return _mm256_and_pd(_mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_NLE_UQ), x);
}

#define MAP(prefix, attr, name, W, L, ST) \
    attr static void prefix##_##name(const double *x, double *y, long n) { \
        long i = 0; \
        for (; i + W <= n; i += W) ST(y + i, prefix##_##name##_v(L(x + i))); \
        for (; i < n; i++) y[i] = s_##name(x[i]); \
    }
#define M8(name) AVX512 static inline __m512d m8_##name##_v(__m512d x) { return v8_##name(x); } \
    MAP(m8, AVX512, name, 8, _mm512_loadu_pd, _mm512_storeu_pd)
#define M4(name) AVX2 static inline __m256d m4_##name##_v(__m256d x) { return v4_##name(x); } \
    MAP(m4, AVX2, name, 4, _mm256_loadu_pd, _mm256_storeu_pd)
#define M1(name) static void m1_##name(const double *x, double *y, long n) { for (long i = 0; i < n; i++) y[i] = s_##name(x[i]); }
#define MAPS(name) M8(name) M4(name) M1(name)
MAPS(neg) MAPS(abs) MAPS(sqrt) MAPS(square) MAPS(relu)

typedef void (*map_kernel)(const double *, double *, long);
static const map_kernel mk8[] = {m8_neg, m8_abs, m8_sqrt, m8_square, m8_relu};
static const map_kernel mk4[] = {m4_neg, m4_abs, m4_sqrt, m4_square, m4_relu};
static const map_kernel mk1[] = {m1_neg, m1_abs, m1_sqrt, m1_square, m1_relu};

void lk_map_run(int op, const double *x, double *y, long n) {
    lk_map_run_width(lk_vec_width_bits(), op, x, y, n);
}

void lk_map_run_width(int bits, int op, const double *x, double *y, long n) {
    if (op < LK_MAP_NEG || op > LK_MAP_RELU || n <= 0) return;
    switch (bits) {
    case 512: mk8[op](x, y, n); break;
    case 256: mk4[op](x, y, n); break;
    default: mk1[op](x, y, n); break;
    }
}
