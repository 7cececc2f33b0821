// See lk_asymmetry_rows and lk_mirror_lower_rows in include/vecmath.h. The maxima run in eight independent
// lanes (one running maximum is a dependency chain several times slower than the
// memory it reads); each lane keeps Swift.max's rule (the larger value, the one held
// when either is NaN), so the lanes' maximum is exactly the sequential one.
#include "vecmath.h"
#include <math.h>

#define TILE 32

static inline double keep_max(double held, double v) { return v >= held ? v : held; }

void lk_asymmetry_rows(const double *p, long n, long i0, long i1, double *largest_out, double *worst_out) {
    double mirror[TILE * TILE];
    double l[8] = {0, 0, 0, 0, 0, 0, 0, 0}, w[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    double largest = 0, worst = 0;
    for (long i = i0; i < i1; i++) largest = keep_max(largest, fabs(p[i * n + i]));
    for (long j0 = 0; j0 < i1; j0 += TILE) {
        long j1 = j0 + TILE < i1 ? j0 + TILE : i1;
        // mirror[(i - i0)·TILE + (j - j0)] = A[j, i]: the rows of A are read contiguously.
        for (long j = j0; j < j1; j++)
            for (long i = i0; i < i1; i++) mirror[(i - i0) * TILE + (j - j0)] = p[j * n + i];
        for (long i = i0; i < i1; i++) {
            const double *lo = p + i * n + j0, *up = mirror + (i - i0) * TILE;
            long m = j1 <= i ? j1 - j0 : i - j0;   // only j < i: the diagonal tile is a triangle
            long k = 0;
            for (; k + 8 <= m; k += 8) {
                for (int q = 0; q < 8; q++) {
                    l[q] = keep_max(keep_max(l[q], fabs(lo[k + q])), fabs(up[k + q]));
                    w[q] = keep_max(w[q], fabs(lo[k + q] - up[k + q]));
                }
            }
            for (; k < m; k++) {
                largest = keep_max(keep_max(largest, fabs(lo[k])), fabs(up[k]));
                worst = keep_max(worst, fabs(lo[k] - up[k]));
            }
        }
    }
    for (int q = 0; q < 8; q++) { largest = keep_max(largest, l[q]); worst = keep_max(worst, w[q]); }
    *largest_out = largest;
    *worst_out = worst;
}

void lk_mirror_lower_rows(double *p, long n, long i0, long i1) {
    for (long j0 = i0; j0 < n; j0 += TILE) {
        long j1 = j0 + TILE < n ? j0 + TILE : n;
        for (long i = i0; i < i1; i++) {
            double *row = p + i * n;
            for (long j = j0 > i + 1 ? j0 : i + 1; j < j1; j++) row[j] = p[j * n + i];
        }
    }
}
