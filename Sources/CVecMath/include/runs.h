// Arithmetic over contiguous runs for lk's engine: the IEEE operations (+ − × ÷,
// negation, |x|, √x, x², ReLU) over 8 doubles at a time with AVX-512, 4 with AVX2,
// or one, chosen at run time for the CPU like vecmath.h. Each of these operations
// is correctly rounded (or exact), so every width gives the same bits as Swift's
// scalar operators; the file is compiled without floating-point contraction.
// Only LkTensor calls this (its binaryRun and unaryRun).
#ifndef LK_RUNS_H
#define LK_RUNS_H

enum lk_arith_op { LK_ARITH_ADD, LK_ARITH_SUB, LK_ARITH_MUL, LK_ARITH_DIV };
enum lk_map_op { LK_MAP_NEG, LK_MAP_ABS, LK_MAP_SQRT, LK_MAP_SQUARE, LK_MAP_RELU };

/// y[i] = a[i·sa] op b[i·sb] for i < n, each stride 0 (a broadcast number) or 1; not
/// both 0. y may be a or b (every element is read before it is written).
void lk_arith_run(int op, const double *a, long sa, const double *b, long sb, double *y, long n);

/// y[i] = f(x[i]) for i < n; y may be x. ReLU is x ≤ 0 ? 0 : x (NaN passes through).
void lk_map_run(int op, const double *x, double *y, long n);

/// The same at a given width (512, 256 or 0 for scalar; the CPU must have it), for
/// tests that compare the widths.
void lk_arith_run_width(int bits, int op, const double *a, long sa, const double *b, long sb, double *y, long n);
void lk_map_run_width(int bits, int op, const double *x, double *y, long n);

#endif
