import CVecMath
import Foundation

/// A binary elementwise operation with NumPy's semantics on Float64.
///
/// Arithmetic follows IEEE 754: division by zero gives ±inf or nan, never an
/// error. `%` is NumPy's `remainder`: the result has the sign of the divisor
/// (floored modulo). `^` is `pow`. Comparisons give 1 or 0 (nan compares
/// unequal to everything, so only `!=` is 1). `maximum`/`minimum` propagate nan.
public enum BinaryOp: Sendable, CaseIterable {
    case add, sub, mul, div, mod, pow, eq, ne, lt, le, gt, ge, maximum, minimum

    /// How the operation is written in lk source and in error messages.
    public var symbol: String {
        switch self {
        case .add: return "+"
        case .sub: return "-"
        case .mul: return "*"
        case .div: return "/"
        case .mod: return "%"
        case .pow: return "^"
        case .eq: return "=="
        case .ne: return "!="
        case .lt: return "<"
        case .le: return "<="
        case .gt: return ">"
        case .ge: return ">="
        case .maximum: return "maximum"
        case .minimum: return "minimum"
        }
    }

    /// Whether the result is a truth value (NumPy gives a `bool` array).
    public var isComparison: Bool {
        switch self {
        case .eq, .ne, .lt, .le, .gt, .ge: return true
        default: return false
        }
    }

    /// The operation on two numbers: the one definition of each operator, which
    /// the tensor kernels, the interpreter's number–number path and its scalar-loop
    /// fast path all use (Lua's `luai_numadd` serves its VM and constant folder so).
    @inlinable @inline(__always)
    public func withScalar<R>(_ body: ((Double, Double) -> Double) -> R) -> R {
        switch self {
        case .add: return body { $0 + $1 }
        case .sub: return body { $0 - $1 }
        case .mul: return body { $0 * $1 }
        case .div: return body { $0 / $1 }
        case .mod: return body(BinaryOp.floorMod)
        case .pow: return body { Foundation.pow($0, $1) }
        case .eq: return body { $0 == $1 ? 1 : 0 }
        case .ne: return body { $0 != $1 ? 1 : 0 }
        case .lt: return body { $0 < $1 ? 1 : 0 }
        case .le: return body { $0 <= $1 ? 1 : 0 }
        case .gt: return body { $0 > $1 ? 1 : 0 }
        case .ge: return body { $0 >= $1 ? 1 : 0 }
        case .maximum: return body(BinaryOp.maximum)
        case .minimum: return body(BinaryOp.minimum)
        }
    }

    /// The operation on two numbers.
    @inlinable @inline(__always)
    public func apply(_ a: Double, _ b: Double) -> Double { withScalar { $0(a, b) } }

    /// The C run kernel (Sources/CVecMath/runs.c: AVX-512 or AVX2 lanes, the same
    /// bits as `withScalar`, since + − × ÷ are correctly rounded) for this operation, if any.
    var arithmeticRoutine: lk_arith_op? {
        switch self {
        case .add: return LK_ARITH_ADD
        case .sub: return LK_ARITH_SUB
        case .mul: return LK_ARITH_MUL
        case .div: return LK_ARITH_DIV
        default: return nil
        }
    }

    /// The derivative, beside the definition: the partials ∂y/∂a and ∂y/∂b of
    /// y = a op b as recipes in a, b and y (nil: no gradient, for comparisons).
    /// Ties in maximum/minimum share the gradient, ½ to each side (PyTorch's and JAX's choice).
    /// For `^`, ∂y/∂b = y·log(a) is nan for a < 0, as it is in NumPy/PyTorch, and 0 at
    /// a = 0; it is only formed when b itself is differentiated.
    public var partials: (Recipe, Recipe)? {
        switch self {
        case .add: return (.one, .one)
        case .sub: return (.one, .constant(-1))
        case .mul: return (.b, .a)
        case .div: return (.binary(.div, .one, .b), .binary(.div, .unary(.neg, .y), .b))
        // ∂y/∂b = y·log a, taken as 0 at a = 0 (where y = 0 for b > 0), as PyTorch and JAX.
        case .pow: return (.binary(.mul, .b, .binary(.pow, .a, .binary(.sub, .b, .one))),
                           .binary(.mul, .y, .unary(.log, .binary(.add, .a, .binary(.eq, .a, .constant(0))))))
        case .mod: return (.one, .unary(.neg, .unary(.floor, .binary(.div, .a, .b))))
        case .maximum: return (Recipe.share(.gt, .a, .b), Recipe.share(.gt, .b, .a))
        case .minimum: return (Recipe.share(.lt, .a, .b), Recipe.share(.lt, .b, .a))
        case .eq, .ne, .lt, .le, .gt, .ge: return nil
        }
    }

    /// NumPy's `remainder`: `a - floor(a / b) * b` computed exactly from `fmod`,
    /// with the sign of `b`; a zero result takes the sign of `b`; `b == 0` gives nan.
    @inlinable @inline(__always)
    static func floorMod(_ a: Double, _ b: Double) -> Double {
        let m = a.truncatingRemainder(dividingBy: b)
        if b == 0 { return m }
        if m != 0 { return (b < 0) != (m < 0) ? m + b : m }
        return b < 0 ? -0.0 : 0.0
    }

    /// 1/c when c is ± a power of two and 1/c is a finite double (normal or subnormal),
    /// so that x/c == x·(1/c) for every x; nil otherwise.
    @inlinable
    public static func exactReciprocal(_ c: Double) -> Double? {
        guard c.isNormal, c.significandBitPattern == 0 else { return nil }
        let r = 1 / c
        return r.isFinite && r != 0 && r * c == 1 ? r : nil
    }

    /// `x op c` for the number c on the right as a cheaper operation with the same bits,
    /// where there is one (the run kernels and the fused chains both use this):
    /// x^2 and x^1 are exact in both forms (pow is correctly rounded there), and x / c is
    /// x · (1/c) bit for bit when c is a power of two whose reciprocal is a double (both
    /// are the correctly rounded x·2⁻ᵏ); for any other c, 1/c is rounded and x·(1/c) can
    /// differ from x/c in the last bit, so the division stays.
    public enum NumberForm: Equatable, Sendable { case square, identity, multiply(Double) }

    public func numberForm(_ c: Double) -> NumberForm? {
        switch self {
        case .pow where c == 2: return .square
        case .pow where c == 1: return .identity
        case .div: return BinaryOp.exactReciprocal(c).map(NumberForm.multiply)
        default: return nil
        }
    }

    /// NumPy's `maximum`: the larger argument, nan if either is nan.
    @inlinable @inline(__always)
    static func maximum(_ a: Double, _ b: Double) -> Double { (a >= b || a.isNaN) ? a : b }

    /// NumPy's `minimum`: the smaller argument, nan if either is nan.
    @inlinable @inline(__always)
    static func minimum(_ a: Double, _ b: Double) -> Double { (a <= b || a.isNaN) ? a : b }
}

/// A derivative written in terms of the operation's own inputs and output, so the
/// differentiation layer evaluates it with the same (differentiable) operations —
/// which is what lets derivatives compose (`grad(grad(f))`). `.a` is the first input
/// (x for a unary function), `.b` the second, `.y` the output.
public indirect enum Recipe: Sendable {
    case a, b, y
    case constant(Double)
    case unary(UnaryOp, Recipe)
    case binary(BinaryOp, Recipe, Recipe)
    public static let one = Recipe.constant(1)
    /// 1 where `x cmp y`, ½ where x = y, else 0: the share of a tie.
    static func share(_ cmp: BinaryOp, _ x: Recipe, _ y: Recipe) -> Recipe {
        .binary(.add, .binary(cmp, x, y), .binary(.mul, .constant(0.5), .binary(.eq, x, y)))
    }
}

/// A unary elementwise function, named as in lk source.
///
/// `relu(x) = max(x, 0)` (nan stays nan); `sigmoid(x) = 1 / (1 + exp(-x))`;
/// `round` rounds half to even like NumPy; `sign` gives -1, 0 or 1 (nan for nan);
/// `square(x) = x * x`. The rest are the C library functions of the same name.
public enum UnaryOp: String, Sendable, CaseIterable {
    case neg, abs, sqrt, exp, log, tanh, relu, sigmoid, erf, sin, cos, tan
    case floor, ceil, round, sign, log1p, expm1, log2, log10, square

    /// The function on one number: the one definition, used by the tensor kernels
    /// (except where glibc's vector math computes the same C function over a run),
    /// the interpreter and its scalar-loop fast path.
    @inlinable @inline(__always)
    public func withScalar<R>(_ body: ((Double) -> Double) -> R) -> R {
        switch self {
        case .neg: return body { -$0 }
        case .abs: return body { Swift.abs($0) }
        case .sqrt: return body { $0.squareRoot() }
        case .exp: return body { Foundation.exp($0) }
        case .log: return body { Foundation.log($0) }
        case .tanh: return body { Foundation.tanh($0) }
        case .relu: return body(UnaryOp.relu)
        case .sigmoid: return body(UnaryOp.sigmoid)
        case .erf: return body { Foundation.erf($0) }
        case .sin: return body { Foundation.sin($0) }
        case .cos: return body { Foundation.cos($0) }
        case .tan: return body { Foundation.tan($0) }
        case .floor: return body { $0.rounded(.down) }
        case .ceil: return body { $0.rounded(.up) }
        case .round: return body { $0.rounded(.toNearestOrEven) }
        case .sign: return body(UnaryOp.sign)
        case .log1p: return body { Foundation.log1p($0) }
        case .expm1: return body { Foundation.expm1($0) }
        case .log2: return body { Foundation.log2($0) }
        case .log10: return body { Foundation.log10($0) }
        case .square: return body { $0 * $0 }
        }
    }

    /// The function on one number.
    @inlinable @inline(__always)
    public func apply(_ x: Double) -> Double { withScalar { $0(x) } }

    /// The derivative, beside the definition: dy/dx of y = f(x) as a recipe in x and
    /// y (`.a` is x). nil: piecewise constant (floor, ceil, round, sign), which
    /// carries no gradient. At the kinks the choices are PyTorch's: abs'(0) = 0,
    /// relu'(0) = 0; sqrt'(0) = inf (the true limit).
    public var derivative: Recipe? {
        switch self {
        case .neg: return .constant(-1)
        case .abs: return .unary(.sign, .a)
        case .sqrt: return .binary(.div, .constant(0.5), .y)
        case .exp: return .y
        case .log: return .binary(.div, .one, .a)
        case .log1p: return .binary(.div, .one, .binary(.add, .one, .a))
        case .expm1: return .binary(.add, .y, .one)
        case .tanh: return .binary(.sub, .one, .binary(.mul, .y, .y))
        case .relu: return .binary(.gt, .a, .constant(0))
        case .sigmoid: return .binary(.mul, .y, .binary(.sub, .one, .y))
        case .erf: return .binary(.mul, .constant(2 / Double.pi.squareRoot()), .unary(.exp, .unary(.neg, .binary(.mul, .a, .a))))
        case .sin: return .unary(.cos, .a)
        case .cos: return .unary(.neg, .unary(.sin, .a))
        case .tan: return .binary(.add, .one, .binary(.mul, .y, .y))
        case .log2: return .binary(.div, .constant(1 / M_LN2), .a)
        case .log10: return .binary(.div, .constant(1 / M_LN10), .a)
        case .square: return .binary(.mul, .constant(2), .a)
        case .floor, .ceil, .round, .sign: return nil
        }
    }

    /// The C run kernel (Sources/CVecMath/runs.c: AVX-512 or AVX2 lanes, the same
    /// bits as `withScalar`) for this exactly rounded operation, if it has one.
    var mapRoutine: lk_map_op? {
        switch self {
        case .neg: return LK_MAP_NEG
        case .abs: return LK_MAP_ABS
        case .sqrt: return LK_MAP_SQRT
        case .square: return LK_MAP_SQUARE
        case .relu: return LK_MAP_RELU
        default: return nil
        }
    }

    /// The C vector-math routine that computes this function over a run, if any.
    var vectorRoutine: lk_vec_op? {
        switch self {
        case .exp: return LK_VEC_EXP
        case .log: return LK_VEC_LOG
        case .tanh: return LK_VEC_TANH
        case .erf: return LK_VEC_ERF
        case .sin: return LK_VEC_SIN
        case .cos: return LK_VEC_COS
        case .tan: return LK_VEC_TAN
        case .log1p: return LK_VEC_LOG1P
        case .expm1: return LK_VEC_EXPM1
        case .log2: return LK_VEC_LOG2
        case .log10: return LK_VEC_LOG10
        default: return nil
        }
    }

    @inlinable @inline(__always)
    static func relu(_ x: Double) -> Double { x <= 0 ? 0 : x }

    /// `1 / (1 + e^-x)` is accurate to a few ulp for every x: for very negative x,
    /// `e^-x` overflows to inf and the result is the correct limit 0.
    @inlinable @inline(__always)
    static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

    @inlinable @inline(__always)
    static func sign(_ x: Double) -> Double { x > 0 ? 1 : (x < 0 ? -1 : (x == 0 ? 0 : x)) }
}

// MARK: - Kernels
//
// Each kernel is a plain loop over contiguous buffers, generic over the operation
// through an always-inlined closure: the `switch` on the op happens once, outside
// the loop, and every case gets its own specialised (and, where the operation
// allows, auto-vectorised) copy of the loop.

@inline(__always)
func unaryLoop(_ src: UnsafePointer<Double>, _ dst: UnsafeMutablePointer<Double>, _ n: Int,
               _ f: (Double) -> Double) {
    for i in 0..<n { dst[i] = f(src[i]) }
}

/// `dst[i] = f(a[i*sa], b[i*sb])` for `i < n`, where each stride is 0 (a broadcast
/// scalar) or 1 (contiguous). `dst` may be `a` itself (in-place update).
@inline(__always)
func binaryLoop(_ a: UnsafePointer<Double>, _ sa: Int, _ b: UnsafePointer<Double>, _ sb: Int,
                _ dst: UnsafeMutablePointer<Double>, _ n: Int, _ f: (Double, Double) -> Double) {
    if sa != 0 && sb != 0 {
        for i in 0..<n { dst[i] = f(a[i], b[i]) }
    } else if sa != 0 {
        let s = b[0]
        for i in 0..<n { dst[i] = f(a[i], s) }
    } else if sb != 0 {
        let s = a[0]
        for i in 0..<n { dst[i] = f(s, b[i]) }
    } else {
        dst.update(repeating: f(a[0], b[0]), count: n)
    }
}

/// One contiguous run of a binary operation (see `binaryLoop`).
func binaryRun(_ op: BinaryOp, _ a: UnsafePointer<Double>, _ sa: Int, _ b: UnsafePointer<Double>, _ sb: Int,
               _ dst: UnsafeMutablePointer<Double>, _ n: Int) {
    if sb == 0, let form = op.numberForm(b[0]) {
        switch form {
        case .square:
            if sa != 0 { return lk_map_run(Int32(LK_MAP_SQUARE.rawValue), a, dst, n) }
            return binaryLoop(a, sa, b, sb, dst, n) { x, _ in x * x }
        case .identity:
            return binaryLoop(a, sa, b, sb, dst, n) { x, _ in x }
        case .multiply(let r) where sa != 0:
            return withUnsafePointer(to: r) { lk_arith_run(Int32(LK_ARITH_MUL.rawValue), a, 1, $0, 0, dst, n) }
        case .multiply: break
        }
    }
    if sa != 0 || sb != 0, let routine = op.arithmeticRoutine {
        return lk_arith_run(Int32(routine.rawValue), a, sa, b, sb, dst, n)
    }
    op.withScalar { f in binaryLoop(a, sa, b, sb, dst, n, f) }
}

/// Transcendental functions over a run go through glibc's vector math
/// (libmvec, at most 4 ulp from the correctly rounded result) on CPUs with
/// AVX2 or AVX-512, and through libm elsewhere.
@inline(__always) func vectorMath(_ op: lk_vec_op, _ src: UnsafePointer<Double>, _ dst: UnsafeMutablePointer<Double>, _ n: Int) {
    lk_vec_apply(Int32(op.rawValue), src, dst, n)
}

/// Vector math on raw runs, for engine kernels outside LkTensor (the analytic
/// kernels' arc-cosine and arcsine maps): SLEEF's 1.0-ulp acos and asin on CPUs with
/// AVX2 or AVX-512, libm's elsewhere. `x` and `y` may be the same run.
public enum VectorMath {
    public static func acos(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
        vectorMath(LK_VEC_ACOS, x, y, n)
    }
    public static func asin(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
        vectorMath(LK_VEC_ASIN, x, y, n)
    }

    /// The ReLU dual map over a row (Sources/CVecMath/include/dualrows.h): with
    /// s = √(qi·qj[j]), ρ = clamp(c[j]/s, −1, 1) and θ = arccos ρ, c[j] ← s/(2π)(√(1−ρ²) + (π−θ)ρ)
    /// and t[j] ← t[j](π−θ)/(2π), both 0 unless s > 0; t may be nil.
    public static func reluDualRow(_ c: UnsafeMutablePointer<Double>, _ t: UnsafeMutablePointer<Double>?,
                                   _ qj: UnsafePointer<Double>, _ qi: Double, _ n: Int) {
        lk_relu_dual_row(c, t, qj, qi, n)
    }

    /// The erf dual map over a row: with p = ai·aj[j], c[j] ← (2/π) arcsin(clamp(2c[j]/√p, −1, 1))
    /// and t[j] ← t[j]·(4/π)/√max(p − 4c[j]², 1e-300); t may be nil.
    public static func erfDualRow(_ c: UnsafeMutablePointer<Double>, _ t: UnsafeMutablePointer<Double>?,
                                  _ aj: UnsafePointer<Double>, _ ai: Double, _ n: Int) {
        lk_erf_dual_row(c, t, aj, ai, n)
    }
}

/// One contiguous run of a unary function.
func unaryRun(_ op: UnaryOp, _ src: UnsafePointer<Double>, _ dst: UnsafeMutablePointer<Double>, _ n: Int) {
    if let routine = op.vectorRoutine { return vectorMath(routine, src, dst, n) }
    if let routine = op.mapRoutine { return lk_map_run(Int32(routine.rawValue), src, dst, n) }
    op.withScalar { f in unaryLoop(src, dst, n, f) }
}

// MARK: - Tensor operations without broadcasting

extension Tensor {
    /// A new buffer with self's shape. Self already passed the memory-limit check
    /// at this size, so this cannot fail: should the limit have been lowered since,
    /// the buffer comes from a copy of self instead (copy-on-write allocates it).
    func sameShapeBuffer() -> Tensor {
        if let t = try? Tensor.hugePageResult(shape: shape) { return t }
        var copy = self
        copy.makeUnique()
        return copy
    }

    /// Applies `op` to every element; the result has self's shape.
    public func map(_ op: UnaryOp) -> Tensor {
        let out = sameShapeBuffer()
        let src = pointer, dst = out.pointer
        Parallel.forEachChunk(count: count) { r in
            unaryRun(op, src + r.lowerBound, dst + r.lowerBound, r.count)
        }
        return out
    }

    /// `a op b` for every element of `a`, with the number `b` on the right.
    public static func binary(_ op: BinaryOp, _ a: Tensor, _ b: Double) throws -> Tensor {
        var out = try Tensor.hugePageResult(shape: a.shape)
        out.isBool = op.isComparison
        withUnsafePointer(to: b) { pb in
            let pa = a.pointer, dst = out.pointer
            Parallel.forEachChunk(count: a.count) { r in
                binaryRun(op, pa + r.lowerBound, 1, pb, 0, dst + r.lowerBound, r.count)
            }
        }
        return out
    }

    /// `a op b` for every element of `b`, with the number `a` on the left.
    public static func binary(_ op: BinaryOp, _ a: Double, _ b: Tensor) throws -> Tensor {
        var out = try Tensor.hugePageResult(shape: b.shape)
        out.isBool = op.isComparison
        withUnsafePointer(to: a) { pa in
            let pb = b.pointer, dst = out.pointer
            Parallel.forEachChunk(count: b.count) { r in
                binaryRun(op, pa, 0, pb + r.lowerBound, 1, dst + r.lowerBound, r.count)
            }
        }
        return out
    }

    /// `a op b` elementwise for two tensors of the same shape.
    static func binarySameShape(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        var out = try Tensor.hugePageResult(shape: a.shape)
        out.isBool = op.isComparison
        let pa = a.pointer, pb = b.pointer, dst = out.pointer
        Parallel.forEachChunk(count: a.count) { r in
            binaryRun(op, pa + r.lowerBound, 1, pb + r.lowerBound, 1, dst + r.lowerBound, r.count)
        }
        return out
    }
}

extension Recipe {
    /// g ∘ r(a, b, y) elementwise, for tensors of one shape (b may be nil when r does
    /// not use it), in one pass without temporaries: the recipe is evaluated over
    /// chunks of 512 elements into scratch buffers, one per level of the recipe.
    /// What a first derivative costs when nothing is nested (`tanh`'s g·(1 − y²) is
    /// one loop instead of three tensor operations).
    public func pullback(g: Tensor, a: Tensor, b: Tensor?, y: Tensor) throws -> Tensor {
        let n = g.count
        let out = try Tensor(uninitializedShape: g.shape)
        let chunk = 512
        let depth = self.depth
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: chunk * (depth + 1))
        defer { scratch.deallocate() }
        let pa = a.pointer, pb = b?.pointer, py = y.pointer, pg = g.pointer, po = out.pointer
        var start = 0
        while start < n {
            let c = Swift.min(chunk, n - start)
            // Each level gives a pointer and a stride (0: one value, a constant part),
            // computed with the same run kernels as the tensor operations.
            func eval(_ r: Recipe, _ level: Int) -> (UnsafePointer<Double>, Int) {
                let d = scratch + level * chunk
                switch r {
                case .a: return (UnsafePointer(pa + start), 1)
                case .b: return (UnsafePointer(pb! + start), 1)
                case .y: return (UnsafePointer(py + start), 1)
                case .constant(let v):
                    d[0] = v
                    return (UnsafePointer(d), 0)
                case .unary(let op, let x):
                    let (s, ss) = eval(x, level + 1)
                    if ss == 0 { d[0] = op.apply(s[0]); return (UnsafePointer(d), 0) }
                    unaryRun(op, s, d, c)
                    return (UnsafePointer(d), 1)
                case .binary(let op, let l, let r):
                    var (ls, sl) = eval(l, level + 1)
                    // The left operand moves to this level's buffer if it sits in the
                    // next level's, which the right operand is about to use.
                    if ls == UnsafePointer(scratch + (level + 1) * chunk) {
                        d.update(from: ls, count: sl == 0 ? 1 : c)
                        ls = UnsafePointer(d)
                    }
                    let (rs, sr) = eval(r, level + 1)
                    if sl == 0 && sr == 0 { d[0] = op.apply(ls[0], rs[0]); return (UnsafePointer(d), 0) }
                    if sl == 0 {
                        var v = ls[0]   // not in d, which the run writes
                        withUnsafePointer(to: &v) { binaryRun(op, $0, 0, rs, sr, d, c) }
                    } else {
                        binaryRun(op, ls, sl, rs, sr, d, c)
                    }
                    return (UnsafePointer(d), 1)
                }
            }
            let (v, sv) = eval(self, 0)
            if sv == 0 { let k = v[0]; for i in 0..<c { po[start + i] = pg[start + i] * k } }
            else { for i in 0..<c { po[start + i] = pg[start + i] * v[i] } }
            start += c
        }
        return out
    }

    /// Whether the recipe reads b.
    public var usesB: Bool {
        switch self {
        case .b: return true
        case .a, .y, .constant: return false
        case .unary(_, let x): return x.usesB
        case .binary(_, let l, let r): return l.usesB || r.usesB
        }
    }

    var depth: Int {
        switch self {
        case .a, .b, .y, .constant: return 1
        case .unary(_, let x): return 1 + x.depth
        case .binary(_, let l, let r): return 1 + Swift.max(l.depth, r.depth)
        }
    }
}
