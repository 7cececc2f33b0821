// The SIMD floor of `ntk(X, depth=L)` for X n×d (issue 17): one Gram matrix product
// (dsyrk, the lower triangle, as lk computes it) plus, per hidden layer, one pass of
// vector arc-cosine over the n(n+1)/2 entries of a triangle, in place, split over the
// same number of threads as lk uses. Everything else a layer does (square roots,
// divisions, the Dense update, reading and writing the two kernels) comes on top, so
// lk's time over this floor is what its recursion adds to the unavoidable work.
// Built and run by Benchmarks/ntk-floor: cc -O2 -pthread … -lsleef -lopenblas.
#include <cblas.h>
#include <immintrin.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

__attribute__((target("avx512f"))) __m512d Sleef_acosd8_u10avx512f(__m512d);
__attribute__((target("avx2,fma"))) __m256d Sleef_acosd4_u10avx2(__m256d);

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }

typedef struct { double *p; long n; int wide; } job;

__attribute__((target("avx512f"))) static void acos8(double *p, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8) _mm512_storeu_pd(p + i, Sleef_acosd8_u10avx512f(_mm512_loadu_pd(p + i)));
    for (; i < n; i++) p[i] = acos(p[i]);
}
__attribute__((target("avx2,fma"))) static void acos4(double *p, long n) {
    long i = 0;
    for (; i + 4 <= n; i += 4) _mm256_storeu_pd(p + i, Sleef_acosd4_u10avx2(_mm256_loadu_pd(p + i)));
    for (; i < n; i++) p[i] = acos(p[i]);
}
static void *run(void *arg) {
    job *j = arg;
    if (j->wide == 512) acos8(j->p, j->n); else if (j->wide == 256) acos4(j->p, j->n);
    else for (long i = 0; i < j->n; i++) j->p[i] = acos(j->p[i]);
    return NULL;
}

static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 2000, d = argc > 2 ? atoi(argv[2]) : 50, depth = argc > 3 ? atoi(argv[3]) : 3;
    int threads = argc > 4 ? atoi(argv[4]) : 2, reps = argc > 5 ? atoi(argv[5]) : 9;
    __builtin_cpu_init();
    int wide = __builtin_cpu_supports("avx512f") ? 512 : (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 256 : 0);
    double *x = malloc(sizeof(double) * n * d), *g = malloc(sizeof(double) * n * n);
    long tri = (long)n * (n + 1) / 2;
    double *r = malloc(sizeof(double) * tri);
    srand(1);
    for (long i = 0; i < (long)n * d; i++) x[i] = rand() / (double)RAND_MAX - 0.5;
    double tg[64], ta[64];
    for (int k = 0; k < reps && k < 64; k++) {
        double t0 = now();
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, n, d, 1, x, d, 0, g, n);
        double t1 = now();
        for (long i = 0; i < tri; i++) r[i] = (double)(i % 2001) / 1000.0 - 1.0;
        double t2 = now();
        for (int l = 0; l < depth; l++) {
            pthread_t th[16]; job js[16];
            long per = (tri + threads - 1) / threads;
            for (int t = 0; t < threads; t++) {
                long lo = t * per, hi = lo + per < tri ? lo + per : tri;
                js[t] = (job){r + lo, hi - lo, wide};
                pthread_create(&th[t], NULL, run, &js[t]);
            }
            for (int t = 0; t < threads; t++) pthread_join(th[t], NULL);
        }
        double t3 = now();
        tg[k] = t1 - t0; ta[k] = t3 - t2;
    }
    qsort(tg, reps, sizeof(double), cmp); qsort(ta, reps, sizeof(double), cmp);
    double mg = tg[reps / 2], ma = ta[reps / 2];
    printf("ntkfloor n=%d d=%d depth=%d threads=%d simd=%d\n", n, d, depth, threads, wide);
    printf("gram %.2f ms, acos %d x %ld entries %.2f ms, floor %.2f ms (medians of %d)\n",
           1e3 * mg, depth, tri, 1e3 * ma, 1e3 * (mg + ma), reps);
    return 0;
}
