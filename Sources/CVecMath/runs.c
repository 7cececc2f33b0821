// See include/runs.h. Every operation here is correctly rounded or exact under IEEE
// 754, so the AVX-512, AVX2 and scalar loops (and their scalar tails) give the same
// bits; contraction into fused multiply-adds is off for the whole file.
#include "runs.h"
#include "vectors.h"
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

// The chains (see runs.h): blocks of CHAIN_BLOCK elements, small enough that the
// registers (double arrays) stay in L1 and that reading memory interleaves with the
// arithmetic; each step is one tight vector loop over the block. A last, partial
// block is run on zero-padded copies (as lk_vec_apply pads its tail); lanes never mix.
#ifndef CHAIN_BLOCK
#define CHAIN_BLOCK 64
#endif
#ifndef CHAIN_AHEAD
#define CHAIN_AHEAD 2
#endif

// One step over a block: P(j) reads operand element vector j (from a register or
// an input, or the broadcast constant), and the loop stores op(…) into pr.
#define CHAIN_BLOCK_FN(prefix, attr, T, W, L, ST, B, VARITH, VMAP, VECF) \
    attr static void prefix##_block(const lk_chain_step *s, int ns, const double *const *in, long at, \
                                    const double *c, double (*reg)[CHAIN_BLOCK], double *y) { \
        for (int k = 0; k < ns; k++) { \
            const lk_chain_step *t = s + k; \
            const double *pa = t->a_source == LK_CHAIN_REGISTER ? reg[t->a_index] \
                             : t->a_source == LK_CHAIN_INPUT ? in[t->a_index] + at : 0; \
            const T ca = B(pa ? 0.0 : c[t->a_index]); \
            double *pr = k == ns - 1 ? y : reg[t->target]; \
            if (t->kind == LK_CHAIN_ARITH) { \
                const double *pb = t->b_source == LK_CHAIN_REGISTER ? reg[t->b_index] \
                                 : t->b_source == LK_CHAIN_INPUT ? in[t->b_index] + at : 0; \
                const T cb = B(pb ? 0.0 : c[t->b_index]); \
                switch (t->op) { \
                case LK_ARITH_ADD: VARITH(add); break; \
                case LK_ARITH_SUB: VARITH(sub); break; \
                case LK_ARITH_MUL: VARITH(mul); break; \
                default: VARITH(div); break; \
                } \
            } else if (t->kind == LK_CHAIN_MAP) { \
                switch (t->op) { \
                case LK_MAP_NEG: VMAP(neg); break; \
                case LK_MAP_ABS: VMAP(abs); break; \
                case LK_MAP_SQRT: VMAP(sqrt); break; \
                case LK_MAP_SQUARE: VMAP(square); break; \
                default: VMAP(relu); break; \
                } \
            } else { \
                const int op = t->op; \
                for (int j = 0; j < CHAIN_BLOCK; j += W) ST(pr + j, VECF(op, L(pa + j))); \
            } \
        } \
    }

// Binary: the three forms (two runs, a run and a number, a number and a run).
#define ARITH8(name) \
    if (pa && pb) { for (int j = 0; j < CHAIN_BLOCK; j += 8) _mm512_storeu_pd(pr + j, _mm512_##name##_pd(_mm512_loadu_pd(pa + j), _mm512_loadu_pd(pb + j))); } \
    else if (pa) { for (int j = 0; j < CHAIN_BLOCK; j += 8) _mm512_storeu_pd(pr + j, _mm512_##name##_pd(_mm512_loadu_pd(pa + j), cb)); } \
    else { for (int j = 0; j < CHAIN_BLOCK; j += 8) _mm512_storeu_pd(pr + j, _mm512_##name##_pd(ca, _mm512_loadu_pd(pb + j))); }
#define MAP8(name) for (int j = 0; j < CHAIN_BLOCK; j += 8) _mm512_storeu_pd(pr + j, v8_##name(_mm512_loadu_pd(pa + j)));
#define ARITH4(name) \
    if (pa && pb) { for (int j = 0; j < CHAIN_BLOCK; j += 4) _mm256_storeu_pd(pr + j, _mm256_##name##_pd(_mm256_loadu_pd(pa + j), _mm256_loadu_pd(pb + j))); } \
    else if (pa) { for (int j = 0; j < CHAIN_BLOCK; j += 4) _mm256_storeu_pd(pr + j, _mm256_##name##_pd(_mm256_loadu_pd(pa + j), cb)); } \
    else { for (int j = 0; j < CHAIN_BLOCK; j += 4) _mm256_storeu_pd(pr + j, _mm256_##name##_pd(ca, _mm256_loadu_pd(pb + j))); }
#define MAP4(name) for (int j = 0; j < CHAIN_BLOCK; j += 4) _mm256_storeu_pd(pr + j, v4_##name(_mm256_loadu_pd(pa + j)));

CHAIN_BLOCK_FN(c8, AVX512, __m512d, 8, _mm512_loadu_pd, _mm512_storeu_pd, _mm512_set1_pd, ARITH8, MAP8, lk_v8)
CHAIN_BLOCK_FN(c4, AVX2, __m256d, 4, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_set1_pd, ARITH4, MAP4, lk_v4)

typedef void (*chain_block)(const lk_chain_step *, int, const double *const *, long, const double *,
                            double (*)[CHAIN_BLOCK], double *);

static void chain(chain_block block, const lk_chain_step *s, int ns, const double *const *in, int inputs,
                  const double *c, double *y, long n) {
    double reg[LK_CHAIN_REGISTERS][CHAIN_BLOCK] __attribute__((aligned(64)));
    long i = 0;
    for (; i + CHAIN_BLOCK <= n; i += CHAIN_BLOCK) {
        // The inputs CHAIN_AHEAD blocks on, asked for now: a step such as exp computes
        // for longer than a block takes to read, and the hardware prefetcher alone,
        // seeing a burst of reads and then none, does not run far enough ahead.
        if (i + (CHAIN_AHEAD + 1) * CHAIN_BLOCK <= n)
            for (int k = 0; k < inputs; k++)
                for (int j = 0; j < CHAIN_BLOCK; j += 8) __builtin_prefetch(in[k] + i + CHAIN_AHEAD * CHAIN_BLOCK + j, 0, 3);
        block(s, ns, in, i, c, reg, y + i);
    }
    if (i < n) {
        // The tail: zero-padded copies of the inputs' last elements.
        enum { MAX_INPUTS = 2 * LK_CHAIN_REGISTERS + 2 };
        double pad[MAX_INPUTS][CHAIN_BLOCK] __attribute__((aligned(64)));
        const double *at[MAX_INPUTS];
        double out[CHAIN_BLOCK] __attribute__((aligned(64)));
        for (int k = 0; k < inputs; k++) {
            for (long j = 0; j < CHAIN_BLOCK; j++) pad[k][j] = i + j < n ? in[k][i + j] : 0;
            at[k] = pad[k];
        }
        block(s, ns, at, 0, c, reg, out);
        for (long j = 0; i + j < n; j++) y[i + j] = out[j];
    }
}

int lk_chain_run(const lk_chain_step *steps, int nsteps, const double *const *inputs, int ninputs,
                 const double *constants, double *y, long n) {
    return lk_chain_run_width(lk_vec_width_bits(), steps, nsteps, inputs, ninputs, constants, y, n);
}

// A step the chain can run: a known kind and operation, a register target, operands
// that exist (a function or map reads a register or an input, never a bare number).
static int valid_operand(int source, int index, int ninputs) {
    switch (source) {
    case LK_CHAIN_REGISTER: return index >= 0 && index < LK_CHAIN_REGISTERS;
    case LK_CHAIN_INPUT: return index >= 0 && index < ninputs;
    case LK_CHAIN_CONSTANT: return index >= 0;
    default: return 0;
    }
}

static int valid_step(const lk_chain_step *t, int ninputs) {
    if (t->target < 0 || t->target >= LK_CHAIN_REGISTERS) return 0;
    if (!valid_operand(t->a_source, t->a_index, ninputs)) return 0;
    switch (t->kind) {
    case LK_CHAIN_ARITH:
        return t->op >= LK_ARITH_ADD && t->op <= LK_ARITH_DIV && valid_operand(t->b_source, t->b_index, ninputs)
            && !(t->a_source == LK_CHAIN_CONSTANT && t->b_source == LK_CHAIN_CONSTANT);
    case LK_CHAIN_MAP: return t->op >= LK_MAP_NEG && t->op <= LK_MAP_RELU && t->a_source != LK_CHAIN_CONSTANT;
    case LK_CHAIN_VEC: return t->op >= 0 && t->op <= LK_VEC_ASIN && t->a_source != LK_CHAIN_CONSTANT;
    default: return 0;
    }
}

int lk_chain_run_width(int bits, const lk_chain_step *steps, int nsteps, const double *const *inputs, int ninputs,
                       const double *constants, double *y, long n) {
    if (nsteps <= 0 || ninputs < 0 || ninputs > 2 * LK_CHAIN_REGISTERS + 2) return 0;
    for (int k = 0; k < nsteps; k++)
        if (!valid_step(steps + k, ninputs)) return 0;
    switch (bits) {
    case 512: if (n > 0) chain(c8_block, steps, nsteps, inputs, ninputs, constants, y, n); return 1;
    case 256: if (n > 0) chain(c4_block, steps, nsteps, inputs, ninputs, constants, y, n); return 1;
    default: return 0;
    }
}
