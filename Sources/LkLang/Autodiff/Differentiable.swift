import LkTensor

/// The differentiable operations, for built-ins' rules in LkBuiltins: each works
/// on values that may be differentiated and records itself when they are.
public enum Differentiable {
    static func run<T>(_ body: () throws -> T) throws -> T {
        do { return try body() }
        catch let e as AD.Failure { throw BuiltinError(e.message) }
        catch let e as Operators.Failure { throw BuiltinError(e.message) }
    }
    public static func unary(_ op: UnaryOp, _ x: Value) throws -> Value { try run { try AD.unary(op, x) } }
    public static func binary(_ op: BinaryOp, _ a: Value, _ b: Value) throws -> Value { try run { try AD.binary(op, a, b) } }
    public static func reduce(_ op: ReduceOp, _ x: Value, axis: Int?, keepdims: Bool) throws -> Value {
        try run { try AD.reduce(op, x, axis: axis, keepdims: keepdims) }
    }
    public static func norm(_ x: Value, axis: Int?) throws -> Value { try run { try AD.norm(x, axis: axis) } }
    public static func reshape(_ x: Value, _ shape: [Int]) throws -> Value {
        try run {
            // Resolve a -1 against the value's element count, as the engine does.
            let t = try AD.engine(x.undual, "x").reshaped(shape)
            return try AD.reshape(x, t.shape)
        }
    }
    public static func transpose(_ x: Value, axes: [Int]?) throws -> Value { try run { try AD.transpose(x, axes: axes) } }
    public static func concat(_ xs: [Value], axis: Int) throws -> Value { try run { try AD.concat(xs, axis: axis) } }
    public static func stack(_ xs: [Value], axis: Int) throws -> Value { try run { try AD.stack(xs, axis: axis) } }
    public static func matmul(_ a: Value, _ b: Value) throws -> Value { try run { try AD.matmul(a, b) } }
    public static func index(_ x: Value, _ items: [Subscript]) throws -> Value { try run { try AD.index(x, items) } }
    public static func broadcast(_ x: Value, to shape: [Int]) throws -> Value { try run { try AD.broadcastTo(x, shape) } }
    public static func add(_ a: Value, _ b: Value) throws -> Value { try run { try AD.add(a, b) } }
    public static func sub(_ a: Value, _ b: Value) throws -> Value { try run { try AD.sub(a, b) } }
    public static func mul(_ a: Value, _ b: Value) throws -> Value { try run { try AD.mul(a, b) } }
    public static func div(_ a: Value, _ b: Value) throws -> Value { try run { try AD.div(a, b) } }
    public static func shape(_ v: Value) -> [Int] { AD.shape(v) }
    /// A cotangent summed back to `shape` (the broadcasting rule).
    public static func sumTo(_ g: Value, _ shape: [Int]) throws -> Value { try run { try AD.sumTo(g, shape) } }

    /// A new differentiable operation from an engine function and its pull-back
    /// (written with these operations, so it nests): for built-ins whose rule is
    /// not a composition (diag, where, inv, solve, det …).
    /// `forward` (optional) gives the output's tangent from the inputs' (nil for a
    /// constant input) for `jvp`; without it forward mode transposes `backward`.
    public static func lift(_ inputs: [Value], _ compute: @escaping ([Value]) throws -> Value,
                            forward: ((_ primals: [Value], _ output: Value, _ tangents: [Value?]) throws -> Value)? = nil,
                            backward: @escaping (_ primals: [Value], _ output: Value, _ cotangent: Value, _ needs: [Bool]) throws -> [Value?]) throws -> Value {
        try run { try AD.lift(inputs, compute, forward: forward, backward: backward) }
    }

    /// `x` as the engine tensor it stands for (its value, any differentiation removed).
    public static func tensor(_ x: Value) -> Tensor? { AD.tensor(x) }
}
