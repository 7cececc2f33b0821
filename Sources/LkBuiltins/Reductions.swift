import LkLang
import LkTensor

/// What every reduction's doc says about `axis=` and `keepdims=`.
let keepdimsNote = " `axis` may be negative (counting from the end); `keepdims=true` keeps the reduced axis with size 1, so the result broadcasts against x (`x - mean(x, axis=1, keepdims=true)`)."

/// A reduction over all elements, or along `axis=`; `keepdims=` keeps the
/// reduced axis with size 1 so the result broadcasts against the input.
/// Sums, means, variances and products are differentiable (AD.reduce gives each its
/// rule); positions and truth values (argmax, any, …) are constants.
func reduction(_ name: String, _ op: ReduceOp, _ doc: String) -> Builtin {
    let differentiable: Set<ReduceOp> = [.sum, .mean, .variance, .std, .prod]
    return def("\(name)(x, axis=, keepdims=false)", doc + keepdimsNote, differentiation: differentiable.contains(op) ? .rule { a in
        try Differentiable.reduce(op, a.positional[0], axis: try a.axis(), keepdims: try a.keywordBool("keepdims", default: false))
    } : .constant) { a in
        let t = try a.tensor(0, "x")
        return wrap(try t.reduce(op, axis: try a.axis(), keepdims: try a.keywordBool("keepdims", default: false)))
    }
}

/// `max`/`min`: one argument reduces (like NumPy's max); two compare elementwise.
/// Ties share the gradient (AD.reduce, AD.binary).
func extremum(_ name: String, _ op: ReduceOp, _ pair: BinaryOp, _ doc: String) -> Builtin {
    def("\(name)(x, axis=, keepdims=false) / \(name)(a, b)", doc + keepdimsNote, differentiation: .rule { a in
        if a.count == 2 { return try Differentiable.binary(pair, a.positional[0], a.positional[1]) }
        return try Differentiable.reduce(op, a.positional[0], axis: try a.axis(), keepdims: try a.keywordBool("keepdims", default: false))
    }) { a in
        if a.count == 2 {
            if case .number(let x) = a.positional[0].normalized, case .number(let y) = a.positional[1].normalized {
                return .number(pair.apply(x, y))
            }
            return wrap(try Tensor.binary(pair, try a.tensor(0, "a"), try a.tensor(1, "b")))
        }
        let t = try a.tensor(0, "x")
        return wrap(try t.reduce(op, axis: try a.axis(), keepdims: try a.keywordBool("keepdims", default: false)))
    }
}

extension BuiltinTable {
    static let reductions: [Builtin] = [
        reduction("sum", .sum, "The sum of the elements of x, or along `axis` (pairwise summation, as NumPy)."),
        reduction("prod", .prod, "The product of the elements of x, or along `axis`."),
        reduction("mean", .mean, "The arithmetic mean of x, or along `axis`; the mean of nothing is nan."),
        reduction("var", .variance, "The variance of x (dividing by n, NumPy's default), or along `axis`."),
        reduction("std", .std, "The standard deviation of x (dividing by n, NumPy's default), or along `axis`."),
        extremum("max", .max, .maximum, "The largest element of x, or along `axis`; nan if any element is nan (as NumPy). With two arguments, the elementwise maximum of a and b."),
        extremum("min", .min, .minimum, "The smallest element of x, or along `axis`; nan if any element is nan. With two arguments, the elementwise minimum of a and b."),
        reduction("argmax", .argmax, "The 0-based position of the largest element (the first, if several), over the flattened x or along `axis`."),
        reduction("argmin", .argmin, "The 0-based position of the smallest element (the first, if several), over the flattened x or along `axis`."),
        reduction("any", .any, "1 if any element of x is non-zero, else 0; or along `axis`."),
        reduction("all", .all, "1 if every element of x is non-zero, else 0; or along `axis`."),
        def("cumsum(x, axis=)", "Running sums of x along `axis`, or of the flattened x.", differentiation: .rule { a in try cumsum(a.positional[0], axis: try a.axis()) }) { a in
            return wrap(try a.tensor(0, "x").cumsum(axis: try a.axis()))
        },
        def("norm(x, axis=)", "The Euclidean norm √(Σ xᵢ²) of a vector, the Frobenius norm of a matrix, or the norms along `axis` (`norm(X, axis=1)` gives each row's length).", differentiation: .rule { a in try Differentiable.norm(a.positional[0], axis: try a.axis()) }) { a in
            return wrap(try a.tensor(0, "x").norm(axis: try a.axis()))
        },
    ]
}
