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

/// A fused elementwise chain (LkTensor's ElementwiseProgram) run in blocks of 64
/// elements: every step is applied to the block (8 or 4 lanes at a time, AVX-512 or
/// AVX2) in L1-resident registers before the next block is read, so reading memory
/// interleaves with the arithmetic and each step's dispatch is paid once per block. Each step is the same vector operation the unfused tensor operation
/// uses (lk_arith_run, lk_map_run, lk_vec_apply's routine), on the same lanes: the
/// result is bit for bit the unfused one.
enum lk_chain_kind { LK_CHAIN_ARITH, LK_CHAIN_MAP, LK_CHAIN_VEC };
enum lk_chain_source { LK_CHAIN_REGISTER, LK_CHAIN_INPUT, LK_CHAIN_CONSTANT };
enum { LK_CHAIN_REGISTERS = 16 };

typedef struct {
    int kind;       // lk_chain_kind
    int op;         // an lk_arith_op, lk_map_op or lk_vec_op
    int target;     // the register written (< LK_CHAIN_REGISTERS)
    int a_source, a_index;  // the first operand: register, input or constant number
    int b_source, b_index;  // the second (LK_CHAIN_ARITH only)
} lk_chain_step;

/// Runs the steps over elements [0, n) of the ninputs inputs (each pointer already at
/// the first element; at most 2·LK_CHAIN_REGISTERS + 2) and writes the last step's register to y[0..<n]. Returns 0, doing
/// nothing, when the CPU has neither AVX-512 nor AVX2 (or LK_VECMATH=scalar) or a step
/// is malformed (an unknown kind or operation, a register or input out of range, a
/// function of a bare number): the caller then runs the chain block by block.
int lk_chain_run(const lk_chain_step *steps, int nsteps, const double *const *inputs, int ninputs,
                 const double *constants, double *y, long n);
/// The same at a given width (512 or 256; the CPU must have it), for tests.
int lk_chain_run_width(int bits, const lk_chain_step *steps, int nsteps, const double *const *inputs, int ninputs,
                       const double *constants, double *y, long n);

#endif
